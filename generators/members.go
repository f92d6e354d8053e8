package generators

// Per-element resources: an array parameter with forEach generates one copy
// of a template resource per element, e.g. one AttachedCluster per member
// of a fleet (catalog/fleet.yaml, parameter members):
//
//	parameters:
//	- name: members
//	  type: array
//	  forEach:
//	    resource: {kind: AttachedCluster, name: member}
//	    fields:
//	    - name: labels
//	      type: object
//	      targets: [{select: {kind: AttachedCluster}, fieldPaths: [metadata.labels], options: {create: true}}]
//	    references:
//	    - select: {kind: Fleet}
//	      fieldPaths: [spec.clusters]
//
// An element is an object with a name (a DNS-1123 label, unique in the
// array) and the declared fields; any other key is an error. The copy of
// the template resource is named <instance>-<name>. Each field is written
// into that copy only, in declaration order; a field without a value takes
// its default, or defaultFrom (metadata.name is the copy's generated name).
// Then {name: <generated name>, kind: <kind>} of every copy is appended to
// the reference lists (kept when already there). The template resource
// itself is never generated: without elements there are no copies.
//
// Copies are made after the parameter values, so that a parameter that
// writes the template resource writes every copy; and before the overlays,
// so that an overlay can address one copy by its generated name.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kurator-scenario/scenario-fn/api/v1alpha1"
	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/internal/suggest"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/api/types"
	kyamlutils "sigs.k8s.io/kustomize/kyaml/utils"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// elementKey is the element field that names an element and its copy.
const elementKey = "name"

// ForEach is a parameter's forEach: the template resource it copies per
// element, the element fields and the lists the copies are appended to.
type ForEach struct {
	// Kind and Name identify the template resource (Name is its
	// metadata.name in the templates).
	Kind, Name string
	// Fields are the element's fields besides name.
	Fields []*Parameter
	// References are the lists each copy's {name, kind} is appended to.
	References []*types.TargetSelector
	// Template declared it; Source is where.
	Template *Template
	Source   krm.Source
}

// parameterSegment names parameter i of spec.parameters: by its name, or
// its index when it has none.
func parameterSegment(name string, i int) fieldpath.Segment {
	if name == "" {
		return fieldpath.Index(i)
	}
	return fieldpath.Select("name", name)
}

// parseForEach resolves a parameter's decoded forEach into param; n is
// its node (spec.parameters.<i>.forEach), for locations.
func parseForEach(t *Template, f *v1alpha1.ForEach, n *yaml.Node, i int, param *Parameter) krm.Problems {
	var problems krm.Problems
	id := krm.IDOf(t.Node)
	param0 := fieldpath.Keys("spec", "parameters").Append(parameterSegment(param.Name, i))
	at := param0.Append(fieldpath.Key("forEach")).String()
	fe := &ForEach{Template: t, Source: t.at(yaml.NewRNode(n)), Kind: f.Resource.Kind, Name: f.Resource.Name}
	if param.Type != "array" {
		problems.Errorf(id, param0.Append(fieldpath.Key("type")).String(), param.Source, "declare type: array",
			"parameter %q has forEach, so its value is a list of elements, but it is declared %s", param.Name, orString(param.Type))
	}
	seen := map[string]bool{}
	fieldNodes := items(n, "fields")
	for j := range f.Fields {
		fd := &f.Fields[j]
		src := t.at(yaml.NewRNode(nth(fieldNodes, j)))
		field := &Parameter{
			Name:        fd.Name,
			Description: fd.Description,
			Type:        fd.Type,
			Default:     fd.Default.RNode(),
			DefaultFrom: fd.DefaultFrom,
			Required:    fd.Required,
			Enum:        fd.Enum.RNodes(),
			Targets:     targetSelectors(fd.Targets),
			Template:    t.Name,
			Source:      src,
		}
		if field.Type == "" {
			field.Type = "string"
		}
		path := fieldpath.Join(at+".fields", parameterSegment(fd.Name, j))
		switch {
		case field.Name == elementKey:
			problems.Errorf(id, path+".name", src, "remove it: every element has a name, which names its copy",
				"forEach field %q is reserved", elementKey)
		case seen[field.Name]:
			problems.Errorf(id, path+".name", src, "rename or remove one of them", "forEach field %q is declared twice", field.Name)
		}
		seen[field.Name] = true
		fe.Fields = append(fe.Fields, field)
	}
	for _, r := range f.References {
		fe.References = append(fe.References, &types.TargetSelector{Select: selector(r.Select), FieldPaths: r.FieldPaths})
	}
	param.ForEach = fe
	return problems
}

func orString(typ string) string {
	if typ == "" {
		return "string (the default type)"
	}
	return typ
}

// element is one element of a forEach parameter's value.
type element struct {
	name   string
	node   *yaml.RNode
	fields map[string]*yaml.RNode
}

// elements reads and checks the value of a forEach parameter: objects with
// a unique DNS-1123 label name and only the declared fields, each of its
// declared type. Problems name spec.values.<param>.[name=<element>].<key>.
func elements(p *Param, inst *Template) ([]element, krm.Problems) {
	if p.ForEach == nil || p.Value == nil || p.Value.YNode().Kind != yaml.SequenceNode {
		return nil, nil
	}
	var problems krm.Problems
	id := krm.IDOf(inst.Node)
	src := func(n *yaml.Node) krm.Source {
		s := p.ValueSource
		if s.Line != 0 && n != nil {
			s.Line = n.Line
		}
		return s
	}
	known := []string{elementKey}
	byName := map[string]*Parameter{}
	for _, f := range p.ForEach.Fields {
		known = append(known, f.Name)
		byName[f.Name] = f
	}
	first := map[string]int{}
	var out []element
	for i, n := range p.Value.YNode().Content {
		at := fmt.Sprintf("spec.values.%s.%d", p.Name, i)
		if n.Kind != yaml.MappingNode {
			problems.Errorf(id, at, src(n), fmt.Sprintf("write an object, e.g. {name: member%d, %s}", i+1, exampleFields(p.ForEach)),
				"element %d of %q is %s %s, not an object", i, p.Name, suggest.Article(kindName(n)), kindName(n))
			continue
		}
		el := element{node: yaml.NewRNode(n), fields: map[string]*yaml.RNode{}}
		nameNode := mapValue(n, elementKey)
		switch {
		case nameNode == nil || (nameNode.Kind == yaml.ScalarNode && nameNode.ShortTag() == yaml.NodeTagNull):
			problems.Errorf(id, at+"."+elementKey, src(n), fmt.Sprintf("add name: member%d (a DNS-1123 label)", i+1),
				"element %d of %q has no name: the name names its %s (%s-<name>)", i, p.Name, p.ForEach.Kind, orName(inst.Name))
		case nameNode.Kind != yaml.ScalarNode || nameNode.ShortTag() != yaml.NodeTagString:
			problems.Errorf(id, at+"."+elementKey, src(nameNode), "write the name as a string",
				"element %d of %q: name is %s %s, not a string", i, p.Name, suggest.Article(kindName(nameNode)), kindName(nameNode))
		default:
			el.name = nameNode.Value
			at = fmt.Sprintf("spec.values.%s.[%s=%s]", p.Name, elementKey, el.name)
			generated := deriveName(inst.Name, el.name)
			switch {
			case !krm.IsDNS1123Label(el.name):
				problems.Errorf(id, at+"."+elementKey, src(nameNode), "use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
					"%q of %q is not a DNS-1123 label, and its %s is named after it (%s)", el.name, p.Name, p.ForEach.Kind, generated)
			case inst.Name != "" && !krm.IsDNS1123Subdomain(generated):
				problems.Errorf(id, at+"."+elementKey, src(nameNode), "shorten the instance or the element name",
					"the %s of %q would be named %q, which is not a DNS-1123 name (at most 253 characters)", p.ForEach.Kind, el.name, generated)
			}
			if j, dup := first[el.name]; dup {
				problems.Errorf(id, at, src(n), "rename or remove one of them",
					"%q is listed twice in %q (elements %d and %d): each element generates %s %s", el.name, p.Name, j, i, p.ForEach.Kind, generated)
			} else {
				first[el.name] = i
			}
		}
		for k := 0; k+1 < len(n.Content); k += 2 {
			key, v := n.Content[k].Value, n.Content[k+1]
			if key == elementKey {
				continue
			}
			f := byName[key]
			if f == nil {
				hint := fmt.Sprintf("%q elements have %s", p.Name, strings.Join(known, ", "))
				if s := Suggest(key, known); s != "" {
					hint = fmt.Sprintf("did you mean %q? ", s) + hint
				}
				problems.Errorf(id, fieldpath.JoinKey(at, key), src(n.Content[k]), hint,
					"unknown key %q in element %s of %q", key, orIndex(el.name, i), p.Name)
				continue
			}
			if v.Kind == yaml.ScalarNode && v.ShortTag() == yaml.NodeTagNull {
				continue // null: the field's default
			}
			fp := &Param{Name: fmt.Sprintf("%s.[%s=%s].%s", p.Name, elementKey, orIndex(el.name, i), key), Type: f.Type, Enum: f.Enum, Value: yaml.NewRNode(v)}
			if msg, hint := checkValue(fp); msg != "" {
				problems.Errorf(id, fieldpath.JoinKey(at, key), src(v), hint, "%s", msg)
				continue
			}
			for _, fd := range labelProblems(f, v) {
				problems.Errorf(id, fieldpath.JoinKey(at, key)+fd.path, src(fd.node), fd.hint, "element %s of %q: %s", orIndex(el.name, i), p.Name, fd.msg)
			}
			el.fields[key] = fp.Value
		}
		for _, f := range p.ForEach.Fields {
			if f.Required && el.fields[f.Name] == nil && f.Default == nil && f.DefaultFrom == "" {
				problems.Errorf(id, at+"."+f.Name, src(n), fmt.Sprintf("add %s to the element", f.Name),
					"element %s of %q has no %s (%s)", orIndex(el.name, i), p.Name, f.Name, describe(&Param{Type: f.Type, Description: f.Description}))
			}
		}
		out = append(out, el)
	}
	return out, problems
}

func orIndex(name string, i int) string {
	if name == "" {
		return fmt.Sprint(i)
	}
	return name
}

func exampleFields(fe *ForEach) string {
	for _, f := range fe.Fields {
		if f.Type == "object" {
			return f.Name + ": {key: value}"
		}
	}
	if len(fe.Fields) > 0 {
		return fe.Fields[0].Name + ": ..."
	}
	return "..."
}

type labelProblem struct {
	path, msg, hint string
	node            *yaml.Node
}

// labelProblems checks an object field written to metadata.labels or to a
// matchLabels (any map of labels when f is nil): keys and values must be
// what Kubernetes accepts as labels.
// The checks are kurator's own metadata checks, run on a stand-in object.
func labelProblems(f *Parameter, v *yaml.Node) []labelProblem {
	if v.Kind != yaml.MappingNode || (f != nil && !writesLabels(f)) {
		return nil
	}
	obj := yaml.NewMapRNode(&map[string]string{"apiVersion": "v1", "kind": "ConfigMap"})
	md := yaml.NewMapRNode(&map[string]string{"name": "labels"})
	_ = md.PipeE(yaml.SetField("labels", yaml.NewRNode(v)))
	_ = obj.PipeE(yaml.SetField("metadata", md))
	var out []labelProblem
	for _, fd := range kurator.Validate(obj) {
		rest, ok := strings.CutPrefix(fd.Path, "metadata.labels")
		if !ok {
			continue
		}
		var node *yaml.Node
		for i := 0; i+1 < len(v.Content); i += 2 {
			if rest == "."+fieldpath.Key(v.Content[i].Value).String() {
				node = v.Content[i]
			}
		}
		out = append(out, labelProblem{path: rest, msg: fd.Message, hint: fd.Hint, node: node})
	}
	return out
}

func writesLabels(f *Parameter) bool {
	for _, t := range f.Targets {
		for _, fp := range t.FieldPaths {
			if fp == "metadata.labels" || strings.HasSuffix(fp, "matchLabels") {
				return true
			}
		}
	}
	return false
}

// checkElements checks the value of every forEach parameter.
func checkElements(params []*Param, inst *Template) krm.Problems {
	var problems krm.Problems
	for _, p := range params {
		_, ps := elements(p, inst)
		problems = append(problems, ps...)
	}
	return problems
}

// expandForEach replaces each forEach template resource with one copy per
// element, writes the element fields into the copies, and appends the
// copies to the reference lists.
func (r *render) expandForEach(params []*Param) {
	for _, p := range params {
		fe := p.ForEach
		if fe == nil {
			continue
		}
		els, _ := elements(p, r.inst)
		at := -1
		for i, res := range r.resources {
			if res.kind == fe.Kind && res.role == fe.Name {
				at = i
				break
			}
		}
		if at < 0 {
			if len(els) > 0 {
				r.problems.Errorf(krm.IDOf(fe.Template.Node), "spec.parameters.[name="+p.Name+"].forEach.resource", fe.Source,
					fmt.Sprintf("add a resource {kind: %s, metadata: {name: %s}} to the template's spec.resources", fe.Kind, fe.Name),
					"parameter %q copies %s %q per element, but no layer has that resource (%s)", p.Name, fe.Kind, fe.Name, r.describeResources())
			}
			continue
		}
		proto := r.resources[at]
		copies := make([]*resource, 0, len(els))
		var copied []element
		for _, el := range els {
			if other := r.find(fe.Kind, el.name, false); other != nil && other != proto {
				r.problems.Errorf(krm.IDOf(r.inst.Node), fmt.Sprintf("spec.values.%s.[%s=%s]", p.Name, elementKey, el.name), p.ValueSource,
					"rename the element", "element %q of %q would generate %s %s, which another resource of the instance already is",
					el.name, p.Name, fe.Kind, deriveName(r.inst.Name, el.name))
				continue
			}
			c := &resource{apiVersion: proto.apiVersion, kind: proto.kind, role: el.name, node: proto.node.Copy(), first: proto.first}
			if md, err := c.node.Pipe(yaml.LookupCreate(yaml.MappingNode, "metadata")); err == nil && md != nil {
				_ = md.PipeE(yaml.SetField("name", yaml.NewStringRNode(el.name)))
			}
			r.trace.clone(proto, c)
			r.writeFields(p, el, c)
			copies = append(copies, c)
			copied = append(copied, el)
		}
		rest := append(copies, r.resources[at+1:]...)
		r.resources = append(r.resources[:at:at], rest...)
		r.appendReferences(p, copies, copied)
	}
}

// writeFields writes an element's fields into its copy, in declaration
// order.
func (r *render) writeFields(p *Param, el element, c *resource) {
	fe := p.ForEach
	for _, f := range fe.Fields {
		v, from := el.fields[f.Name], p.ValueFrom
		src := elementSource(p, el.node.YNode())
		switch {
		case v != nil:
			src = elementSource(p, v.YNode())
		case f.Default != nil:
			v, from, src = f.Default, "default in template "+f.Template, f.Source
		case f.DefaultFrom == "metadata.name":
			v, from = yaml.NewStringRNode(deriveName(r.inst.Name, el.name)), fmt.Sprintf("default: the name of the %s generated for it", fe.Kind)
		case f.DefaultFrom == "metadata.namespace":
			v, from, src = yaml.NewStringRNode(namespaceOf(r.inst)), "instance metadata.namespace", metadataSource(r.inst, "namespace")
		default:
			continue
		}
		fp := &Param{Name: fmt.Sprintf("%s.[%s=%s].%s", p.Name, elementKey, el.name, f.Name), Value: v}
		for _, sel := range f.Targets {
			if err := applyValue([]*yaml.RNode{c.node}, application{p: fp, t: Target{Selector: sel, Template: fe.Template}}); err != nil {
				r.problems.Errorf(krm.IDOf(fe.Template.Node), "spec.parameters.[name="+p.Name+"].forEach.fields.[name="+f.Name+"].targets", f.Source,
					"check the target's select and fieldPaths against the template resource (use options.create: true for fields it does not have)",
					"parameter %q, field %q: %v", p.Name, f.Name, err)
			}
		}
		r.trace.record(c, Origin{Layer: fmt.Sprintf("value %q (%s)", fp.Name, from), Source: src, Param: p.Name}, nil, false)
	}
}

// elementSource locates node n of a parameter's value.
func elementSource(p *Param, n *yaml.Node) krm.Source {
	s := p.ValueSource
	if s.Line != 0 && n != nil {
		s.Line = n.Line
	}
	return s
}

// appendReferences appends {name, kind} of every copy to the reference
// lists, keeping an entry that is already there.
func (r *render) appendReferences(p *Param, copies []*resource, els []element) {
	fe := p.ForEach
	if len(copies) == 0 {
		return
	}
	for _, sel := range fe.References {
		for _, res := range r.resources {
			if !selects(sel, res.node) {
				continue
			}
			if !r.appendToLists(p, res, sel, copies) {
				continue
			}
			// One record for the whole list (per copy it would be
			// quadratic), then each entry credited to its element.
			r.trace.record(res, Origin{Layer: fmt.Sprintf("value %q (%s)", p.Name, p.ValueFrom), Source: p.ValueSource, Param: p.Name}, nil, false)
			for i, c := range copies {
				o := Origin{Layer: fmt.Sprintf("value %q (%s)", fmt.Sprintf("%s.[%s=%s]", p.Name, elementKey, els[i].name), p.ValueFrom),
					Source: elementSource(p, els[i].node.YNode()), Param: p.Name}
				for _, fp := range sel.FieldPaths {
					entry := fieldpath.Join(fp, fieldpath.Select("name", deriveName(r.inst.Name, c.role)))
					r.trace.credit(res, fieldpath.JoinKey(entry, "name"), o)
					r.trace.credit(res, fieldpath.JoinKey(entry, "kind"), o)
				}
			}
		}
	}
}

// credit attributes a field that the last record saw to o.
func (t *Trace) credit(r *resource, path string, o Origin) {
	if t == nil || t.set[r] == nil {
		return
	}
	if _, ok := t.set[r][path]; ok {
		t.set[r][path] = o
	}
}

// appendToLists appends the copies to the lists of res that sel names;
// false when one of them is not a list.
func (r *render) appendToLists(p *Param, res *resource, sel *types.TargetSelector, copies []*resource) bool {
	fe := p.ForEach
	for _, fp := range sel.FieldPaths {
		list, err := res.node.Pipe(yaml.LookupCreate(yaml.SequenceNode, kyamlutils.SmarterPathSplitter(fp, ".")...))
		if err != nil || list == nil || list.YNode().Kind != yaml.SequenceNode {
			r.problems.Errorf(krm.IDOf(fe.Template.Node), "spec.parameters.[name="+p.Name+"].forEach.references", fe.Source,
				"name a list field (e.g. spec.clusters)", "parameter %q: %s of %s is not a list", p.Name, fp, res.kind)
			return false
		}
		blockStyle(res.node.YNode(), kyamlutils.SmarterPathSplitter(fp, "."))
		listed := map[string]bool{}
		for _, e := range list.YNode().Content {
			if n := mapValue(e, "name"); n != nil {
				k := mapValue(e, "kind")
				listed[n.Value+"/"+orValue(k)] = true
			}
		}
		for _, c := range copies {
			name := deriveName(r.inst.Name, c.role)
			if listed[name+"/"+c.kind] {
				continue
			}
			entry := yaml.NewMapRNode(nil)
			_ = entry.PipeE(yaml.SetField("name", yaml.NewStringRNode(name)))
			_ = entry.PipeE(yaml.SetField("kind", yaml.NewStringRNode(c.kind)))
			list.YNode().Content = append(list.YNode().Content, entry.YNode())
		}
	}
	return true
}

func orValue(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

// blockStyle writes the mappings along path and the list at its end in
// block style: appended entries are one per line, whatever the style of
// the template's (often empty, flow) mapping.
func blockStyle(n *yaml.Node, path []string) {
	for _, key := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		n.Style &^= yaml.FlowStyle
		n = mapValue(n, key)
	}
	if n != nil && n.Kind == yaml.SequenceNode {
		n.Style &^= yaml.FlowStyle
	}
}

// clone gives a copy of a resource the trace of the resource it copies.
func (t *Trace) clone(from, to *resource) {
	if t == nil {
		return
	}
	cp := func(m map[string]Origin) map[string]Origin {
		if m == nil {
			return nil
		}
		out := make(map[string]Origin, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	t.set[to] = cp(t.set[from])
	if d := cp(t.deleted[from]); d != nil {
		t.deleted[to] = d
	}
	prev := make(map[string]leaf, len(t.prev[from]))
	for k, v := range t.prev[from] {
		prev[k] = v
	}
	t.prev[to] = prev
}

// markPrototypes names each forEach template resource after the element
// field that names its copies (<members[].name>), for `templates show`:
// it is not generated as it is.
func markPrototypes(resources []*resource, params []*Param) {
	for _, p := range params {
		if p.ForEach == nil {
			continue
		}
		for _, res := range resources {
			if res.kind == p.ForEach.Kind && res.role == p.ForEach.Name {
				_ = res.node.SetName("<" + p.Name + "[]." + elementKey + ">")
			}
		}
	}
}

// checkMembers checks what members mean for the rest of the output:
// a Fleet with no member clusters at all, and an Application cluster
// selector that matches none of the members of a Fleet whose members the
// instance generates (their labels are known; others' are not).
func (r *render) checkMembers() {
	byName := map[string]*resource{}
	for _, res := range r.resources {
		byName[res.kind+"/"+deriveName(r.inst.Name, res.role)] = res
	}
	for _, res := range r.resources {
		switch res.kind {
		case "Fleet":
			if l, _ := res.node.Pipe(yaml.Lookup("spec", "clusters")); l == nil || len(l.YNode().Content) == 0 {
				r.problems.Warnf(res.id(r.inst), "spec.clusters", krm.Source{File: r.inst.Source},
					"list the members (values.members in the catalog's fleet templates) or clusters",
					"the Fleet has no member clusters: applications deployed to it reach no cluster")
			}
		case "Application":
			fleet := stringAt(res.node, "spec", "destination", "fleet")
			r.checkSelector(res, "spec.destination", res.node.Field("spec"), fleet, byName)
			pols, _ := res.node.Pipe(yaml.Lookup("spec", "syncPolicies"))
			els, _ := pols.Elements()
			for i, pol := range els {
				f := fleet
				if pf := stringAt(pol, "destination", "fleet"); pf != "" {
					f = pf
				}
				path := fieldpath.Keys("spec", "syncPolicies").Append(fieldpath.Element(pol.YNode(), i), fieldpath.Key("destination")).String()
				r.checkSelector(res, path, &yaml.MapNode{Value: pol}, f, byName)
			}
		}
	}
}

// maxDescribed bounds the members a warning lists.
const maxDescribed = 5

// member is a generated cluster of a Fleet, with its labels.
type member struct {
	name   string
	labels map[string]string
}

// checkSelector warns when the clusterSelector under parent.destination
// matches no member of the Fleet.
func (r *render) checkSelector(app *resource, path string, parent *yaml.MapNode, fleet string, byName map[string]*resource) {
	if parent == nil {
		return
	}
	sel, _ := parent.Value.Pipe(yaml.Lookup("destination", "clusterSelector", "matchLabels"))
	if sel == nil || sel.YNode().Kind != yaml.MappingNode {
		return
	}
	// Kurator turns matchLabels into a label selector: a key or value that
	// is not a valid label fails its reconcile.
	invalid := false
	for _, fd := range labelProblems(nil, sel.YNode()) {
		invalid = true
		at := path + ".clusterSelector.matchLabels" + fd.path
		r.problems.Errorf(app.id(r.inst), at, krm.Source{}, fd.hint, "clusterSelector: %s", fd.msg)
		r.locatedBlame(app, at)
	}
	if invalid || fleet == "" {
		return
	}
	f := byName["Fleet/"+fleet]
	if f == nil {
		return
	}
	members, known := fleetMembers(f, byName)
	if !known || len(members) == 0 {
		return
	}
	want := map[string]string{}
	for i := 0; i+1 < len(sel.YNode().Content); i += 2 {
		k, v := sel.YNode().Content[i].Value, sel.YNode().Content[i+1].Value
		if IsPlaceholder(k) || IsPlaceholder(v) {
			return
		}
		want[k] = v
	}
	var described []string
	for _, m := range members {
		matches := true
		for k, v := range want {
			if got, ok := m.labels[k]; !ok || got != v {
				matches = false
			}
		}
		if matches {
			return
		}
		if len(described) < maxDescribed {
			described = append(described, m.name+" "+flowLabels(m.labels))
		}
	}
	if len(members) > maxDescribed {
		described = append(described, fmt.Sprintf("and %d more", len(members)-maxDescribed))
	}
	path += ".clusterSelector.matchLabels"
	r.problems.Warnf(app.id(r.inst), path, krm.Source{}, "select labels a member has, or give a member these labels (its labels in values.members)",
		"clusterSelector %s matches none of Fleet %s's members: %s", flowLabels(want), fleet, strings.Join(described, ", "))
	r.locatedBlame(app, path)
}

// fleetMembers returns the Fleet's clusters with their labels; known is
// false when a cluster is not generated by the instance (its labels are
// not known here).
func fleetMembers(f *resource, byName map[string]*resource) ([]member, bool) {
	l, _ := f.node.Pipe(yaml.Lookup("spec", "clusters"))
	els, _ := l.Elements()
	var out []member
	for _, e := range els {
		kind := stringAt(e, "kind")
		if kind == "" {
			kind = "Cluster"
		}
		name := stringAt(e, "name")
		c := byName[kind+"/"+name]
		if c == nil {
			return nil, false
		}
		m := member{name: name, labels: map[string]string{}}
		if ls, _ := c.node.Pipe(yaml.Lookup("metadata", "labels")); ls != nil && ls.YNode().Kind == yaml.MappingNode {
			for i := 0; i+1 < len(ls.YNode().Content); i += 2 {
				k, v := ls.YNode().Content[i].Value, ls.YNode().Content[i+1].Value
				if IsPlaceholder(k) || IsPlaceholder(v) {
					return nil, false
				}
				m.labels[k] = v
			}
		}
		out = append(out, m)
	}
	return out, true
}

func flowLabels(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + m[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
