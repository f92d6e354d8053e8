package generators

import (
	"sort"
	"strings"

	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Origin says which layer of a render set or removed a field.
type Origin struct {
	// Layer is human-readable: `template web-service`, `instance shop/orders`,
	// `value "tag" (value in instance orders)`, `overlay`, `naming rule`.
	Layer  string
	Source krm.Source
}

func (o Origin) String() string {
	if s := o.Source.String(); s != "" {
		return o.Layer + " (" + s + ")"
	}
	return o.Layer
}

// Trace records, per generated resource, the origin of every leaf field and
// of every field a later layer deleted. It observes the render pipeline
// (Render): filled only when asked for (explain, and locating problems that
// name the layer which set a field); a nil Trace records nothing.
type Trace struct {
	set     map[*resource]map[string]Origin
	deleted map[*resource]map[string]Origin
	prev    map[*resource]map[string]leaf
	final   map[string]*resource // by "Kind namespace/name" once named
}

type leaf struct {
	node *yaml.Node
	// tag and value of a scalar; "{}" or "[]" for an empty map or list.
	// Kept apart (not concatenated) so that recording a huge value neither
	// copies it nor compares more than its pointer while it is unchanged.
	tag, value string
}

func newTrace() *Trace {
	return &Trace{
		set:     map[*resource]map[string]Origin{},
		deleted: map[*resource]map[string]Origin{},
		prev:    map[*resource]map[string]leaf{},
		final:   map[string]*resource{},
	}
}

// record compares the resource with its previous state: leaves that are
// new, changed, or made of the step's own nodes are attributed to step;
// leaves that disappeared were deleted by it.
func (t *Trace) record(r *resource, step Origin, own map[*yaml.Node]bool, lines bool) {
	if t == nil {
		return
	}
	cur := map[string]leaf{}
	leaves(r.node.YNode(), "", cur)
	prev := t.prev[r]
	set := t.set[r]
	if set == nil {
		set = map[string]Origin{}
		t.set[r] = set
	}
	// A leaf can change path without changing: when a value renames its
	// list element ([name=IMAGE] becomes [name=ghcr.io/acme/orders]). It
	// keeps its origin, found by node identity.
	byNode := make(map[*yaml.Node]string, len(prev))
	for p, l := range prev {
		byNode[l.node] = p
	}
	moved := map[string]bool{}
	for path, l := range cur {
		p, existed := prev[path]
		mine := own[l.node]
		if existed && p.tag == l.tag && p.value == l.value && !mine {
			continue
		}
		if !existed && !mine {
			if old, ok := byNode[l.node]; ok && old != path && prev[old].tag == l.tag && prev[old].value == l.value {
				if o, ok := set[old]; ok {
					set[path] = o
				}
				moved[old] = true
				continue
			}
		}
		o := step
		if mine && lines {
			o.Source.Line = l.node.Line
		}
		set[path] = o
		if d := t.deleted[r]; d != nil {
			delete(d, path)
		}
	}
	for path := range prev {
		if _, ok := cur[path]; ok {
			continue
		}
		if moved[path] {
			delete(set, path)
			continue
		}
		if p := prev[path]; p.tag == "" && (p.value == "{}" || p.value == "[]") && grew(cur, path) {
			// An empty map or list that a layer filled was not deleted.
			delete(set, path)
			continue
		}
		if t.deleted[r] == nil {
			t.deleted[r] = map[string]Origin{}
		}
		t.deleted[r][path] = step
		delete(set, path)
	}
	t.prev[r] = cur
}

// grew reports whether cur has a leaf under path.
func grew(cur map[string]leaf, path string) bool {
	for p := range cur {
		if strings.HasPrefix(p, path+".") {
			return true
		}
	}
	return false
}

// resourceOrigins is the provenance of one resource of a chain's memoised
// base (chainBase.origins), shared read-only.
type resourceOrigins struct {
	set, deleted map[string]Origin
}

// adopt gives r, a copy of a memoised base resource, the base's origins.
func (t *Trace) adopt(r *resource, o resourceOrigins) {
	set := make(map[string]Origin, len(o.set))
	for p, v := range o.set {
		set[p] = v
	}
	t.set[r] = set
	if o.deleted != nil {
		d := make(map[string]Origin, len(o.deleted))
		for p, v := range o.deleted {
			d[p] = v
		}
		t.deleted[r] = d
	}
	cur := map[string]leaf{}
	leaves(r.node.YNode(), "", cur)
	t.prev[r] = cur
}

// force attributes one field to o (the naming rule names even what a
// template already wrote the same way).
func (t *Trace) force(r *resource, path string, o Origin) {
	if t == nil || t.set[r] == nil {
		return
	}
	if _, ok := t.set[r][path]; ok {
		t.set[r][path] = o
	}
}

// Fields returns the origin of every leaf of the named resource
// ("Kind namespace/name"), by field path.
func (t *Trace) Fields(id string) map[string]Origin {
	if t == nil {
		return nil
	}
	return t.set[t.final[id]]
}

// Deleted returns the fields of the named resource that a layer deleted.
func (t *Trace) Deleted(id string) map[string]Origin {
	if t == nil {
		return nil
	}
	return t.deleted[t.final[id]]
}

// blame explains a field for an error message: "set by <layer>", or
// "removed by <layer>" when a layer deleted it (or an ancestor of it).
func (t *Trace) blame(r *resource, path string) (krm.Source, string) {
	if t == nil {
		return krm.Source{}, ""
	}
	if _, ok := t.set[r][path]; !ok {
		var hits []string
		for p := range t.deleted[r] {
			if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(path, p+".") {
				hits = append(hits, p)
			}
		}
		if len(hits) > 0 {
			sort.Strings(hits)
			o := t.deleted[r][hits[0]]
			return o.Source, "removed by " + o.Layer
		}
	}
	if o, ok := t.originOf(r, path); ok {
		return o.Source, "set by " + o.Layer
	}
	return krm.Source{}, ""
}

// originOf finds who set path, or its closest ancestor or descendant.
func (t *Trace) originOf(r *resource, path string) (Origin, bool) {
	if t == nil {
		return Origin{}, false
	}
	set := t.set[r]
	if o, ok := set[path]; ok {
		return o, true
	}
	var under []string
	for p := range set {
		if strings.HasPrefix(p, path+".") {
			under = append(under, p)
		}
	}
	if len(under) > 0 {
		sort.Strings(under)
		return set[under[0]], true
	}
	if p, err := fieldpath.Parse(path); err == nil && len(p) > 1 {
		return t.originOf(r, p.Parent().String())
	}
	return Origin{}, false
}

// leaves flattens a node into leaf fields by path. Empty maps and lists
// are leaves too, so that adding {} is attributed; aliases are followed
// (the leaf is the anchor's node, under the alias's path).
func leaves(n *yaml.Node, path string, out map[string]leaf) {
	fieldpath.Walk{Empty: true, Aliases: true}.Leaves(n, path, func(n *yaml.Node, p string) {
		switch n.Kind {
		case yaml.MappingNode:
			out[p] = leaf{node: n, value: "{}"}
		case yaml.SequenceNode:
			out[p] = leaf{node: n, value: "[]"}
		default:
			out[p] = leaf{node: n, tag: n.Tag + ":", value: n.Value}
		}
	})
}

// nodeSet collects every node of a tree, to recognise a layer's own nodes
// after merge2 has moved them into the result.
func nodeSet(n *yaml.Node, set map[*yaml.Node]bool) map[*yaml.Node]bool {
	if set == nil {
		set = map[*yaml.Node]bool{}
	}
	set[n] = true
	for _, c := range n.Content {
		nodeSet(c, set)
	}
	return set
}
