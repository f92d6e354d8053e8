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
	// Param is the parameter whose value (or default) set the field; ""
	// for every other layer.
	Param string
	// FieldLine is the line of the field itself in the layer's document
	// (or, for a removal, of the deepest part of it the document has: the
	// null, or the $patch: delete element), when Source is the document's
	// line and the observer found the field there; 0 otherwise. Fields and
	// Deleted report it as the Source line; problems keep the document's.
	FieldLine int
	// RenamedTo is set on the removal of a list element's fields when the
	// layer re-keyed the element (wrote its merge key: a value renaming
	// [name=set-by-the-image-parameter]) instead of removing it: the
	// element's new selector, [name=ghcr.io/acme/orders].
	RenamedTo string
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
	t.recordLayer(r, step, own, lines, nil)
}

// recordLayer is record for a step that merged doc, the layer's document
// as written: the fields it set or removed are also located in doc
// (Origin.FieldLine).
func (t *Trace) recordLayer(r *resource, step Origin, own map[*yaml.Node]bool, lines bool, doc *yaml.Node) {
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
		if doc != nil && o.Source.Line > 0 && o.Source.Line == doc.Line {
			if p, err := fieldpath.Parse(path); err == nil && len(p) > 0 {
				if found, _, line := p.Reach(doc); found == len(p) {
					o.FieldLine = line
				}
			}
		}
		set[path] = o
		if d := t.deleted[r]; d != nil {
			delete(d, path)
		}
	}
	var renamed map[string]string
	var removed []string
	var curByNode map[*yaml.Node]string // built at the first removal (as walking cur is)
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
		o := step
		if doc != nil && o.Source.Line > 0 && o.Source.Line == doc.Line {
			if p, err := fieldpath.Parse(path); err == nil {
				if found, _, line := p.Reach(doc); found > 0 {
					o.FieldLine = line
				}
			}
		}
		if curByNode == nil {
			curByNode = make(map[*yaml.Node]string, len(cur))
			for q, l := range cur {
				curByNode[l.node] = q
			}
		}
		if old, to, ok := rekeyed(path, prev[path].node, curByNode); ok {
			if renamed == nil {
				renamed = map[string]string{}
			}
			renamed[old] = to
		}
		t.deleted[r][path] = o
		removed = append(removed, path)
		delete(set, path)
	}
	// The fields this step removed from a list element it re-keyed were
	// renamed with it.
	for _, path := range removed {
		if renamed == nil {
			break
		}
		p, err := fieldpath.Parse(path)
		if err != nil {
			continue
		}
		for k := len(p) - 1; k > 0; k-- {
			if to, ok := renamed[p[:k].String()]; ok {
				o := t.deleted[r][path]
				o.RenamedTo = to
				t.deleted[r][path] = o
				break
			}
		}
	}
	t.prev[r] = cur
}

// rekeyed reports whether path, a list element's key field
// (list.[name=old].name) whose node was n, is now the key field of the
// same list under another selector: the element was re-keyed, not
// removed. It returns the element's old path and its new selector.
func rekeyed(path string, n *yaml.Node, curByNode map[*yaml.Node]string) (string, string, bool) {
	q, ok := curByNode[n]
	if !ok || q == path {
		return "", "", false
	}
	p, err := fieldpath.Parse(path)
	if err != nil || len(p) < 2 {
		return "", "", false
	}
	key, sel := p[len(p)-1], p[len(p)-2]
	if key.Kind != fieldpath.KeyKind || sel.Kind != fieldpath.SelectorKind || sel.Key != key.Key {
		return "", "", false
	}
	qp, err := fieldpath.Parse(q)
	if err != nil || len(qp) != len(p) || !qp[:len(qp)-2].Equal(p[:len(p)-2]) || qp[len(qp)-1] != key {
		return "", "", false
	}
	if s := qp[len(qp)-2]; s.Kind == fieldpath.SelectorKind && s.Key == sel.Key && s.Value != sel.Value {
		return p[:len(p)-1].String(), s.String(), true
	}
	return "", "", false
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
// ("Kind namespace/name"), by field path. Where the observer found the
// field in the layer's document, its Source line is the field's.
func (t *Trace) Fields(id string) map[string]Origin {
	if t == nil {
		return nil
	}
	return atFieldLines(t.set[t.final[id]])
}

// Deleted returns the fields of the named resource that a layer deleted,
// located as in Fields.
func (t *Trace) Deleted(id string) map[string]Origin {
	if t == nil {
		return nil
	}
	return atFieldLines(t.deleted[t.final[id]])
}

func atFieldLines(m map[string]Origin) map[string]Origin {
	if m == nil {
		return nil
	}
	out := make(map[string]Origin, len(m))
	for p, o := range m {
		if o.FieldLine > 0 {
			o.Source.Line = o.FieldLine
		}
		out[p] = o
	}
	return out
}

// Removal is what a layer removed from a generated resource, as one
// field: the highest field of the resource that no longer exists.
type Removal struct {
	Path string
	// By are the layers that removed fields under Path, sorted by their
	// String (located as in Fields).
	By []Origin
	// RenamedTo is the element's new selector when Path is a list element
	// that one layer re-keyed (By has that one layer).
	RenamedTo string
}

// Removed returns the removals of the named resource whose final state is
// n, sorted by path; with a prefix, only those at, under or above it.
// Leaves deleted together are one removal at the highest field that no
// longer exists.
func (t *Trace) Removed(id string, n *yaml.Node, prefix string) []Removal {
	pre, err := fieldpath.Parse(prefix)
	if err != nil {
		return nil
	}
	groups := map[string]*Removal{}
	var order []string
	for path, o := range t.Deleted(id) {
		p, err := fieldpath.Parse(path)
		if err != nil {
			continue
		}
		if len(pre) > 0 && !p.HasPrefix(pre) && !pre.HasPrefix(p) {
			continue
		}
		top := p.HighestMissing(n).String()
		g := groups[top]
		if g == nil {
			g = &Removal{Path: top}
			groups[top] = g
			order = append(order, top)
		}
		if !containsOrigin(g.By, o) {
			g.By = append(g.By, o)
		}
	}
	sort.Strings(order)
	out := make([]Removal, 0, len(order))
	for _, top := range order {
		g := groups[top]
		if len(g.By) == 1 && g.By[0].RenamedTo != "" {
			g.RenamedTo = g.By[0].RenamedTo
		}
		sort.Slice(g.By, func(i, j int) bool { return g.By[i].String() < g.By[j].String() })
		out = append(out, *g)
	}
	return out
}

func containsOrigin(list []Origin, o Origin) bool {
	for _, x := range list {
		if x == o {
			return true
		}
	}
	return false
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
