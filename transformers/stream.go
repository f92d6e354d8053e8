package transformers

import (
	"bytes"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var _ krm.StreamProcessor = ImageRegistry{}

// Start implements krm.StreamProcessor: the transformer run item by item.
// It is Process cut in three: Start reads the config and finds the mirror
// list of an earlier run (its charts.txt informs the rewrites of every
// item), Item plans one item and, unless an error was reported, applies
// its edits at once, and Finish joins what needs all items (Flux
// HelmReleases with their HelmRepositories, the Fleet repositories'
// warning), reports the mirror list and renders its ConfigMap. Results,
// their order and the output items are those of Process; the runner writes
// the input back when Finish reports an error.
func (ImageRegistry) Start(_ *krm.Context, fc *yaml.RNode, items *krm.Split) (krm.StreamRun, krm.Problems, bool) {
	cfg, problems := loadConfig(fc)
	if cfg == nil || problems.HasErrors() {
		return nil, problems, false
	}
	r := &streamRun{cfg: cfg, fc: fc, priorIdx: -1}
	prior := map[string]string{}
	if cfg.MirrorList != nil {
		for i := 0; i < items.Len(); i++ {
			if !mayBeMirrorList(items.Raw(i), cfg.MirrorList) {
				continue
			}
			rn, ok := items.Item(i)
			if !ok {
				return nil, problems, false
			}
			if isMirrorList(rn, cfg.MirrorList) {
				r.priorIdx, prior = i, priorCharts(rn)
				break
			}
		}
	}
	r.p = newPlanner(cfg, prior)
	r.p.mirror.track = true
	return r, problems, true
}

// mayBeMirrorList is a cheap test on an item's bytes: false only for items
// isMirrorList cannot match, which then need not be parsed twice. Its kind
// and name are written out in the bytes, unless escapes (\) spell them.
func mayBeMirrorList(raw []byte, out *MirrorListOutput) bool {
	if bytes.IndexByte(raw, '\\') >= 0 {
		return true
	}
	return bytes.Contains(raw, []byte("ConfigMap")) && bytes.Contains(raw, []byte(out.Name))
}

type streamRun struct {
	cfg       *config
	fc        *yaml.RNode
	p         *planner
	priorIdx  int
	priorNode *yaml.RNode // the earlier mirror list, as Item left it
	helmSeen  int         // p.helmRepos resolved so far
}

// Item implements krm.StreamRun.
func (r *streamRun) Item(i int, rn *yaml.RNode) krm.Change {
	p := r.p
	if i == r.priorIdx {
		r.priorNode = rn
	}
	it := newItem(rn)
	if it == nil {
		return krm.Change{}
	}
	p.plan(it)
	if it.rewrites > 0 {
		p.itemsChanged++
	}
	// per item: nothing of one item is kept for the next (the nodes of
	// different items are distinct: lists with aliases are not streamed)
	clear(p.handled)
	clear(p.seen)
	var change krm.Change
	if !p.problems.HasErrors() && len(p.edits) > 0 {
		change.Changed = true
		for _, e := range p.edits {
			e.describe(&change)
		}
		// Edits that do more than set a scalar or append pairs (a Fleet's
		// values merged into its extraArgs): the tree before and after
		// them compared instead.
		var before *yaml.Node
		if change.Other {
			before = krm.CopyTree(it.root)
		}
		for _, e := range p.edits {
			e.apply()
		}
		if before != nil {
			change = krm.Diff(before, it.root)
		}
	}
	clear(p.edits)
	p.edits = p.edits[:0]
	for _, e := range p.mirror.fresh {
		e.first.resolve()
	}
	clear(p.mirror.fresh)
	p.mirror.fresh = p.mirror.fresh[:0]
	for ; r.helmSeen < len(p.helmRepos); r.helmSeen++ {
		p.helmRepos[r.helmSeen].o.resolve()
	}
	if p.fleetRepoAt.it == it {
		p.fleetRepoAt.resolve()
	}
	return change
}

// Finish implements krm.StreamRun.
func (r *streamRun) Finish() (krm.Problems, map[int]*yaml.RNode, []*yaml.RNode) {
	p := r.p
	p.joinHelmCharts()
	p.fleetRepoWarning()
	problems := append(krm.Problems(nil), p.problems...)
	if p.problems.HasErrors() {
		return problems, nil, nil
	}
	p.mirror.results(&problems)
	problems.Infof(nil, "", krm.Source{File: krm.PathOf(r.fc)}, "%s", p.summary())
	if r.cfg.MirrorList == nil {
		return problems, nil, nil
	}
	cm := p.mirror.configMap(r.cfg.MirrorList)
	switch {
	case r.priorIdx < 0:
		return problems, nil, []*yaml.RNode{cm}
	case !sameData(r.priorNode, cm):
		return problems, map[int]*yaml.RNode{r.priorIdx: cm}, nil
	}
	return problems, nil, nil
}

// describe adds what the edit, about to be applied, changes to c: a
// scalar's value (set, or replace by a scalar), pairs appended to a
// mapping, or something else.
func (e edit) describe(c *krm.Change) {
	switch {
	case e.do != nil:
		c.Other = true
	case e.node != nil && e.node.Kind == yaml.ScalarNode && (e.with == nil || e.with.Kind == yaml.ScalarNode):
		for _, sc := range c.Scalars {
			if sc.Node == e.node {
				return // changed twice: as parsed is the first one's
			}
		}
		c.Scalars = append(c.Scalars, krm.ScalarChange{Node: e.node, Was: *e.node})
	case e.node == nil && e.parent != nil && e.parent.Kind == yaml.MappingNode:
		for _, a := range c.Appended {
			if a.Map == e.parent {
				return
			}
		}
		c.Appended = append(c.Appended, krm.AppendChange{Map: e.parent, From: len(e.parent.Content)})
	default:
		c.Other = true
	}
}
