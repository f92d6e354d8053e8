package transformers

import (
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FleetRelease is one Helm release Kurator installs for a Fleet: its chart
// (after the Fleet's chart override) and the values the Fleet gives it.
// Tools that render the real charts (cmd/scenario-fn-charts) use it; the
// function itself never renders a chart.
type FleetRelease struct {
	// Component names the release ("thanos", "kyverno-policies", ...).
	Component string
	// Repository, Name and Version are the chart Kurator installs.
	Repository, Name, Version string
	// ExtraArgs is the plugin's extraArgs (the values merged over Kurator's
	// defaults), or nil.
	ExtraArgs *yaml.Node
	// Listed are the images the built-in table lists for this release; nil
	// when the table has none (charts it does not know).
	Listed []string
	// TableVersion is the chart version the table describes ("" when the
	// table does not cover the release).
	TableVersion string
}

// FleetReleases lists the releases a Fleet's plugins install, in the order
// results are reported.
func FleetReleases(fleet *yaml.RNode) []FleetRelease {
	plugin := mapPath(fleet.YNode(), "spec", "plugin")
	if plugin == nil || plugin.Kind != yaml.MappingNode {
		return nil
	}
	provider, _ := scalarValue(mapPath(plugin, "flagger", "trafficRoutingProvider"))
	var out []FleetRelease
	for i := range fleetPlugins {
		fp := &fleetPlugins[i]
		if fp.Provider != "" && fp.Provider != provider {
			continue
		}
		block := mapPath(plugin, fp.Path...)
		switch {
		case block != nil && block.Kind == yaml.MappingNode:
		case block == nil && fp.Parent != nil && mapPath(plugin, fp.Parent...) != nil:
		default:
			continue
		}
		repo := fp.Chart.Repository
		if v, ok := scalarValue(mapPath(block, "chart", "repository")); ok && v != "" {
			repo = v
		}
		name, version := effectiveChart(fp, block)
		extra := mapGet(block, "extraArgs")
		r := FleetRelease{Component: fp.Component, Repository: repo, Name: name, Version: version, ExtraArgs: extra,
			TableVersion: fp.Chart.Version}
		if fv := floatingVersions[fp.Chart.Name+" "+fp.Chart.Version]; fv != "" {
			r.TableVersion = fv
		}
		for _, ci := range chartImages[fp.Component] {
			if ci.Provider != "" && ci.Provider != provider {
				continue
			}
			if len(ci.Components) > 0 {
				for _, c := range ci.Components {
					r.Listed = append(r.Listed, ci.Ref+"/"+c)
				}
				continue
			}
			r.Listed = append(r.Listed, ci.Ref)
		}
		out = append(out, r)
		if s := fp.SharedWith; s != nil && (fp.SharedCondition == nil || mapPath(block, fp.SharedCondition...) != nil) {
			// Kurator applies the plugin's chart override to this release too
			sr := FleetRelease{Component: s.Name, Repository: s.Repository, Name: s.Name, Version: s.Version, TableVersion: s.Version}
			if fp.SharedValues {
				sr.ExtraArgs = extra
			}
			if mapGet(block, "chart") != nil {
				sr.Repository, sr.Name, sr.Version = repo, name, version
			}
			out = append(out, sr)
		}
	}
	if fl := mapGet(plugin, "flagger"); fl != nil && isTrue(mapGet(fl, "publicTestloader")) {
		c := publicTestloaderChart
		out = append(out, FleetRelease{Component: "loadtester", Repository: c.Repository, Name: c.Name, Version: c.Version,
			ExtraArgs: mapGet(fl, "extraArgs"), Listed: []string{imagePublicLoadtester}, TableVersion: c.Version})
	}
	if sm := mapGet(plugin, "submariner"); sm != nil && sm.Kind == yaml.MappingNode {
		c := submarinerBrokerChart
		out = append(out, FleetRelease{Component: c.Name, Repository: c.Repository, Name: c.Name, Version: c.Version, TableVersion: c.Version})
	}
	return out
}
