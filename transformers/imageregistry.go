package transformers

import (
	"strings"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ImageRegistry is the processor for functionConfig kind
// ImageRegistryTransformer: it rewrites image and chart references to a
// private registry and reports the mirror list. Register it with
// fn.Register(transformers.Kind, transformers.ImageRegistry{}).
type ImageRegistry struct{}

var _ krm.Processor = ImageRegistry{}

// Process implements krm.Processor. It plans every edit first and applies
// them only when the configuration is valid, so an error leaves every input
// node untouched. Items are neither dropped nor reordered; the mirror list
// ConfigMap, when asked for, replaces the one of an earlier run in place or
// is appended.
func (ImageRegistry) Process(_ *krm.Context, rl *krm.ResourceList) ([]*yaml.RNode, krm.Problems) {
	cfg, problems := loadConfig(rl.FunctionConfig)
	if cfg == nil || problems.HasErrors() {
		return nil, problems
	}
	priorIdx := -1
	prior := map[string]string{}
	if cfg.MirrorList != nil {
		for i, rn := range rl.Items {
			if isMirrorList(rn, cfg.MirrorList) {
				priorIdx, prior = i, priorCharts(rn)
				break
			}
		}
	}
	p := newPlanner(cfg, prior)
	for _, rn := range rl.Items {
		it := newItem(rn)
		if it == nil {
			continue
		}
		p.plan(it)
		if it.rewrites > 0 {
			p.itemsChanged++
		}
		if len(p.handled) > 0 {
			clear(p.handled) // per item: nothing of one item is kept for the next
		}
	}
	p.joinHelmCharts()
	p.fleetRepoWarning()
	problems = append(problems, p.problems...)
	if p.problems.HasErrors() {
		return nil, problems // no edit applied: the input items come back unchanged
	}
	p.mirror.results(&problems)
	problems.Infof(nil, "", krm.Source{File: krm.PathOf(rl.FunctionConfig)}, "%s", p.summary())

	for _, e := range p.edits {
		e.apply()
	}
	items := rl.Items
	if cfg.MirrorList != nil {
		cm := p.mirror.configMap(cfg.MirrorList)
		switch {
		case priorIdx < 0:
			items = append(items[:len(items):len(items)], cm)
		case !sameData(rl.Items[priorIdx], cm):
			items = append([]*yaml.RNode(nil), rl.Items...)
			items[priorIdx] = cm
		}
	}
	return items, problems
}

// summary is the closing info result of a run.
func (p *planner) summary() string {
	summary := "rewrote " + count(p.imagesRewritten, "image reference") + " and " + count(p.chartsRewritten, "chart reference") +
		" in " + count(p.itemsChanged, "resource") + "; " + count(p.mirrored, "reference") + " already named the private registry, " +
		count(p.noMatch, "reference") + " matched no rule and were left unchanged"
	if p.warned > 0 {
		summary += ", and " + itoa(p.warned) + " more left unchanged with a warning"
	}
	if c := p.chartImages; c.redirected+c.listedOnly+c.missed > 0 {
		summary += "; images the Fleet plugins' charts pull: " + itoa(c.redirected) + " redirected through extraArgs, " +
			itoa(c.listedOnly) + " listed for a containerd mirror only, " + itoa(c.missed) + " missed"
	}
	return summary
}

// newItem reads what dispatch needs straight from the node, or returns nil
// for items the transformer must leave alone: local-config objects
// (Kptfile, function configs, an earlier mirror list) and this project's
// own function configs.
func newItem(rn *yaml.RNode) *item {
	root := rn.YNode()
	if root == nil || root.Kind != yaml.MappingNode {
		return nil
	}
	apiVersion, _ := scalarValue(mapGet(root, "apiVersion"))
	kind, _ := scalarValue(mapGet(root, "kind"))
	meta := mapGet(root, "metadata")
	if v, _ := scalarValue(mapPath(meta, "annotations", localConfigAnnotation)); v == "true" {
		return nil
	}
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		group = ""
	}
	if group == "scenario.kurator.dev" || group == "kpt.dev" || group == "fn.kpt.dev" {
		return nil
	}
	ns, _ := scalarValue(mapGet(meta, "namespace"))
	return &item{rn: rn, root: root, kind: kind, group: group, namespace: ns}
}

func (p *planner) plan(it *item) {
	switch {
	case it.group == "fleet.kurator.dev" && it.kind == "Fleet":
		p.fleet(it)
	case it.group == "apps.kurator.dev" && it.kind == "Application":
		p.application(it)
	case it.group == "pipeline.kurator.dev" && it.kind == "Pipeline":
		p.pipeline(it)
	case it.group == fluxSourceGroup && it.kind == "HelmRepository":
		p.fluxHelmRepository(it)
	case it.group == fluxSourceGroup && it.kind == "OCIRepository":
		if spec := mapGet(it.root, "spec"); spec != nil && p.ociRepository(it, spec) {
			p.sourceCredentials(it, spec, refResult{status: statusRewritten, oci: true}, true)
		}
	case it.group == fluxHelmGroup && it.kind == "HelmRelease":
		p.fluxHelmRelease(it)
	case isPrometheusOperatorCR(it):
		p.prometheusOperatorCR(it)
	default:
		if ps := podSpecOf(it); ps != nil {
			p.podSpec(it, ps)
		}
	}
	if len(p.cfg.fieldSpecs) > 0 {
		p.fieldSpecs(it)
	}
}

func isMirrorList(rn *yaml.RNode, out *MirrorListOutput) bool {
	root := rn.YNode()
	if kind, _ := scalarValue(mapGet(root, "kind")); kind != "ConfigMap" {
		return false
	}
	if v, _ := scalarValue(mapGet(root, "apiVersion")); v != "v1" {
		return false
	}
	name, _ := scalarValue(mapPath(root, "metadata", "name"))
	ns, _ := scalarValue(mapPath(root, "metadata", "namespace"))
	return name == out.Name && ns == out.Namespace
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return itoa(n) + " " + noun + "s"
}
