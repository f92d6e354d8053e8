package transformers

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fleet rewrites spec.plugin.*.chart and the image values in extraArgs, and
// lists the charts and controller images the Fleet makes Kurator pull.
func (p *planner) fleet(it *item) {
	plugin := mapPath(it.root, "spec", "plugin")
	if plugin == nil || plugin.Kind != yaml.MappingNode {
		return
	}
	provider, _ := scalarValue(mapPath(plugin, "flagger", "trafficRoutingProvider"))
	for i := range fleetPlugins {
		fp := &fleetPlugins[i]
		if fp.Provider != "" && fp.Provider != provider {
			continue
		}
		block := mapPath(plugin, fp.Path...)
		var parent *yaml.Node
		switch {
		case block != nil && block.Kind == yaml.MappingNode:
		case block == nil && fp.Parent != nil:
			// installed by its parent plugin even without its own block
			parent = mapPath(plugin, fp.Parent...)
			if parent == nil || parent.Kind != yaml.MappingNode {
				continue
			}
		default:
			continue // absent, or null (Kurator treats it as absent)
		}
		p.fleetChart(it, fp, block, parent)
		name, version := effectiveChart(fp, block)
		p.pluginImages(it, plugin, fp, block, name, version)
		if block != nil {
			p.helmValues(it, mapGet(block, "extraArgs"), fp.Values)
		}
	}
	if fl := mapGet(plugin, "flagger"); fl != nil && isTrue(mapGet(fl, "publicTestloader")) {
		o := occurrence{it: it, node: mapGet(fl, "publicTestloader")}
		p.fixedChart(o, publicTestloaderChart, "no Fleet field redirects the publicTestloader release; serve this repository at its own URL inside the network, or set publicTestloader: false")
		p.mirrorOnly(o, imagePublicLoadtester, "loadtester image of the publicTestloader release, whose values are flagger's extraArgs: no key redirects it without breaking flagger's")
		if r := p.rw.rewriteReference(imagePublicLoadtester); r.status == statusRewritten || r.status == statusMirrored {
			p.chartImages.listedOnly++
		} else {
			p.chartImages.missed++
		}
		p.warn(o,
			"set publicTestloader: false and use a private test loader (Application rollout.testLoader), whose image a containerd mirror can serve",
			"publicTestloader installs chart %s %s %s, which no Fleet field can redirect: an air-gapped install cannot pull it; "+
				"the release also takes flagger's extraArgs as its values, so flagger's image.repository is not written (it would point the loadtester at a flagger image): both images are listed mirror-only",
			publicTestloaderChart.Repository, publicTestloaderChart.Name, publicTestloaderChart.Version)
	}
	if sm := mapGet(plugin, "submariner"); sm != nil && sm.Kind == yaml.MappingNode {
		o := occurrence{it: it, node: sm}
		p.fixedChart(o, submarinerBrokerChart, "no Fleet field redirects the submariner-k8s-broker release; serve this repository at its own URL inside the network")
		p.warn(o,
			"serve "+submarinerBrokerChart.Repository+" from inside the network (an HTTP mirror of the chart repository), or install the broker yourself",
			"the submariner plugin also installs chart %s %s %s, which no Fleet field can redirect",
			submarinerBrokerChart.Repository, submarinerBrokerChart.Name, submarinerBrokerChart.Version)
	}
	if p.fleetRepoAt.it == nil && !p.fleetRepoAt.resolved && len(p.fleetRepos) > 0 {
		p.fleetRepoAt = occurrence{it: it, path: "spec.plugin"}
	}
}

// fleetRepoWarning says, once per run, what Kurator's plugin
// HelmRepositories need from the platform.
func (p *planner) fleetRepoWarning() {
	if len(p.fleetRepos) == 0 {
		return
	}
	p.warn(p.fleetRepoAt,
		"let these repositories be pulled anonymously, and add the private registry's CA to the host's Flux source-controller trust store (e.g. a Secret mounted at /etc/ssl/certs with SSL_CERT_DIR set); credentials cannot be given",
		"Kurator writes each plugin's HelmRepository with only type, interval and url (no secretRef, certSecretRef or insecure): the host's source-controller must reach %s without credentials, over TLS it already trusts",
		strings.Join(p.fleetRepos, ", "))
}

// effectiveChart is the chart name and version Kurator installs for fp.
func effectiveChart(fp *fleetPlugin, block *yaml.Node) (string, string) {
	name, version := fp.Chart.Name, fp.Chart.Version
	if c := mapGet(block, "chart"); c != nil && c.Kind == yaml.MappingNode {
		if v, ok := scalarValue(mapGet(c, "name")); ok && v != "" {
			name = v
		}
		if v, ok := scalarValue(mapGet(c, "version")); ok && v != "" {
			version = v
		}
	}
	return name, version
}

// fixedChart lists a chart that no field redirects, with what to do.
func (p *planner) fixedChart(o occurrence, c chartRef, reason string) {
	r := p.rw.rewriteChartRepo(c.Repository)
	if (r.status == statusRewritten || r.status == statusMirrored) && r.source != "" {
		p.mirror.addFixedChart(r.source, c.Name, c.Version, r.target, reason, o)
	}
}

// fleetChart plans the chart block of one plugin release. Kurator replaces
// repository, name and version together when a chart block is present, so
// a rewritten repository always comes with all three (defaults from the
// table in kurator_defaults.go).
func (p *planner) fleetChart(it *item, fp *fleetPlugin, block, parent *yaml.Node) {
	def := fp.Chart
	chart := mapGet(block, "chart")
	var repoN, nameN, versionN, nullChart *yaml.Node
	repo, name, version := def.Repository, def.Name, def.Version
	userRepo := false
	if chart != nil {
		switch {
		case chart.Kind == yaml.MappingNode:
			repoN, nameN, versionN = mapGet(chart, "repository"), mapGet(chart, "name"), mapGet(chart, "version")
			if v, ok := scalarValue(repoN); ok && v != "" {
				repo, userRepo = v, true
			}
			if v, ok := scalarValue(nameN); ok && v != "" {
				name = v
			}
			if v, ok := scalarValue(versionN); ok && v != "" {
				version = v
			}
		case isNull(chart):
			nullChart, chart = chart, nil
		default:
			p.warn(occurrence{it: it, node: chart}, "write chart: {repository, name, version}", "chart is not a mapping: left unchanged")
			return
		}
	}
	path := "spec.plugin." + strings.Join(fp.Path, ".") + ".chart.repository"
	o := occurrence{it: it, node: repoN}
	if repoN == nil {
		o = occurrence{it: it, path: path}
	}
	r := p.rw.rewriteChartRepo(repo)
	switch r.status {
	case statusPlaceholder, statusInvalid, statusForbidden:
		p.warnResult(o, "chart repository", repo, r)
		return
	case statusNoMatch:
		p.noMatch++
		if !userRepo {
			p.warn(o, "add a rule (or chartRule) for it, e.g. from: \"*\"",
				"%s installs chart %s %s %s by default, and no rule covers that repository: an air-gapped install cannot pull it",
				fp.Component, repo, name, version)
		}
		return
	case statusMirrored:
		p.mirrored++
		src := r.source
		if d := p.rw.rewriteChartRepo(def.Repository); d.status == statusRewritten && d.target == r.target {
			src = chartSourceString(mustRepoURL(def.Repository))
		}
		if src != "" {
			p.mirror.addChart(src, name, version, r.target, o)
		}
		if chart != nil && p.cfg.writeCharts {
			p.fillChart(chart, nameN, versionN, name, version)
		}
		p.addFleetRepo(r.target)
		p.sharedRelease(fp, block, name, version, o)
		return
	}
	// rewritten
	switch {
	case chart != nil:
		if repoN != nil {
			p.set(repoN, r.value)
		} else {
			p.appendTo(chart, strNode("repository"), strNode(r.value))
		}
		p.fillChart(chart, nameN, versionN, name, version)
	case !p.cfg.writeCharts:
		p.warn(o, "set spec.kurator.writeCharts: true, or write the chart block yourself",
			"%s has no chart block and spec.kurator.writeCharts is false: Kurator will pull %s %s %s from the internet",
			fp.Component, repo, name, version)
		return
	default:
		newChart := mapNode("repository", r.value, "name", name, "version", version)
		switch {
		case nullChart != nil:
			p.replace(nullChart, newChart)
		case block != nil:
			p.appendTo(block, strNode("chart"), newChart)
		default:
			p.appendTo(parent, strNode(fp.Path[len(fp.Path)-1]), &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap,
				Content: []*yaml.Node{strNode("chart"), newChart}})
		}
	}
	p.chartsRewritten++
	it.rewrites++
	p.mirror.addChart(r.source, name, version, r.target, o)
	p.addFleetRepo(r.target)
	p.sharedRelease(fp, block, name, version, o)
}

func (p *planner) addFleetRepo(repo string) {
	for _, r := range p.fleetRepos {
		if r == repo {
			return
		}
	}
	p.fleetRepos = append(p.fleetRepos, repo)
}

// sharedRelease lists the second release that Kurator installs with the
// same chart override (kyverno-policies, rook-ceph-cluster) and warns that
// the override breaks it.
func (p *planner) sharedRelease(fp *fleetPlugin, block *yaml.Node, name, version string, o occurrence) {
	s := fp.SharedWith
	if s == nil || (fp.SharedCondition != nil && mapPath(block, fp.SharedCondition...) == nil) {
		return
	}
	if sr := p.rw.rewriteChartRepo(s.Repository); sr.status == statusRewritten {
		p.mirror.addChart(sr.source, s.Name, s.Version, sr.target, o)
	}
	p.warn(o, "until Kurator fixes it, expect the "+s.Name+" release to fail; it is in the mirror list so a fixed Kurator finds it",
		"Kurator applies this chart override to its %s release as well (the override replaces repository, name and version of both), so that release will install %s %s instead",
		s.Name, name, version)
}

// fillChart adds the name and version Kurator would otherwise send empty.
func (p *planner) fillChart(chart, nameN, versionN *yaml.Node, name, version string) {
	fill := func(n *yaml.Node, key, v string) {
		switch {
		case n == nil:
			p.appendTo(chart, strNode(key), strNode(v))
		case isNull(n) || (n.Kind == yaml.ScalarNode && n.Value == ""):
			p.replace(n, strNode(v))
		}
	}
	fill(nameN, "name", name)
	fill(versionN, "version", version)
}

func mustRepoURL(s string) repoURL {
	u, _ := parseRepoURL(s)
	return u
}

// mirrorOnly lists an image a controller pulls by itself. Its target is
// what the rules give, which is where a containerd mirror must find it.
func (p *planner) mirrorOnly(o occurrence, ref, reason string) {
	r := p.rw.rewriteReference(ref)
	switch r.status {
	case statusRewritten, statusMirrored:
		if r.source != "" {
			p.mirror.addMirrorOnly(r.source, r.target, reason, o)
		}
	case statusNoMatch:
		if p.mirror.warnOnce("nomatch\x00" + ref) {
			p.warn(o, "add a rule for its registry, then configure a containerd registry mirror for it",
				"image %s (%s) is pulled by Kurator itself and no rule covers it: an air-gapped install cannot pull it", ref, reason)
		}
	default:
		p.warnResult(o, "image", ref, r)
	}
}

// application rewrites an Application's sources, kustomize images and
// Helm values.
func (p *planner) application(it *item) {
	spec := mapGet(it.root, "spec")
	policies := mapGet(spec, "syncPolicies")
	if hr := mapPath(spec, "source", "helmRepository"); hr != nil && hr.Kind == yaml.MappingNode {
		var charts []chartNV
		if policies != nil && policies.Kind == yaml.SequenceNode {
			for _, pol := range policies.Content {
				cs := mapPath(pol, "helm", "chart", "spec")
				if n, ok := scalarValue(mapGet(cs, "chart")); ok && n != "" {
					v, _ := scalarValue(mapGet(cs, "version"))
					if v == "" {
						v = "*"
					}
					charts = append(charts, chartNV{n, v})
				}
			}
		}
		r, o := p.helmRepository(it, hr)
		p.chartEntries(r, o, charts)
		p.sourceCredentials(it, hr, r, false)
	}
	if or := mapPath(spec, "source", "ociRepository"); or != nil && or.Kind == yaml.MappingNode {
		if p.ociRepository(it, or) {
			p.sourceCredentials(it, or, refResult{status: statusRewritten, oci: true}, true)
		}
	}
	if policies == nil || policies.Kind != yaml.SequenceNode {
		return
	}
	for _, pol := range policies.Content {
		if imgs := mapPath(pol, "kustomization", "images"); imgs != nil && imgs.Kind == yaml.SequenceNode {
			for _, img := range imgs.Content {
				p.kustomizeImage(it, img)
			}
		}
		p.helmValues(it, mapPath(pol, "helm", "values"), valuesStyle{})
		if tl := mapPath(pol, "rollout", "testLoader"); isTrue(tl) {
			p.mirrorOnly(occurrence{it: it, node: tl}, imageLoadtester,
				"flagger-loadtester Kurator deploys for rollout.testLoader: true")
		}
	}
}

type chartNV struct{ name, version string }

// helmRepository rewrites the url of a Helm repository spec (Kurator
// Application source or Flux HelmRepository) and keeps its type in step:
// an oci:// url needs type: oci.
func (p *planner) helmRepository(it *item, spec *yaml.Node) (refResult, occurrence) {
	urlN := mapGet(spec, "url")
	o := occurrence{it: it, node: urlN}
	v, ok := scalarValue(urlN)
	if !ok {
		return refResult{}, o
	}
	r := p.rw.rewriteChartRepo(v)
	switch r.status {
	case statusRewritten:
		p.set(urlN, r.value)
		p.chartsRewritten++
		it.rewrites++
		typeN := mapGet(spec, "type")
		t, _ := scalarValue(typeN)
		want := "default"
		if r.oci {
			want = "oci"
		}
		if want == "oci" && t != "oci" {
			if name, ok := scalarValue(mapPath(spec, "secretRef", "name")); ok && name != "" {
				p.warn(occurrence{it: it, node: mapGet(spec, "secretRef")},
					"give the Secret type kubernetes.io/dockerconfigjson with an auths entry for the private registry (kubectl create secret docker-registry)",
					"this Helm repository moves from %s to the OCI registry %s (type: oci), which reads credentials only from a dockerconfigjson Secret: Secret %q with username/password will not work",
					v, r.value, name)
			}
		}
		switch {
		case t == want || (t == "" && want == "default"):
		case typeN == nil:
			p.appendTo(spec, strNode("type"), strNode(want))
		default:
			p.replace(typeN, strNode(want))
		}
	case statusMirrored:
		p.mirrored++
	case statusNoMatch:
		p.noMatch++
	default:
		p.warnResult(o, "chart repository", v, r)
	}
	return r, o
}

func (p *planner) chartEntries(r refResult, o occurrence, charts []chartNV) {
	if (r.status != statusRewritten && r.status != statusMirrored) || r.source == "" {
		return
	}
	if len(charts) == 0 {
		p.mirror.addChart(r.source, "", "", r.target, o)
	}
	for _, c := range charts {
		p.mirror.addChart(r.source, c.name, c.version, r.target, o)
	}
}

// sourceCredentials adds spec.sourceCredentials to a redirected source:
// secretRef, and certSecretRef where the API has it (withCA). The user's
// own refs win.
func (p *planner) sourceCredentials(it *item, spec *yaml.Node, r refResult, withCA bool) {
	sc := p.cfg.SourceCredentials
	if sc == nil || r.status != statusRewritten {
		return
	}
	if sc.SecretName != "" && mapGet(spec, "secretRef") == nil {
		p.appendTo(spec, strNode("secretRef"), mapNode("name", sc.SecretName))
		if r.oci {
			p.warn(occurrence{it: it, path: findPath(it.root, spec) + ".secretRef"},
				"create it with kubectl create secret docker-registry "+sc.SecretName+" --docker-server=<private registry> in the source's namespace",
				"secretRef %s was added for the OCI registry: it must be a kubernetes.io/dockerconfigjson Secret", sc.SecretName)
		}
	}
	if sc.CASecretName == "" || mapGet(spec, "certSecretRef") != nil {
		return
	}
	if withCA {
		p.appendTo(spec, strNode("certSecretRef"), mapNode("name", sc.CASecretName))
		return
	}
	if p.mirror.warnOnce("noca\x00" + it.kind) {
		p.warn(occurrence{it: it, path: findPath(it.root, spec)},
			"make the member clusters' Flux source-controller trust the private registry's CA (its trust store): Kurator's Application API cannot pass one",
			"Kurator's %s helmRepository has no certSecretRef field: spec.sourceCredentials.caSecretName %s cannot be given to it", it.kind, sc.CASecretName)
	}
}

// ociRepository rewrites an oci:// artifact URL (Application source or
// Flux OCIRepository); spec.ref gives the tag or digest for the mirror list.
// It reports whether the URL is rewritten.
func (p *planner) ociRepository(it *item, spec *yaml.Node) bool {
	urlN := mapGet(spec, "url")
	v, ok := scalarValue(urlN)
	if !ok || len(v) < len("oci://") || !strings.EqualFold(v[:len("oci://")], "oci://") {
		return false
	}
	if p.visited(urlN) {
		return false
	}
	suffix := ""
	if t, ok := scalarValue(mapPath(spec, "ref", "tag")); ok && anchoredTag.MatchString(t) {
		suffix = ":" + t
	}
	if d, ok := scalarValue(mapPath(spec, "ref", "digest")); ok && d != "" && !isPlaceholder(d) {
		suffix = "@" + d
	}
	r := p.rw.rewriteName(v[len("oci://"):])
	p.recordName(occurrence{it: it, node: urlN}, "OCI repository", v, r, suffix, func(name string) { p.set(urlN, "oci://"+name) })
	return r.status == statusRewritten
}

// kustomizeImage handles syncPolicies[].kustomization.images[]: newName is
// rewritten; without newName, the rewritten name is added as newName.
func (p *planner) kustomizeImage(it *item, img *yaml.Node) {
	suffix := ""
	if t, ok := scalarValue(mapGet(img, "newTag")); ok && anchoredTag.MatchString(t) {
		suffix = ":" + t
	}
	if d, ok := scalarValue(mapGet(img, "digest")); ok && d != "" && !isPlaceholder(d) {
		suffix += "@" + d
	}
	if nn := mapGet(img, "newName"); nn != nil {
		if v, ok := scalarValue(nn); ok && v != "" {
			p.recordName(occurrence{it: it, node: nn}, "newName", v, p.rw.rewriteName(v), suffix, func(name string) { p.set(nn, name) })
			return
		}
	}
	nameN := mapGet(img, "name")
	v, ok := scalarValue(nameN)
	if !ok || v == "" {
		return
	}
	p.recordName(occurrence{it: it, node: nameN}, "image name", v, p.rw.rewriteName(v), suffix, func(name string) {
		if nn := mapGet(img, "newName"); nn != nil {
			p.replace(nn, strNode(name))
		} else {
			p.appendTo(img, strNode("newName"), strNode(name))
		}
	})
}

// recordName applies a decision about a repository name whose tag or
// digest lives elsewhere (suffix), through set.
func (p *planner) recordName(o occurrence, what, value string, r refResult, suffix string, set func(string)) {
	switch r.status {
	case statusRewritten:
		set(r.value)
		p.imagesRewritten++
		o.it.rewrites++
		p.mirror.addImage(r.source+suffix, r.target+suffix, o)
	case statusMirrored:
		p.mirrored++
		if r.source != "" {
			p.mirror.addImage(r.source+suffix, r.target+suffix, o)
		}
	case statusNoMatch:
		p.noMatch++
	default:
		p.warnResult(o, what, value, r)
	}
}

// pipeline rewrites customTask images and the build-and-push-image
// builder_image, and lists the fixed images of the predefined tasks. The
// build-and-push-image "image" param is the push target: never touched.
func (p *planner) pipeline(it *item) {
	tasks := mapPath(it.root, "spec", "tasks")
	if tasks == nil || tasks.Kind != yaml.SequenceNode || len(tasks.Content) == 0 {
		return
	}
	p.mirrorOnly(occurrence{it: it, node: tasks}, imageGitInit, "git-init of the git-clone task every Kurator Pipeline starts with")
	for _, t := range tasks.Content {
		if ct := mapGet(t, "customTask"); ct != nil {
			p.imageScalar(it, mapGet(ct, "image"), "customTask image")
		}
		pt := mapGet(t, "predefinedTask")
		name, _ := scalarValue(mapGet(pt, "name"))
		params := mapGet(pt, "params")
		o := occurrence{it: it, node: pt}
		version := func() string {
			if v, ok := scalarValue(mapGet(params, "version")); ok && v != "" {
				return v
			}
			return defaultGoToolsVersion
		}
		switch name {
		case "go-test":
			p.mirrorOnly(o, imageGolang+":"+version(), "golang image of the go-test task (only its tag is configurable, through params.version)")
		case "go-lint":
			p.mirrorOnly(o, imageGolangciLint+":"+version(), "golangci-lint image of the go-lint task (only its tag is configurable, through params.version)")
		case "build-and-push-image":
			if bi := mapGet(params, "builder_image"); bi != nil {
				p.imageScalar(it, bi, "builder_image")
			} else {
				p.mirrorOnly(o, imageKaniko, "kaniko builder of the build-and-push-image task (set params.builder_image to have it rewritten instead)")
			}
			p.mirrorOnly(o, imageBash, "bash step of the build-and-push-image task")
		}
	}
}
