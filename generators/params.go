package generators

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kurator-scenario/scenario-fn/internal/suggest"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/api/filters/replacement"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
	kyamlutils "sigs.k8s.io/kustomize/kyaml/utils"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// valuesKind is the synthetic source object parameter values are read from
// by the replacement filter; it never leaves a render.
const valuesKind = "ScenarioValues"

// Param is a parameter as the whole chain declares it, with its value.
type Param struct {
	Name        string
	Type        string
	Description string
	Required    bool
	Enum        []*yaml.RNode
	Default     *yaml.RNode
	DefaultFrom string
	// Declared is where it was first declared.
	Declared krm.Source
	Template string
	// Targets says where the value is written, as the templates declare it.
	Targets []Target

	Value *yaml.RNode
	// ValueFrom describes where Value came from, for explain and errors.
	ValueFrom   string
	ValueSource krm.Source
}

// Target is one place a parameter is written, with the template that
// declared it.
type Target struct {
	Selector *types.TargetSelector
	Template *Template
}

// Parameters returns the parameters the chain (templates then instance)
// declares, merged: the first declaration sets the type; later ones may
// refine description, default, enum and required, and add targets.
func Parameters(layers []*Template) ([]*Param, krm.Problems) {
	var problems krm.Problems
	var out []*Param
	byName := map[string]*Param{}
	for _, t := range layers {
		for _, d := range t.Parameters {
			p, ok := byName[d.Name]
			if !ok {
				p = &Param{Name: d.Name, Type: d.Type, Declared: d.Source, Template: t.Name}
				byName[d.Name] = p
				out = append(out, p)
			} else if d.Type != "" && p.Type != "" && d.Type != p.Type {
				problems.Errorf(krm.IDOf(t.Node), "spec.parameters.[name="+d.Name+"].type", d.Source,
					fmt.Sprintf("keep type %s, or name the parameter differently", p.Type),
					"parameter %q is declared %s by %s (%s) and %s here", d.Name, p.Type, p.Template, p.Declared, d.Type)
				continue
			}
			if p.Type == "" {
				p.Type = d.Type
			}
			if d.Description != "" {
				p.Description = d.Description
			}
			if d.Default != nil {
				p.Default = d.Default
			}
			if d.DefaultFrom != "" {
				p.DefaultFrom = d.DefaultFrom
			}
			if d.Enum != nil {
				p.Enum = d.Enum
			}
			p.Required = p.Required || d.Required
			for _, sel := range d.Targets {
				p.Targets = append(p.Targets, Target{Selector: sel, Template: t})
			}
		}
	}
	for _, p := range out {
		if p.Type == "" {
			p.Type = "string"
		}
	}
	return out, problems
}

// resolveValues assigns each parameter its value: the instance's, else the
// nearest template's, else the default, else defaultFrom. layers is the
// chain followed by the instance.
func resolveValues(params []*Param, layers []*Template, inst *Template) krm.Problems {
	var problems krm.Problems
	byName := map[string]*Param{}
	for _, p := range params {
		byName[p.Name] = p
	}
	for _, t := range layers {
		who := "template " + t.Name
		if t == inst {
			who = "instance " + t.Name
		}
		for _, name := range t.ValueOrder {
			v := t.Values[name]
			p, ok := byName[name]
			if !ok {
				problems.Errorf(krm.IDOf(t.Node), "spec.values."+name, t.at(v), declaredHint(params, name),
					"unknown value %q: no template in the chain declares it", name)
				continue
			}
			p.Value, p.ValueFrom, p.ValueSource = v, "value in "+who, t.at(v)
		}
	}
	ns := krm.NamespaceOrDefault(inst.Namespace)
	for _, p := range params {
		switch {
		case p.Value != nil:
		case p.Default != nil:
			p.Value, p.ValueFrom, p.ValueSource = p.Default, "default in template "+p.Template, p.Declared
		case p.DefaultFrom == "metadata.name":
			p.Value, p.ValueFrom, p.ValueSource = yaml.NewStringRNode(inst.Name), "instance metadata.name", inst.at(inst.Node)
		case p.DefaultFrom == "metadata.namespace":
			p.Value, p.ValueFrom, p.ValueSource = yaml.NewStringRNode(ns), "instance metadata.namespace", inst.at(inst.Node)
		case p.Required:
			problems.Errorf(krm.IDOf(inst.Node), "spec.values."+p.Name, inst.at(inst.Node),
				fmt.Sprintf("add it under spec.values, e.g. %s: %s", p.Name, example(p)),
				"missing required value %q (%s)", p.Name, describe(p))
			continue
		default:
			continue
		}
		if p.Value.YNode().Kind == yaml.ScalarNode && p.Value.YNode().Tag == yaml.NodeTagNull {
			p.Value = nil
			continue
		}
		if msg, hint := checkValue(p); msg != "" {
			problems.Errorf(krm.IDOf(inst.Node), "spec.values."+p.Name, p.ValueSource, hint, "%s", msg)
		}
	}
	return problems
}

func describe(p *Param) string {
	d := p.Type
	if p.Description != "" {
		d += ": " + p.Description
	}
	return d
}

func example(p *Param) string {
	switch p.Type {
	case "integer":
		return "1"
	case "boolean":
		return "true"
	case "object":
		return "{key: value}"
	case "array":
		return "[item]"
	}
	if len(p.Enum) > 0 {
		return p.Enum[0].YNode().Value
	}
	return "<" + p.Name + ">"
}

// IsPlaceholder reports whether s holds a Flux ${VAR} expression, which is
// accepted for any scalar type: its value is only known after substitution.
func IsPlaceholder(s string) bool { return strings.Contains(s, "${") }

// checkValue returns a message and a hint when the value does not fit the
// parameter's type or enum.
func checkValue(p *Param) (string, string) {
	n := p.Value.YNode()
	got := kindName(n)
	scalar := n.Kind == yaml.ScalarNode
	placeholder := scalar && n.ShortTag() == yaml.NodeTagString && IsPlaceholder(n.Value)
	ok := false
	switch p.Type {
	case "string":
		ok = scalar && n.ShortTag() == yaml.NodeTagString
	case "integer":
		ok = scalar && n.ShortTag() == yaml.NodeTagInt || placeholder
	case "boolean":
		ok = scalar && n.ShortTag() == yaml.NodeTagBool || placeholder
	case "object":
		ok = n.Kind == yaml.MappingNode
	case "array":
		ok = n.Kind == yaml.SequenceNode
	}
	if !ok {
		hint := fmt.Sprintf("write %s %s, e.g. %s: %s", suggest.Article(p.Type), p.Type, p.Name, example(p))
		if p.Type == "string" && scalar {
			hint = fmt.Sprintf("quote it: %s: %q", p.Name, n.Value)
		}
		return fmt.Sprintf("value %q is %s %s, but parameter %q is %s %s", short(p.Value), suggest.Article(got), got, p.Name, suggest.Article(p.Type), p.Type), hint
	}
	if len(p.Enum) > 0 && !placeholder {
		var allowed []string
		for _, e := range p.Enum {
			if e.YNode().Value == n.Value && scalar {
				return "", ""
			}
			allowed = append(allowed, short(e))
		}
		return fmt.Sprintf("value %q is not allowed for %q", short(p.Value), p.Name), "use one of " + strings.Join(allowed, ", ")
	}
	return "", ""
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "object"
	case yaml.SequenceNode:
		return "array"
	}
	switch n.ShortTag() {
	case yaml.NodeTagInt:
		return "integer"
	case yaml.NodeTagFloat:
		return "number"
	case yaml.NodeTagBool:
		return "boolean"
	case yaml.NodeTagNull:
		return "null"
	}
	return "string"
}

func short(n *yaml.RNode) string {
	if n.YNode().Kind == yaml.ScalarNode {
		return n.YNode().Value
	}
	s, _ := n.String()
	s = strings.TrimSpace(s)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// declaredHint lists the declared parameters, the closest first.
func declaredHint(params []*Param, name string) string {
	if len(params) == 0 {
		return "the chain declares no parameters"
	}
	names := make([]string, 0, len(params))
	for _, p := range params {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	hint := "declared parameters: " + strings.Join(names, ", ")
	if best := Suggest(name, names); best != "" {
		hint = fmt.Sprintf("did you mean %q? ", best) + hint
	}
	return hint
}

// application is one parameter written to one target.
type application struct {
	p      *Param
	t      Target
	target *Target // identity of the declaration, for memoised plans
}

// applications orders the writes: whole-field targets first, then targets
// that write a part of a string (options.delimiter), highest index first,
// so that a lower part containing the delimiter (a registry port in
// "host:5000/app" before ":tag") cannot shift a higher one.
func applications(params []*Param) []application {
	var whole, parts []application
	for _, p := range params {
		if p.Value == nil {
			continue
		}
		for i := range p.Targets {
			t := &p.Targets[i]
			if t.Selector.Options != nil && t.Selector.Options.Delimiter != "" {
				parts = append(parts, application{p, *t, t})
			} else {
				whole = append(whole, application{p, *t, t})
			}
		}
	}
	sort.SliceStable(parts, func(i, j int) bool {
		return parts[i].t.Selector.Options.Index > parts[j].t.Selector.Options.Index
	})
	return append(whole, parts...)
}

// applyValue writes one parameter to one target with the kustomize
// replacement filter, reading the value from a synthetic source object.
func applyValue(nodes []*yaml.RNode, a application) error {
	src := yaml.NewMapRNode(&map[string]string{"apiVersion": APIVersion, "kind": valuesKind})
	_ = src.SetName("values")
	if err := src.PipeE(yaml.SetField("value", a.p.Value.Copy())); err != nil {
		return err
	}
	sel := *a.t.Selector
	sel.FieldPaths = append([]string(nil), sel.FieldPaths...)
	f := replacement.Filter{Replacements: []types.Replacement{{
		Source:  &types.SourceSelector{ResId: resid.ResId{Gvk: resid.Gvk{Kind: valuesKind}}, FieldPath: "value"},
		Targets: []*types.TargetSelector{&sel},
	}}}
	if _, err := f.Filter(append(nodes, src)); err != nil {
		return err
	}
	// Fields the filter created take no tag from the value; give them the
	// value's, so that "true" written to a string stays a string.
	if sel.Options == nil || !sel.Options.Create || a.p.Value.YNode().Kind != yaml.ScalarNode {
		return nil
	}
	tag := a.p.Value.YNode().ShortTag()
	if a.p.Value.YNode().Kind != yaml.ScalarNode || (sel.Options != nil && sel.Options.Delimiter != "") {
		tag = yaml.NodeTagString
	}
	for _, n := range nodes {
		if !selects(&sel, n) {
			continue
		}
		for _, fp := range sel.FieldPaths {
			m, err := n.Pipe(&yaml.PathMatcher{Path: kyamlutils.SmarterPathSplitter(fp, ".")})
			if err != nil || m == nil {
				continue
			}
			els, _ := m.Elements()
			for _, e := range els {
				if e.YNode().Kind == yaml.ScalarNode && e.YNode().Tag == "" && a.p.Value.YNode().Kind == yaml.ScalarNode {
					e.YNode().Tag = tag
				}
			}
		}
	}
	return nil
}

func selects(sel *types.TargetSelector, n *yaml.RNode) bool {
	if sel.Select == nil {
		return false
	}
	m, err := n.GetMeta()
	if err != nil {
		return false
	}
	g, v := resid.ParseGroupVersion(m.APIVersion)
	id := resid.ResId{Gvk: resid.Gvk{Group: g, Version: v, Kind: m.Kind}, Name: m.Name, Namespace: m.Namespace}
	if !id.IsSelectedBy(sel.Select.ResId) {
		return false
	}
	for _, r := range sel.Reject {
		if r != nil && id.IsSelectedBy(r.ResId) && (r.Kind != "" || r.Name != "" || r.Group != "") {
			return false
		}
	}
	return true
}
