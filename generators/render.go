package generators

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// AnnotationAbstract marks a template that instances cannot extend directly.
const AnnotationAbstract = "scenario.kurator.dev/abstract"

// resource is one generated resource while it is being layered. role is
// its metadata.name in the templates ("" for the instance's main resource).
type resource struct {
	apiVersion, kind, role string
	node                   *yaml.RNode
	first                  krm.Source
}

func (r *resource) id(inst *Template) *yaml.ResourceIdentifier {
	return &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: r.apiVersion, Kind: r.kind},
		NameMeta: yaml.NameMeta{Name: deriveName(inst.Name, r.role), Namespace: namespaceOf(inst)},
	}
}

// deriveName is the naming rule: the resource a template leaves unnamed is
// called after the instance; a resource named R in a template is called
// <instance>-R.
func deriveName(instance, role string) string {
	if role == "" {
		return instance
	}
	return instance + "-" + role
}

func namespaceOf(t *Template) string { return krm.NamespaceOrDefault(t.Namespace) }

// Overlay is a partial resource merged after the parameter values.
type Overlay struct {
	Node   *yaml.RNode
	Layer  string // e.g. "overlay overlays/prod.yaml"
	Source krm.Source
	Lines  bool
}

// Result is a rendered instance.
type Result struct {
	// Resources are the generated objects, named, annotated and validated.
	Resources []*yaml.RNode
	// Chain is the linearised template chain, instance excluded.
	Chain []*Template
	// Trace is filled when the render was traced.
	Trace *Trace
	// Params are the chain's parameters with the values used.
	Params []*Param
}

type render struct {
	params    []*Param
	plan      *valuePlan
	inst      *Template
	resources []*resource
	// trace is the provenance observer: nil records nothing and costs
	// nothing.
	trace    *Trace
	problems krm.Problems
	// soft are the values' format errors: reported first, and the render
	// returns no resources.
	soft    krm.Problems
	deleted []deletion // whole resources layers deleted, in order
	// pending are problems that name the layer that set a field, made
	// while no observer recorded the layers (see Render).
	pending []pendingLocation
	result  *Result
}

// Render renders one instance. overlays are package overlay items for it.
// With trace, Result.Trace holds the provenance of every field (explain).
//
// There is one pipeline; provenance observes it. Problems are made once,
// by the render that returns the resources. A problem that names the layer
// which set a field (a validation finding, a Flux expression, a plain-text
// credential, a leftover placeholder) is made where it is found, and its
// location is filled in from the observer. When there was none, and only
// then, the instance is rendered once more with one, through the same
// memoised pipeline, to learn the origins: its problems are the same
// (rendering is deterministic) and are dropped; only the locations of the
// first render's problems are taken from it. Recording provenance in every
// render instead would cost every clean render what only renders with such
// problems need.
func (rv *Resolver) Render(inst *Template, overlays []Overlay, trace bool) (*Result, krm.Problems) {
	var obs *Trace
	if trace {
		obs = newTrace()
	}
	r := rv.render(inst, overlays, obs)
	if len(r.pending) > 0 {
		r.locate(rv.render(inst, overlays, newTrace()))
	}
	return r.outcome()
}

func (r *render) outcome() (*Result, krm.Problems) {
	if len(r.soft) > 0 {
		return nil, append(append(krm.Problems(nil), r.soft...), r.problems...)
	}
	if r.problems.HasErrors() {
		return nil, r.problems
	}
	return r.result, r.problems
}

// locatedAt locates the problem just added at the layer that set path of
// res (or its closest ancestor or descendant).
func (r *render) locatedAt(res *resource, path string) {
	r.located(res, func(t *Trace, res *resource, p *krm.Problem) bool {
		o, _ := t.originOf(res, path)
		p.Source = o.Source
		return true
	})
}

// locatedBlame locates the problem just added like Trace.blame, and says
// in its message who set (or removed) the field.
func (r *render) locatedBlame(res *resource, path string) {
	r.located(res, func(t *Trace, res *resource, p *krm.Problem) bool {
		blameInto(t, res, path, p)
		return true
	})
}

func blameInto(t *Trace, res *resource, path string, p *krm.Problem) {
	src, note := t.blame(res, path)
	p.Source = src
	if note != "" {
		p.Message += " [" + note + "]"
	}
	if o, ok := t.originOf(res, path); ok && note == "set by "+o.Layer {
		p.Param = o.Param // a value set it (none removed it): the CLI finds its line
	}
}

// pendingLocation is a problem (r.problems[i]) about a field of res whose
// origin fill writes into it; fill returns false to drop the problem.
type pendingLocation struct {
	i    int
	res  *resource
	fill func(t *Trace, res *resource, p *krm.Problem) bool
}

// located gives the problem just added its location: now, when the render
// is observed, or once the origins are known (Render).
func (r *render) located(res *resource, fill func(t *Trace, res *resource, p *krm.Problem) bool) {
	i := len(r.problems) - 1
	if r.trace == nil {
		r.pending = append(r.pending, pendingLocation{i: i, res: res, fill: fill})
		return
	}
	if !fill(r.trace, res, &r.problems[i]) {
		r.problems = r.problems[:i]
	}
}

// locate fills the pending locations from an observed render of the same
// instance: its resources are the same, in the same order.
func (r *render) locate(traced *render) {
	index := make(map[*resource]int, len(r.resources))
	for i, res := range r.resources {
		index[res] = i
	}
	drop := map[int]bool{}
	for _, l := range r.pending {
		i, ok := index[l.res]
		if !ok || len(traced.resources) != len(r.resources) || traced.trace == nil {
			continue // cannot happen: the renders are the same
		}
		if !l.fill(traced.trace, traced.resources[i], &r.problems[l.i]) {
			drop[l.i] = true
		}
	}
	r.pending = nil
	if len(drop) == 0 {
		return
	}
	kept := r.problems[:0:0]
	for i, p := range r.problems {
		if !drop[i] {
			kept = append(kept, p)
		}
	}
	r.problems = kept
}

func (rv *Resolver) render(inst *Template, overlays []Overlay, obs *Trace) *render {
	r := &render{inst: inst, trace: obs}
	instID := krm.IDOf(inst.Node)
	if inst.Name != "" && !krm.IsDNS1123Subdomain(inst.Name) {
		r.problems.Errorf(instID, "metadata.name", inst.at(inst.Node), "use lower-case letters, digits and '-'",
			"instance name %q is not a DNS-1123 name, and generated names derive from it", inst.Name)
	}
	if inst.Namespace != "" && !krm.IsDNS1123Label(inst.Namespace) {
		r.problems.Errorf(instID, "metadata.namespace", inst.at(inst.Node), "use a DNS-1123 label",
			"namespace %q is not a DNS-1123 label", inst.Namespace)
	}
	chain, ps := rv.Chain(inst)
	r.problems = append(r.problems, ps...)
	if ps.HasErrors() {
		return r
	}
	// An invalid name or namespace does not stop the checks of the values:
	// every configuration error is reported in one run.
	for i, ref := range inst.Extends {
		if t, _, _ := rv.lookup(ref, inst); t != nil {
			if t.Node.GetAnnotations()[AnnotationAbstract] == "true" {
				r.problems.Errorf(instID, fmt.Sprintf("spec.extends.%d", i), inst.at(extendsNode(inst, i)),
					"extend a template built on it instead (e.g. canary-service or blue-green-service)",
					"template %q is abstract: it is a base for other templates", ref)
			}
		}
	}
	layers := append(append([]*Template(nil), chain...), inst)
	params, ps := Parameters(layers)
	r.problems = append(r.problems, ps...)
	markUnused(params, layers, overlays) // package overlay items may delete too
	hard, formats := resolveValues(params, layers, inst)
	r.soft = formats
	r.problems = append(r.problems, hard...)
	r.problems = append(r.problems, checkElements(params, inst)...)
	if r.problems.HasErrors() {
		return r
	}

	var shadowed []shadowedField
	b := rv.base(r, chain)
	if b == nil {
		shadowed = findShadowed(chain, 0, params)
	} else if len(inst.Parameters) == 0 {
		b.once.Do(func() { b.shadowed = findShadowed(chain, 0, params) })
		shadowed = b.shadowed
		// The memoised targets hold for the chain's own resources only.
		// Probing them costs more than one render's filter runs: the plan
		// is built when a second instance of the chain renders (`render
		// DIR`), never for a single one (kustomize, kpt), nor for the
		// render Render repeats to learn origins (it uses a plan built).
		if len(inst.Resources) == 0 && !rv.filterValues {
			if obs == nil && b.renders.Add(1) > 1 {
				b.planOnce.Do(func() { b.plan.Store(buildPlan(b.resources, params)) })
			}
			r.plan = b.plan.Load()
		}
	} else {
		shadowed = findShadowed(chain, 0, params)
	}
	if len(inst.Resources) > 0 {
		shadowed = append(append([]shadowedField(nil), shadowed...), findShadowed(layers, len(chain), params)...)
	}
	r.mergeResources(inst)
	if r.problems.HasErrors() {
		return r
	}
	r.warnShadowed(shadowed, params)
	r.params = params
	r.applyValues(params)
	r.expandForEach(params)
	for _, t := range layers {
		for i, doc := range t.Overlays {
			r.merge(doc, layerName(t, inst, "overlays"), t, fmt.Sprintf("spec.overlays.%d", i), t.Lines, true)
		}
	}
	for _, o := range overlays {
		r.mergeOverlayItem(o)
	}
	if r.problems.HasErrors() {
		return r
	}
	r.nameAndLink(chain)
	r.flux()
	out := r.finish()
	if r.problems.HasErrors() {
		return r
	}
	r.result = &Result{Resources: out, Chain: chain, Trace: r.trace, Params: params}
	return r
}

func (r *render) mergeResources(t *Template) {
	for i, doc := range t.Resources {
		r.merge(doc, layerName(t, r.inst, "resources"), t, fmt.Sprintf("spec.resources.%d", i), t.Lines, false)
	}
}

// base gives r the resources the chain's templates contribute, merged,
// as fresh copies, and returns the chain's memo. Every instance of the
// same chain shares one merge, also across renders in one process (`render
// DIR` of many instances): the templates do not depend on the instance
// (names and namespaces are set later, by the naming rule). A chain whose
// merge reports problems is merged for each render instead (nil memo): the
// messages name the instance. With an observer, the copies take the
// origins the memo recorded (once, on the first observed render).
func (rv *Resolver) base(r *render, chain []*Template) *chainBase {
	k := chainKey(chain)
	b := bases.get(k, func() *chainBase {
		m := mergeChain(chain, r.inst.Node, nil)
		return &chainBase{resources: m.resources, clean: len(m.problems) == 0}
	})
	if !b.clean {
		for _, t := range chain {
			r.mergeResources(t)
		}
		return nil
	}
	if r.trace != nil {
		b.originsOnce.Do(func() {
			m := mergeChain(chain, r.inst.Node, newTrace())
			b.origins = make([]resourceOrigins, len(m.resources))
			for i, res := range m.resources {
				b.origins[i] = resourceOrigins{set: m.trace.set[res], deleted: m.trace.deleted[res]}
			}
		})
	}
	r.resources = make([]*resource, len(b.resources))
	for i, res := range b.resources {
		c := *res
		c.node = res.node.Copy()
		r.resources[i] = &c
		if r.trace != nil && i < len(b.origins) {
			r.trace.adopt(&c, b.origins[i])
		}
	}
	return b
}

// mergeChain merges the chain's templates for an instance that is not
// there yet: what the memo holds.
func mergeChain(chain []*Template, node *yaml.RNode, trace *Trace) *render {
	m := &render{inst: &Template{Name: "x", Namespace: "x", Node: node}, trace: trace}
	for _, t := range chain {
		m.mergeResources(t)
	}
	return m
}

// chainBase is a chain's merged resources, shared read-only by every
// render of the chain (concurrent ones too).
type chainBase struct {
	resources []*resource
	clean     bool // the merge reported no problem

	// origins are the provenance of resources, recorded once, by the
	// first observed render; read-only after.
	originsOnce sync.Once
	origins     []resourceOrigins

	// For instances that declare no parameters of their own, the chain's
	// parameters are the instance's: what follows is computed once, by
	// the first such render.
	once sync.Once
	// shadowed are the chain's fields that its own parameters overwrite.
	shadowed []shadowedField
	// renders counts the renders that could use the plan.
	renders  atomic.Int64
	planOnce sync.Once
	// plan memoises where the chain's parameter targets write.
	plan atomic.Pointer[valuePlan]
}

// chainKey identifies a chain by its templates' content: built-in
// templates by name (parsed once per process), others by what they say
// and where they come from (each render parses the items again).
func chainKey(chain []*Template) string {
	h := sha256.New()
	for _, t := range chain {
		if isBuiltin(t) {
			fmt.Fprintf(h, "catalog\x00%s\x00", t.Name)
			continue
		}
		doc, err := t.Node.String()
		if err != nil {
			doc = fmt.Sprintf("%p", t) // unique: never shared
		}
		fmt.Fprintf(h, "file\x00%s\x00%s\x00%s\x00%t\x00%d\x00%s\x00", t.Source, t.Dir, t.Ref, t.Lines, len(doc), doc)
	}
	return string(h.Sum(nil))
}

// bases is the process's chain memo, bounded: past maxBases chains it
// starts again (a package has few chains; a fuzzer has many).
var bases = &baseCache{m: map[string]*chainBase{}}

const maxBases = 256

type baseCache struct {
	mu sync.Mutex
	m  map[string]*chainBase
}

func (c *baseCache) get(k string, build func() *chainBase) *chainBase {
	c.mu.Lock()
	b, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return b
	}
	b = build() // outside the lock: renders of other chains go on
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[k]; ok {
		return prev // built twice concurrently: keep one
	}
	if len(c.m) >= maxBases {
		c.m = map[string]*chainBase{}
	}
	c.m[k] = b
	return b
}

func layerName(t, inst *Template, what string) string {
	if t == inst {
		if what == "overlays" {
			return "overlay in instance " + t.Name
		}
		return "instance " + t.Name
	}
	if what == "overlays" {
		return "overlay in template " + t.Name
	}
	return "template " + t.Name
}

// identityAnnotations are runner and project annotations an overlay item
// carries as a file in the package; they are not content to merge.
func isIdentityAnnotation(k string) bool {
	return strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") ||
		strings.HasPrefix(k, "config.k8s.io/") || strings.HasPrefix(k, "kustomize.config.k8s.io/") ||
		k == AnnotationOverlay
}

func (r *render) mergeOverlayItem(o Overlay) {
	doc := o.Node.Copy()
	if ann := doc.GetAnnotations(); len(ann) > 0 {
		for k := range ann {
			if isIdentityAnnotation(k) {
				_ = doc.PipeE(yaml.ClearAnnotation(k))
			}
		}
		if len(doc.GetAnnotations()) == 0 {
			if md := doc.Field("metadata"); md != nil {
				_ = md.Value.PipeE(yaml.Clear("annotations"))
			}
		}
	}
	r.mergeDoc(doc, o.Node.YNode(), o.Layer, krm.IDOf(o.Node), o.Source, "", o.Lines, true)
}

// merge layers one document of a template (resources or overlays).
func (r *render) merge(doc *yaml.RNode, layer string, t *Template, field string, lines, overlay bool) {
	r.mergeDoc(doc.Copy(), doc.YNode(), layer, krm.IDOf(t.Node), t.at(doc), field, lines, overlay)
}

// mergeDoc merges doc, a copy of written (the layer's document as the
// template or file has it, which the observer locates fields in).
func (r *render) mergeDoc(doc *yaml.RNode, written *yaml.Node, layer string, owner *yaml.ResourceIdentifier, src krm.Source, field string, lines, overlay bool) {
	if doc.YNode().Kind != yaml.MappingNode {
		r.problems.Errorf(owner, field, src, "write a partial resource with apiVersion, kind and the fields to set", "not an object")
		return
	}
	meta, _ := doc.GetMeta()
	if meta.APIVersion == "" || meta.Kind == "" {
		r.problems.Errorf(owner, fieldpath.Concat(field, "kind"), src, "add apiVersion and kind (e.g. apps.kurator.dev/v1alpha1 Application)",
			"partial resource without apiVersion and kind")
		return
	}
	ns := namespaceOf(r.inst)
	if meta.Namespace != "" && !(overlay && meta.Namespace == ns) {
		r.problems.Errorf(owner, fieldpath.Concat(field, "metadata.namespace"), src, "remove it",
			"%s sets namespace %q: everything an instance generates lives in the instance's namespace (%s)", meta.Kind, meta.Namespace, ns)
		return
	}
	findings := checkLayer(doc, meta.APIVersion, meta.Kind)
	orders, bad := takeOrders(doc, meta.APIVersion, meta.Kind)
	report := func(findings []layerFinding) {
		for _, f := range findings {
			s := src
			if lines && f.node != nil {
				s.Line = f.node.Line
			}
			r.problems.Errorf(owner, fieldpath.Concat(field, f.path), s, f.hint, "%s %s: %s", meta.Kind, nameForMessage(meta.Name), f.msg)
		}
	}
	report(append(findings, bad...))
	if d := mapValue(doc.YNode(), patchDirective); d != nil && d.Value == "delete" {
		r.deleteResource(doc, meta, layer, owner, src, field, overlay)
		return
	}
	if md := doc.Field("metadata"); md != nil && md.Value.YNode().Kind == yaml.MappingNode {
		_ = md.Value.PipeE(yaml.Clear("name"))
		_ = md.Value.PipeE(yaml.Clear("namespace"))
		if len(md.Value.Content()) == 0 {
			_ = doc.PipeE(yaml.Clear("metadata"))
		}
	}
	target := r.find(meta.Kind, meta.Name, overlay)
	if target == nil && overlay {
		r.problems.Errorf(owner, field, src, "name a generated resource ("+r.describeResources()+"), or add new resources under spec.resources",
			"overlay %s %s matches no generated resource%s", meta.Kind, nameForMessage(meta.Name), r.deletedNote(meta.Kind, meta.Name))
		return
	}
	if target != nil && target.apiVersion != meta.APIVersion {
		r.problems.Errorf(owner, fieldpath.Concat(field, "apiVersion"), src, "use "+target.apiVersion,
			"%s %s is %s in %s, not %s", meta.Kind, nameForMessage(meta.Name), target.apiVersion, target.first, meta.APIVersion)
		return
	}
	if r.problems.HasErrors() {
		return
	}
	var own map[*yaml.Node]bool
	if r.trace != nil {
		own = nodeSet(doc.YNode(), nil)
	}
	created := target == nil
	var order []string
	if created {
		order, _ = doc.Fields()
		base := yaml.NewMapRNode(&map[string]string{})
		_ = base.PipeE(yaml.SetField("apiVersion", yaml.NewStringRNode(meta.APIVersion)))
		_ = base.PipeE(yaml.SetField("kind", yaml.NewStringRNode(meta.Kind)))
		md := yaml.NewMapRNode(nil)
		_ = md.PipeE(yaml.SetField("name", yaml.NewStringRNode(meta.Name)))
		_ = md.PipeE(yaml.SetField("namespace", yaml.NewStringRNode(ns)))
		_ = base.PipeE(yaml.SetField("metadata", md))
		target = &resource{apiVersion: meta.APIVersion, kind: meta.Kind, role: meta.Name, node: base, first: src}
		r.resources = append(r.resources, target)
	}
	merged, misplaced, err := mergeOrdered(target.node, doc, meta.APIVersion, meta.Kind, orders)
	report(misplaced)
	if err == nil && created && merged != nil {
		// kyaml's walker adds new fields in sorted order; keep the layer's.
		reorder(merged.YNode(), append([]string{"apiVersion", "kind", "metadata"}, order...))
	}
	if err != nil {
		r.problems.Errorf(owner, field, src, "", "merging %s %s: %v", meta.Kind, nameForMessage(meta.Name), err)
		return
	}
	if merged == nil {
		r.problems.Errorf(owner, field, src, "remove the $patch: delete, or the resource from the template",
			"%s %s: a layer deleted the whole resource", meta.Kind, nameForMessage(meta.Name))
		return
	}
	target.node = merged
	r.trace.recordLayer(target, Origin{Layer: layer, Source: src}, own, lines, written)
}

// deleteResource removes the resource a layer deletes whole with
// {apiVersion, kind, metadata.name, $patch: delete}. A later layer's
// spec.resources may add it again (from nothing).
func (r *render) deleteResource(doc *yaml.RNode, meta yaml.ResourceMeta, layer string, owner *yaml.ResourceIdentifier, src krm.Source, field string, overlay bool) {
	for i := 0; i+1 < len(doc.YNode().Content); i += 2 {
		if k := doc.YNode().Content[i].Value; k != "apiVersion" && k != "kind" && k != "metadata" && k != patchDirective {
			r.problems.Errorf(owner, fieldpath.JoinKey(field, k), src, "remove "+k+": a deletion names the resource only (apiVersion, kind, metadata.name)",
				"%s %s: $patch: delete removes the whole resource, so %s would be thrown away", meta.Kind, nameForMessage(meta.Name), k)
			return
		}
	}
	if md := mapValue(doc.YNode(), "metadata"); md != nil {
		for i := 0; i+1 < len(md.Content); i += 2 {
			if k := md.Content[i].Value; k != "name" && k != "namespace" {
				r.problems.Errorf(owner, fieldpath.JoinKey(fieldpath.Concat(field, "metadata"), k), src, "remove metadata."+k+": a deletion names the resource only (apiVersion, kind, metadata.name)",
					"%s %s: $patch: delete removes the whole resource, so metadata.%s would be thrown away", meta.Kind, nameForMessage(meta.Name), k)
				return
			}
		}
	}
	target := r.find(meta.Kind, meta.Name, overlay)
	if target == nil {
		hint := "name a generated resource: " + r.describeResources()
		var names []string
		for _, res := range r.resources {
			names = append(names, res.kind+" "+res.role, res.kind+" "+deriveName(r.inst.Name, res.role))
		}
		if best := Suggest(meta.Kind+" "+meta.Name, names); best != "" {
			hint = fmt.Sprintf("did you mean %s? ", strings.TrimSpace(best)) + hint
		}
		r.problems.Errorf(owner, fieldpath.JoinKey(field, patchDirective), src, hint,
			"%s %s: $patch: delete, but no earlier layer generates it%s", meta.Kind, nameForMessage(meta.Name), r.deletedNote(meta.Kind, meta.Name))
		return
	}
	if target.apiVersion != meta.APIVersion {
		r.problems.Errorf(owner, fieldpath.Concat(field, "apiVersion"), src, "use "+target.apiVersion,
			"%s %s is %s in %s, not %s", meta.Kind, nameForMessage(meta.Name), target.apiVersion, target.first, meta.APIVersion)
		return
	}
	for i, res := range r.resources {
		if res == target {
			r.resources = append(r.resources[:i:i], r.resources[i+1:]...)
			break
		}
	}
	r.deleted = append(r.deleted, deletion{kind: target.kind, role: target.role, layer: layer})
}

// deletion is a whole resource a layer deleted.
type deletion struct{ kind, role, layer string }

// deletedNote says which layer deleted the resource a later layer names.
func (r *render) deletedNote(kind, name string) string {
	for i := len(r.deleted) - 1; i >= 0; i-- {
		d := r.deleted[i]
		if d.kind == kind && (d.role == name || name != "" && deriveName(r.inst.Name, d.role) == name) {
			return " (" + d.layer + " deleted it)"
		}
	}
	return ""
}

func nameForMessage(name string) string {
	if name == "" {
		return "(the instance's)"
	}
	return "\"" + name + "\""
}

// find returns the resource of kind named name: a role, or the derived
// name. Overlays without a name match the unnamed resource, or the only
// resource of that kind.
func (r *render) find(kind, name string, overlay bool) *resource {
	var ofKind []*resource
	for _, res := range r.resources {
		if res.kind != kind {
			continue
		}
		ofKind = append(ofKind, res)
		if res.role == name || (overlay && name != "" && deriveName(r.inst.Name, res.role) == name) {
			return res
		}
	}
	if overlay && name == "" && len(ofKind) == 1 {
		return ofKind[0]
	}
	return nil
}

func (r *render) describeResources() string {
	var names []string
	for _, res := range r.resources {
		names = append(names, res.kind+" "+deriveName(r.inst.Name, res.role))
	}
	if len(names) == 0 {
		return "none yet"
	}
	return strings.Join(names, ", ")
}

func (r *render) nodes() []*yaml.RNode {
	out := make([]*yaml.RNode, len(r.resources))
	for i, res := range r.resources {
		out[i] = res.node
	}
	return out
}

func (r *render) applyValues(params []*Param) {
	nodes := r.nodes()
	for _, a := range applications(params) {
		if !r.writeValue(nodes, a) {
			continue
		}
		if r.trace != nil {
			for _, res := range r.resources {
				r.trace.record(res, Origin{Layer: fmt.Sprintf("value %q (%s)", a.p.Name, a.p.ValueFrom), Source: a.p.ValueSource, Param: a.p.Name}, nil, false)
			}
		}
	}
	r.unsetValues(params, nodes)
}

// writeValue writes one target of a parameter: straight to the nodes the
// chain's value plan memoised, or with the replacement filter. It reports
// whether the write was done.
func (r *render) writeValue(nodes []*yaml.RNode, a application) bool {
	if addrs, ok := r.plan.addresses(a.target); ok && a.p.Value.YNode().Kind == yaml.ScalarNode {
		for _, addr := range addrs {
			nodeAt(r.resources, addr).Value = a.p.Value.YNode().Value
		}
		return true
	}
	rw := r.plan.rewriteFor(a.target)
	var node *yaml.Node
	var key string
	if rw != nil {
		node = nodeAt(r.resources, rw.addr)
		key = node.Value + "\x00" + valueKey(a.p.Value)
		if out, hit := rw.lookup(key); hit {
			node.Value = out
			return true
		}
	}
	if err := applyValue(nodes, a); err != nil {
		src := krm.Source{File: a.t.Template.Source}
		for _, p := range a.t.Template.Parameters {
			if p.Name == a.p.Name {
				src = p.Source
			}
		}
		r.problems.Errorf(krm.IDOf(a.t.Template.Node), fieldpath.Keys("spec", "parameters").Append(fieldpath.Select("name", a.p.Name), fieldpath.Key("targets")).String(), src,
			"check the target's select and fieldPaths against the template's resources (use options.create: true for fields the resources do not have)",
			"parameter %q: %v", a.p.Name, err)
		return false
	}
	if rw != nil {
		rw.store(key, node.Value)
	}
	return true
}

// unsetValues removes what parameters set to null write; after every
// write, so that memoised addresses of the other writes still hold.
func (r *render) unsetValues(params []*Param, nodes []*yaml.RNode) {
	for _, p := range params {
		if !p.Unset {
			continue
		}
		layer := r.inst
		if p.valueLayer != nil {
			layer = p.valueLayer
		}
		for _, t := range p.Targets {
			if err := unsetValue(nodes, p, t); err != nil {
				r.problems.Errorf(krm.IDOf(layer.Node), "spec.values."+p.Name, p.ValueSource, "set a value, or leave the parameter out",
					"parameter %q is null (%s), but %v", p.Name, p.ValueFrom, err)
			}
		}
		if r.trace != nil {
			for _, res := range r.resources {
				r.trace.record(res, Origin{Layer: fmt.Sprintf("value %q (null, %s)", p.Name, p.ValueFrom), Source: p.ValueSource, Param: p.Name}, nil, false)
			}
		}
	}
}

// valueKey identifies a parameter value for the rewrite memo.
func valueKey(v *yaml.RNode) string {
	if v.YNode().Kind == yaml.ScalarNode {
		return v.YNode().Tag + ":" + v.YNode().Value
	}
	s, _ := v.String()
	return s
}

// nameAndLink applies the naming rule and rewrites references between
// generated resources (kurator/crds/merge-keys.yaml, references).
func (r *render) nameAndLink(chain []*Template) {
	ns := namespaceOf(r.inst)
	var refs []string
	for _, t := range chain {
		refs = append(refs, t.Ref)
	}
	naming := Origin{Layer: "naming rule (instance " + r.inst.Name + ")"}
	for _, res := range r.resources {
		// A layer may have set metadata to null (the merge then drops it).
		md, err := res.node.Pipe(yaml.LookupCreate(yaml.MappingNode, "metadata"))
		if err != nil || md == nil || md.YNode().Kind != yaml.MappingNode {
			r.problems.Errorf(krm.IDOf(res.node), "metadata", krm.Source{}, "make metadata a mapping (or leave it out)",
				"metadata is not a mapping")
			continue
		}
		_ = md.PipeE(yaml.SetField("name", yaml.NewStringRNode(deriveName(r.inst.Name, res.role))))
		_ = md.PipeE(yaml.SetField("namespace", yaml.NewStringRNode(ns)))
		setAnnotation(res.node, AnnotationInstance, ns+"/"+r.inst.Name)
		setAnnotation(res.node, AnnotationTemplates, strings.Join(refs, ","))
		// Comments in templates document the template, not the output
		// (kustomize drops them too; kpt and render would write them).
		clearComments(res.node.YNode())
	}
	for _, res := range r.resources {
		for _, ref := range kurator.References(res.kind) {
			walkPath(res.node.YNode(), strings.Split(strings.ReplaceAll(ref.Path, "[]", "*"), "."), "", func(n *yaml.Node, _ string) {
				for _, t := range r.resources {
					if t.kind == ref.TargetKind && t.role != "" && t.role == n.Value {
						n.Value = deriveName(r.inst.Name, t.role)
					}
				}
			})
		}
		r.trace.record(res, naming, nil, false)
		r.trace.force(res, "metadata.name", naming)
		r.trace.force(res, "metadata.namespace", naming)
	}
	if r.trace != nil {
		for _, res := range r.resources {
			r.trace.final[krm.ResourceString(res.id(r.inst))] = res
		}
	}
}

// flux applies spec.output.flux and reports ${...} expressions Flux would
// reject before Flux sees them.
func (r *render) flux() {
	mode := r.inst.Flux
	if mode == "" {
		mode = FluxNone
	}
	for _, res := range r.resources {
		id := res.id(r.inst)
		shell := map[*yaml.Node]string{}
		eachShellString(res.node, res.kind, func(n *yaml.Node, path string) { shell[n] = path })
		hasShellDollar, hasPlaceholder := false, false
		eachString(res.node.YNode(), "", func(n *yaml.Node, path string) {
			if _, isShell := shell[n]; isShell {
				if strings.Contains(n.Value, "$") {
					hasShellDollar = true
				}
				return
			}
			vars, errs := FluxVariables(n.Value)
			if len(vars) > 0 || len(errs) > 0 {
				hasPlaceholder = true
			}
			for _, e := range errs {
				if mode == FluxNone {
					r.problems.Warnf(id, path, krm.Source{}, "write ${NAME}, ${NAME:=default} or $${...} for a literal",
						"%s: Flux post-build substitution would fail on this if you apply the output with Flux: %v", e.Expr, e.Err)
				} else {
					r.problems.Errorf(id, path, krm.Source{}, "write ${NAME}, ${NAME:=default} or $${...} for a literal",
						"%s: Flux post-build substitution fails on this: %v", e.Expr, e.Err)
				}
				r.locatedAt(res, path)
			}
		})
		switch mode {
		case FluxEscape:
			for n := range shell {
				if strings.Contains(n.Value, "$") {
					n.Value = escapeForFlux(n.Value)
					n.Style = yaml.DoubleQuotedStyle
					if strings.Contains(n.Value, "\n") {
						n.Style = yaml.LiteralStyle
					}
				}
			}
		case FluxDisable:
			if hasShellDollar {
				setAnnotation(res.node, AnnotationFluxSubstitute, "disabled")
				if hasPlaceholder {
					r.problems.Warnf(id, "", krm.Source{}, "use spec.output.flux: escape for this instance",
						"resource has shell $ and Flux ${VAR} placeholders: with substitution disabled, the placeholders stay unresolved")
				}
			}
		}
	}
}

// finish normalises tags, checks for leftover directives, validates every
// resource and cross-resource links, and returns the nodes.
func (r *render) finish() []*yaml.RNode {
	out := make([]*yaml.RNode, 0, len(r.resources))
	for _, res := range r.resources {
		id := res.id(r.inst)
		eachString(res.node.YNode(), "", func(n *yaml.Node, path string) {
			if IsPlaceholder(n.Value) && n.Tag != yaml.NodeTagString && n.Tag != "" {
				n.Tag = yaml.NodeTagString
			}
			if name, ok := TemplatePlaceholder(n.Value); ok {
				r.placeholderLeft(res, id, path, name)
			}
		})
		if p := findDirective(res.node.YNode(), ""); p != "" {
			parent, _, _ := strings.Cut(p, ".$")
			r.problems.Errorf(id, p, krm.Source{}, "use $patch, $position and $setElementOrder only in maps and in lists that merge by key",
				"a %s directive would reach the output", p[strings.LastIndex(p, "$"):])
			r.locatedAt(res, parent)
		}
		for _, f := range kurator.Validate(res.node) {
			r.problems = append(r.problems, f.Problem(id, krm.Source{}))
			path := f.Path
			r.located(res, func(t *Trace, res *resource, p *krm.Problem) bool {
				if r.blamesBadValue(t, res, path) {
					return false
				}
				blameInto(t, res, path, p)
				return true
			})
		}
		r.warnPlaintextCredentials(res, id)
		out = append(out, res.node)
	}
	r.checkLinks()
	r.checkMembers()
	return out
}

// checkLinks checks what spans resources of one instance: the Thanos
// object-store Secret a Fleet names, and the flagger plugin a rollout needs.
func (r *render) checkLinks() {
	byName := map[string]*resource{}
	for _, res := range r.resources {
		byName[res.kind+"/"+deriveName(r.inst.Name, res.role)] = res
	}
	for _, res := range r.resources {
		id := res.id(r.inst)
		switch res.kind {
		case "Fleet":
			name := stringAt(res.node, "spec", "plugin", "metric", "thanos", "objectStoreConfig", "secretName")
			if sec := byName["Secret/"+name]; name != "" && sec != nil {
				if stringAt(sec.node, "stringData", "objstore.yml") == "" && stringAt(sec.node, "data", "objstore.yml") == "" {
					r.problems.Errorf(sec.id(r.inst), "stringData.[objstore.yml]", sec.first,
						"put the Thanos object-store config under stringData.objstore.yml",
						"the Fleet's Thanos object store reads key objstore.yml, which this Secret does not have")
				}
			}
		case "Application":
			fleet := r.fleetOf(res, byName)
			if fleet == nil {
				continue
			}
			flagger, _ := fleet.node.Pipe(yaml.Lookup("spec", "plugin", "flagger"))
			provider := stringAt(fleet.node, "spec", "plugin", "flagger", "trafficRoutingProvider")
			pols, _ := res.node.Pipe(yaml.Lookup("spec", "syncPolicies"))
			els, _ := pols.Elements()
			for i, p := range els {
				if rp := stringAt(p, "rollout", "trafficRoutingProvider"); rp != "" {
					path := fieldpath.Keys("spec", "syncPolicies").Append(fieldpath.Element(p.YNode(), i), fieldpath.Key("rollout")).String()
					switch {
					case flagger == nil:
						r.problems.Errorf(id, path, krm.Source{}, "add spec.plugin.flagger to Fleet "+deriveName(r.inst.Name, fleet.role),
							"rollout needs the flagger plugin on the Fleet it deploys to")
					case provider != "" && provider != rp:
						r.problems.Errorf(id, path+".trafficRoutingProvider", krm.Source{}, "use "+provider,
							"rollout uses %s but the Fleet's flagger plugin routes with %s", rp, provider)
					}
				}
			}
		}
	}
}

func (r *render) fleetOf(app *resource, byName map[string]*resource) *resource {
	name := stringAt(app.node, "spec", "destination", "fleet")
	return byName["Fleet/"+name]
}

func stringAt(n *yaml.RNode, path ...string) string {
	if n == nil {
		return ""
	}
	v, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil || v.YNode().Kind != yaml.ScalarNode {
		return ""
	}
	return v.YNode().Value
}

// reorder moves the fields of mapping n named in order to the front, in
// that order; other fields keep their relative order after them.
func reorder(n *yaml.Node, order []string) {
	if n.Kind != yaml.MappingNode {
		return
	}
	content := make([]*yaml.Node, 0, len(n.Content))
	used := make([]bool, len(n.Content)/2)
	for _, key := range order {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !used[i/2] && n.Content[i].Value == key {
				content = append(content, n.Content[i], n.Content[i+1])
				used[i/2] = true
				break
			}
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !used[i/2] {
			content = append(content, n.Content[i], n.Content[i+1])
		}
	}
	n.Content = content
}

// setAnnotation sets a plain (unquoted when YAML allows) string annotation.
func setAnnotation(n *yaml.RNode, key, value string) {
	a, err := n.Pipe(yaml.LookupCreate(yaml.MappingNode, "metadata", "annotations"))
	if err != nil || a == nil {
		return
	}
	_ = a.PipeE(yaml.SetField(key, yaml.NewStringRNode(value)))
}

// clearComments removes every comment in n.
func clearComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		clearComments(c)
	}
}
