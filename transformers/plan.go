package transformers

import (
	"strconv"

	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/internal/yamlnode"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// item is the resource being planned. Identity, file and field paths are
// computed only when a problem or a mirror entry needs them.
type item struct {
	rn        *yaml.RNode
	root      *yaml.Node // the resource's mapping node
	kind      string
	group     string
	namespace string
	rewrites  int // references rewritten in this item
}

func (it *item) id() *yaml.ResourceIdentifier { return krm.IDOf(it.rn) }
func (it *item) src() krm.Source              { return krm.SourceOf(it.rn) }

// edit is one planned change, applied only after every item was planned
// without error, so that an error leaves every input node untouched.
type edit struct {
	node   *yaml.Node // scalar whose Value becomes value, or node replaced by with
	value  string
	with   *yaml.Node
	parent *yaml.Node   // mapping or sequence to which add is appended
	add    []*yaml.Node // appended to parent.Content
	do     func()       // a change that depends on earlier edits (values merged into a block they create)
}

func (e edit) apply() {
	switch {
	case e.do != nil:
		e.do()
	case e.with != nil:
		old := *e.node
		*e.node = *e.with
		e.node.HeadComment, e.node.FootComment = old.HeadComment, old.FootComment
		if e.node.Kind == yaml.ScalarNode || len(e.node.Content) == 0 {
			e.node.LineComment = old.LineComment
		} else if e.node.Content[0].LineComment == "" {
			// a null became a block: keep its comment on the block's first line
			e.node.Content[0].LineComment = old.LineComment
		}
	case e.node != nil:
		e.node.Value = e.value
	case e.parent != nil:
		e.parent.Content = append(e.parent.Content, e.add...)
	}
}

// occurrence locates a value for results: which item and which node.
type occurrence struct {
	it   *item
	node *yaml.Node
	path string // set when the node is synthetic (a default) or already known

	// A resolved occurrence holds its resource, source and path instead of
	// the item, whose tree a streaming run drops after the item.
	resolved bool
	id       *yaml.ResourceIdentifier
	src      krm.Source
}

// where returns the resource and source of the occurrence.
func (o occurrence) where() (*yaml.ResourceIdentifier, krm.Source) {
	if o.it == nil {
		return o.id, o.src
	}
	return o.it.id(), o.it.src()
}

// resolve computes what results need from the item (once its edits are
// applied: paths are those of the output) and drops the item.
func (o *occurrence) resolve() {
	if o.it == nil {
		return
	}
	o.path = o.fieldPath()
	o.id, o.src = o.it.id(), o.it.src()
	o.it, o.node, o.resolved = nil, nil, true
}

func (o occurrence) fieldPath() string {
	if o.path != "" || o.it == nil {
		return o.path
	}
	return findPath(o.it.root, o.node)
}

// planner walks the items and collects edits, problems and mirror entries.
type planner struct {
	cfg      *config
	rw       *rewriter
	edits    []edit
	problems krm.Problems
	mirror   *mirrorList
	seen     map[*yaml.Node]struct{} // scalars already decided; only with fieldSpecs, which may overlap the built-in fields

	imagesRewritten, chartsRewritten, mirrored, noMatch int
	itemsChanged                                        int
	warned                                              int // references left unchanged with a warning

	// chartImages counts the images Fleet plugin charts pull (table
	// chartImages): redirected through extraArgs (now or by an earlier
	// run), listed for a containerd mirror only, or missed (no rule).
	chartImages struct{ redirected, listedOnly, missed int }
	// handled are values nodes pluginImages decided; the values walker
	// skips them.
	handled map[*yaml.Node]bool
	// fleetRepos are the private chart repositories of the Fleet being planned.
	fleetRepos  []string
	fleetRepoAt occurrence // the first Fleet that pulls from them

	helmRepos    []helmRepoRef
	helmReleases []helmReleaseRef
}

func newPlanner(cfg *config, prior map[string]string) *planner {
	rw := newRewriter(cfg.images, cfg.charts)
	rw.prior = prior
	p := &planner{cfg: cfg, rw: rw, mirror: newMirrorList(), handled: map[*yaml.Node]bool{}}
	p.mirror.copySource = cfg.images.copySource
	p.mirror.hostMirror = cfg.images.hostMirror
	if len(cfg.fieldSpecs) > 0 {
		p.seen = map[*yaml.Node]struct{}{}
	}
	return p
}

// visited reports whether n was already decided, and marks it.
func (p *planner) visited(n *yaml.Node) bool {
	if p.seen == nil {
		return false
	}
	if _, ok := p.seen[n]; ok {
		return true
	}
	p.seen[n] = struct{}{}
	return false
}

func (p *planner) set(n *yaml.Node, value string) {
	p.edits = append(p.edits, edit{node: n, value: value})
}

func (p *planner) appendTo(parent *yaml.Node, nodes ...*yaml.Node) {
	p.edits = append(p.edits, edit{parent: parent, add: nodes})
}

func (p *planner) replace(n, with *yaml.Node) {
	p.edits = append(p.edits, edit{node: n, with: with})
}

func (p *planner) warn(o occurrence, hint, format string, args ...any) {
	id, src := o.where()
	p.problems.Warnf(id, o.fieldPath(), src, hint, format, args...)
}

// warnResult reports a placeholder or an unparseable value.
func (p *planner) warnResult(o occurrence, what, value string, r refResult) {
	if r.status == statusPlaceholder || r.status == statusInvalid {
		p.warned++
	}
	switch r.status {
	case statusPlaceholder:
		p.warn(o, "substitute it before this function runs if it must be mirrored; the function never touches placeholders",
			"%s %q is a placeholder: left unchanged, and not in the mirror list", what, value)
	case statusInvalid:
		p.warn(o, "write a valid reference, or list the field only if it holds references",
			"%s %q left unchanged: %s", what, value, r.msg)
	case statusForbidden:
		id, src := o.where()
		p.problems.Errorf(id, o.fieldPath(), src,
			"retype the reference; invisible and control characters are never part of an image or chart name",
			"%s %+q %s", what, value, r.msg)
	}
}

// imageScalar handles one scalar that holds a full image reference. It
// returns true when the value is (or will be) rewritten.
func (p *planner) imageScalar(it *item, n *yaml.Node, what string) bool {
	if n == nil || n.Kind != yaml.ScalarNode {
		return false
	}
	if p.visited(n) {
		return false
	}
	if n.ShortTag() != yaml.NodeTagString {
		if n.ShortTag() != yaml.NodeTagNull {
			p.warn(occurrence{it: it, node: n}, "quote the value", "%s %s is not a string: left unchanged", what, n.Value)
		}
		return false
	}
	r := p.rw.rewriteReference(n.Value)
	return p.applyImage(it, n, what, n.Value, r)
}

// applyImage records the decision r for the image value held by n.
func (p *planner) applyImage(it *item, n *yaml.Node, what, value string, r refResult) bool {
	o := occurrence{it: it, node: n}
	switch r.status {
	case statusRewritten:
		p.set(n, r.value)
		p.imagesRewritten++
		it.rewrites++
		p.mirror.addImage(r.source, r.target, o)
		return true
	case statusMirrored:
		p.mirrored++
		if r.source != "" {
			p.mirror.addImage(r.source, r.target, o)
		}
	case statusNoMatch:
		p.noMatch++
	case statusPlaceholder, statusInvalid, statusForbidden:
		p.warnResult(o, what, value, r)
	}
	return false
}

// --- small yaml.Node helpers (no RNode wrappers in the hot path) ---

func mapGet(n *yaml.Node, key string) *yaml.Node { return yamlnode.MapValue(n, key) }

func mapPath(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = mapGet(n, k)
		if n == nil {
			return nil
		}
	}
	return n
}

func scalarValue(n *yaml.Node) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == yaml.NodeTagNull {
		return "", false
	}
	return n.Value, true
}

func isNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagNull
}

func isTrue(n *yaml.Node) bool {
	v, ok := scalarValue(n)
	return ok && v == "true"
}

func strNode(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: v}
}

func mapNode(kv ...string) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, strNode(kv[i]), strNode(kv[i+1]))
	}
	return m
}

// findPath renders the path of target below root as a field path
// (spec.template.spec.containers.[name=app].image). The walk keeps its
// own stack, so it finds targets at any depth.
func findPath(root, target *yaml.Node) string {
	if root == nil {
		return ""
	}
	type frame struct {
		n *yaml.Node
		i int
	}
	stack := []frame{{n: root}}
	var path fieldpath.Path // how each frame after the first is reached
	for len(stack) > 0 {
		top := len(stack) - 1
		n, i := stack[top].n, stack[top].i
		if n == target {
			return path.String()
		}
		switch {
		case n.Kind == yaml.MappingNode && i+1 < len(n.Content):
			stack[top].i += 2
			stack = append(stack, frame{n: n.Content[i+1]})
			path = append(path, fieldpath.Key(n.Content[i].Value))
		case n.Kind == yaml.SequenceNode && i < len(n.Content):
			stack[top].i++
			stack = append(stack, frame{n: n.Content[i]})
			path = append(path, fieldpath.Element(n.Content[i], i))
		default:
			stack = stack[:top]
			if top > 0 {
				path = path[:top-1]
			}
		}
	}
	return ""
}

func itoa(i int) string { return strconv.Itoa(i) }
