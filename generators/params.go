package generators

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/internal/suggest"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/api/filters/replacement"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
	kyamlutils "sigs.k8s.io/kustomize/kyaml/utils"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/merge2"
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
	// Format and Merge are as declared (Parameter); the last layer that
	// declares one wins.
	Format, Merge string
	// Declared is where it was first declared.
	Declared krm.Source
	Template string
	// DefaultBy and DefaultSource name the layer that set Default (a
	// child template may refine its parent's default).
	DefaultBy     string
	DefaultSource krm.Source
	// Targets says where the value is written, as the templates declare it.
	Targets []Target
	// ForEach is the last declaration's forEach (members.go).
	ForEach *ForEach

	Value *yaml.RNode
	// ValueFrom describes where Value came from, for explain and errors.
	ValueFrom   string
	ValueSource krm.Source
	// Preset is the value the templates of the chain set (spec.values),
	// filled by Resolve: what an instance inherits; PresetFrom says who set
	// it ("value in template go-service").
	Preset       *yaml.RNode
	PresetFrom   string
	PresetSource krm.Source
	// badFormat is true when the value does not fit Format.
	badFormat bool
	// valueLayer is the layer that set Value (nil: a default).
	valueLayer *Template
	// Unset is true when a layer set the (optional) parameter to null: what
	// it writes is removed from the resources.
	Unset bool
	// Unused says why the parameter writes nothing (a layer deletes every
	// resource its targets select); "" when it is used.
	Unused   string
	required bool // as declared, before markUnused
}

// Target is one place a parameter is written, with the template that
// declared it.
type Target struct {
	Selector *types.TargetSelector
	Template *Template
	// Unused: every resource the target selects is deleted (markUnused).
	Unused bool
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
				p.Default, p.DefaultBy, p.DefaultSource = d.Default, t.Name, d.Source
			}
			if d.Format != "" {
				p.Format = d.Format
			}
			if d.Merge != "" {
				p.Merge = d.Merge
			}
			if d.DefaultFrom != "" {
				p.DefaultFrom = d.DefaultFrom
			}
			if d.Enum != nil {
				p.Enum = d.Enum
			}
			p.Required = p.Required || d.Required
			p.required = p.Required
			if d.ForEach != nil {
				p.ForEach = d.ForEach
			}
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
	markUnused(out, layers, nil)
	return out, problems
}

// markUnused marks the parameter targets that write nothing because a
// layer deletes ($patch: delete) every resource they select, and the
// parameters all of whose targets are so: those are not required, and
// their values are not applied (resolveValues). It runs before any merge
// (values are resolved first), so it replays the layers' resource
// identities only: spec.resources of every layer in order, then
// spec.overlays, then the package overlay items, matched as the merge
// matches them. A resource a later layer adds again after a deletion is a
// new one: targets declared up to the deleting layer do not count it.
// Label and annotation selectors are ignored here, which can only make a
// target select more: a target is dead when even so it selects no
// surviving resource it counts, and one that was deleted.
func markUnused(params []*Param, layers []*Template, overlays []Overlay) {
	for _, p := range params { // a second run (with the overlay items) starts afresh
		p.Unused, p.Required = "", p.required
		for i := range p.Targets {
			p.Targets[i].Unused = false
		}
	}
	isDelete := func(doc *yaml.RNode) bool {
		d := mapValue(doc.YNode(), patchDirective)
		return d != nil && d.Value == "delete"
	}
	found := false
	for _, t := range layers {
		found = found || slices.ContainsFunc(t.Resources, isDelete) || slices.ContainsFunc(t.Overlays, isDelete)
	}
	for _, o := range overlays {
		found = found || isDelete(o.Node)
	}
	if !found {
		return
	}
	inst := layers[len(layers)-1]
	r := &render{inst: inst}
	var gone []*resource
	deletedBy := map[*resource]string{}
	// bornAfter is, for a resource added again, the index of the layer that
	// deleted its predecessor.
	bornAfter := map[*resource]int{}
	lastDeleted := map[string]int{}
	replay := func(doc *yaml.RNode, overlay bool, index int, layer string) {
		if doc.YNode().Kind != yaml.MappingNode {
			return
		}
		meta, err := doc.GetMeta()
		if err != nil || meta.Kind == "" {
			return
		}
		target := r.find(meta.Kind, meta.Name, overlay)
		if isDelete(doc) {
			for i, res := range r.resources {
				if res == target {
					r.resources = append(r.resources[:i:i], r.resources[i+1:]...)
					gone = append(gone, res)
					deletedBy[res] = layer
					lastDeleted[res.kind+"/"+res.role] = index
				}
			}
			return
		}
		if target == nil && !overlay {
			res := &resource{apiVersion: meta.APIVersion, kind: meta.Kind, role: meta.Name}
			if j, ok := lastDeleted[res.kind+"/"+res.role]; ok {
				bornAfter[res] = j
			}
			r.resources = append(r.resources, res)
		}
	}
	index := map[*Template]int{}
	for i, t := range layers {
		index[t] = i
		for _, doc := range t.Resources {
			replay(doc, false, i, layerName(t, inst, "resources"))
		}
	}
	for _, t := range layers {
		for _, doc := range t.Overlays {
			replay(doc, true, len(layers), layerName(t, inst, "overlays"))
		}
	}
	for _, o := range overlays {
		replay(o.Node, true, len(layers), o.Layer)
	}
	if len(gone) == 0 {
		return
	}
	stub := func(res *resource) *yaml.RNode {
		n := yaml.NewMapRNode(&map[string]string{"apiVersion": res.apiVersion, "kind": res.kind})
		_ = n.SetName(res.role)
		_ = n.SetNamespace(namespaceOf(inst))
		return n
	}
	selected := func(sel *types.TargetSelector, among []*resource, declared int) []*resource {
		loose := *sel
		if sel.Select != nil {
			s := *sel.Select
			s.LabelSelector, s.AnnotationSelector = "", ""
			loose.Select = &s
		}
		loose.Reject = nil
		var out []*resource
		for _, res := range among {
			if j, again := bornAfter[res]; again && declared <= j {
				continue
			}
			if selects(&loose, stub(res)) {
				out = append(out, res)
			}
		}
		return out
	}
	for _, p := range params {
		if len(p.Targets) == 0 {
			continue
		}
		var why []string
		dead := 0
		for i := range p.Targets {
			t := &p.Targets[i]
			d, ok := index[t.Template]
			if !ok || len(selected(t.Selector, r.resources, d)) > 0 {
				continue
			}
			deleted := selected(t.Selector, gone, -1)
			if len(deleted) == 0 {
				continue
			}
			t.Unused = true
			dead++
			for _, res := range deleted {
				w := res.kind + " " + deriveName(inst.Name, res.role) + ", by " + deletedBy[res]
				if !slices.Contains(why, w) {
					why = append(why, w)
				}
			}
		}
		if dead == len(p.Targets) {
			p.Unused = "every resource it writes is deleted (" + strings.Join(why, "; ") + ")"
			p.Required = false
		}
	}
}

// resolveValues assigns each parameter its value: the layers' values in
// chain order (the instance last) over the default, else defaultFrom. An
// object value merges over the default and the earlier layers' values
// unless the parameter says merge: replace. null unsets an optional
// parameter (what it writes is removed); a required one cannot be null or
// empty. layers is the chain followed by the instance.
//
// Values that have the right type but not the parameter's format (an image
// with a tag, a wrong quantity) are returned apart, as soft problems: the
// render goes on, so that one run reports every error, and the output
// checks do not report them again (render.blamesBadValue).
func resolveValues(params []*Param, layers []*Template, inst *Template) (problems, soft krm.Problems) {
	byName := map[string]*Param{}
	for _, p := range params {
		byName[p.Name] = p
	}
	setBy, problems := layerValues(params, byName, layers, inst)
	ns := inst.Namespace
	if ns == "" {
		ns = "default"
	}
	for _, p := range params {
		if p.Unused != "" {
			p.Value, p.ValueFrom, p.ValueSource = nil, "not used: "+p.Unused, krm.Source{}
			continue
		}
		switch {
		case p.Value != nil:
		case p.Default != nil:
			p.Value, p.ValueFrom, p.ValueSource = p.Default, "default in template "+p.DefaultBy, p.DefaultSource
		case p.DefaultFrom == "metadata.name":
			p.Value, p.ValueFrom, p.ValueSource = yaml.NewStringRNode(inst.Name), "instance metadata.name", metadataSource(inst, "name")
		case p.DefaultFrom == "metadata.namespace":
			p.Value, p.ValueFrom, p.ValueSource = yaml.NewStringRNode(ns), "instance metadata.namespace", metadataSource(inst, "namespace")
		case p.Required:
			problems.Errorf(krm.IDOf(inst.Node), "spec.values."+p.Name, inst.at(inst.Node),
				fmt.Sprintf("add it under spec.values, e.g. %s: %s", p.Name, example(p)),
				"missing required value %q (%s)", p.Name, describe(p))
			problems.Last().Code = CodeMissingValue
			continue
		default:
			continue
		}
		layer := setBy[p]
		p.valueLayer = layer
		if layer == nil {
			layer = inst
		}
		if empty := emptyValue(p.Value); empty != "" && p.Required {
			problems.Errorf(krm.IDOf(layer.Node), "spec.values."+p.Name, p.ValueSource,
				fmt.Sprintf("set it, e.g. %s: %s (only an optional parameter can be unset)", p.Name, example(p)),
				"required parameter %q is %s (%s): it needs a value (%s)", p.Name, empty, p.ValueFrom, describe(p))
			p.Value = nil
			continue
		}
		if isNull(p.Value) {
			p.Value, p.Unset = nil, true
			continue
		}
		if msg, hint := checkValue(p); msg != "" {
			problems.Errorf(krm.IDOf(layer.Node), "spec.values."+p.Name, p.ValueSource, hint, "%s", msg)
		} else if msg, hint := checkFormat(p, byName); msg != "" {
			soft.Errorf(krm.IDOf(layer.Node), "spec.values."+p.Name, p.ValueSource, hint, "%s", msg)
			p.badFormat = true
		}
	}
	return problems, soft
}

// layerValues sets Value, ValueFrom and ValueSource of each parameter from
// the values the layers set, in order, object values merged (mergeBase).
// It returns the layer that set each, and unknown values as problems.
func layerValues(params []*Param, byName map[string]*Param, layers []*Template, inst *Template) (map[*Param]*Template, krm.Problems) {
	var problems krm.Problems
	setBy := map[*Param]*Template{}
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
			from := "value in " + who
			if under := mergeBase(p); under != nil && v.YNode().Kind == yaml.MappingNode {
				merged, err := merge2.Merge(v.Copy(), under.Copy(), yaml.MergeOptions{})
				if err == nil && merged != nil {
					v = merged
					if p.Value != nil {
						from += " merged over the " + p.ValueFrom
					} else {
						from += " merged over the default in template " + p.DefaultBy
					}
				}
			}
			p.Value, p.ValueFrom, p.ValueSource = v, from, t.at(t.Values[name])
			setBy[p] = t
			if p.Unused != "" && t == inst {
				problems.Warnf(krm.IDOf(t.Node), "spec.values."+name, t.at(t.Values[name]), "remove the value, or the deletion",
					"value for %q is not used: %s", name, p.Unused)
			}
		}
	}
	return setBy, problems
}

// Presets sets each parameter's Preset from the values the layers (a
// template and its chain) set, as an instance of it would inherit them.
func Presets(params []*Param, layers []*Template) {
	byName := map[string]*Param{}
	for _, p := range params {
		byName[p.Name] = p
	}
	layerValues(params, byName, layers, nil)
	for _, p := range params {
		p.Preset, p.PresetFrom, p.PresetSource = p.Value, p.ValueFrom, p.ValueSource
		p.Value, p.ValueFrom, p.ValueSource = nil, "", krm.Source{}
	}
}

// mergeBase is what an object value of p merges over: the value an
// earlier layer set, else the default; nil when the value replaces.
func mergeBase(p *Param) *yaml.RNode {
	if p.Type != "object" || p.Merge == "replace" {
		return nil
	}
	under := p.Value
	if under == nil {
		under = p.Default
	}
	if under == nil || under.YNode().Kind != yaml.MappingNode {
		return nil
	}
	return under
}

func isNull(v *yaml.RNode) bool {
	return v.YNode().Kind == yaml.ScalarNode && v.YNode().Tag == yaml.NodeTagNull
}

// emptyValue says how v is empty (null, "", {} or []), or "".
func emptyValue(v *yaml.RNode) string {
	n := v.YNode()
	switch {
	case isNull(v):
		return "null"
	case n.Kind == yaml.ScalarNode && n.Value == "" && n.ShortTag() == yaml.NodeTagString:
		return `empty ("")`
	case n.Kind == yaml.MappingNode && len(n.Content) == 0:
		return "an empty object ({})"
	case n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		return "an empty array ([])"
	}
	return ""
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
	typeOK, enumOK := fits(p, n)
	if !typeOK {
		got := kindName(n)
		hint := fmt.Sprintf("write %s %s, e.g. %s: %s", suggest.Article(p.Type), p.Type, p.Name, example(p))
		if p.Type == "string" && n.Kind == yaml.ScalarNode {
			hint = fmt.Sprintf("quote it: %s: %q", p.Name, n.Value)
		}
		return fmt.Sprintf("value %q is %s %s, but parameter %q is %s %s", short(p.Value), suggest.Article(got), got, p.Name, suggest.Article(p.Type), p.Type), hint
	}
	if !enumOK {
		var allowed []string
		for _, e := range p.Enum {
			allowed = append(allowed, short(e))
		}
		return fmt.Sprintf("value %q is not allowed for %q", short(p.Value), p.Name), "use one of " + strings.Join(allowed, ", ")
	}
	return "", ""
}

// fits is the parameters' type rule: whether value n has p's type (a Flux
// ${VAR} placeholder fits any scalar type: its value is only known after
// substitution) and whether it is one of p's enum (a placeholder always
// is; with no enum, every value is).
func fits(p *Param, n *yaml.Node) (typeOK, enumOK bool) {
	scalar := n.Kind == yaml.ScalarNode
	placeholder := scalar && n.ShortTag() == yaml.NodeTagString && IsPlaceholder(n.Value)
	switch p.Type {
	case "string":
		typeOK = scalar && n.ShortTag() == yaml.NodeTagString
	case "integer":
		typeOK = scalar && n.ShortTag() == yaml.NodeTagInt || placeholder
	case "boolean":
		typeOK = scalar && n.ShortTag() == yaml.NodeTagBool || placeholder
	case "object":
		typeOK = n.Kind == yaml.MappingNode
	case "array":
		typeOK = n.Kind == yaml.SequenceNode
	}
	if len(p.Enum) == 0 || placeholder {
		return typeOK, true
	}
	for _, e := range p.Enum {
		if scalar && e.YNode().Value == n.Value {
			return typeOK, true
		}
	}
	return typeOK, false
}

// ValueError says why text given for a parameter (ParseValue) is not a
// value of it. Programs word their own message from its fields.
type ValueError struct {
	// Name and Type are the parameter's.
	Name, Type string
	// Raw is the text given; Got says what it reads as: "a string", "an
	// integer", "a number", "a boolean", "null", "an object" or "an array".
	Raw, Got string
	// Quote: a string parameter was given a YAML list or map, which it
	// takes only quoted.
	Quote bool
	// Allowed is the parameter's enum, when the value has the right type
	// but is not one of them.
	Allowed []string
}

func (e *ValueError) Error() string {
	switch {
	case e.Allowed != nil:
		return fmt.Sprintf("parameter %q does not allow %q (use one of %s)", e.Name, e.Raw, strings.Join(e.Allowed, ", "))
	case e.Quote:
		return fmt.Sprintf("parameter %q is a string, but %q is %s (quote it)", e.Name, e.Raw, e.Got)
	}
	return fmt.Sprintf("parameter %q is %s %s, but %q is %s", e.Name, suggest.Article(e.Type), e.Type, e.Raw, e.Got)
}

// ParseValue types text given for parameter p (scenario-fn init --set):
// the text is YAML (3, true, [a, b], {k: v}) and must fit the parameter's
// type and enum by the rule values in templates follow (fits); a string
// parameter takes the text as it is (a YAML scalar unquoted), except a
// YAML list or map, which it takes only quoted. The value has no
// positions or comments and is in flow style, so that it fits one line.
// The error is a *ValueError.
func ParseValue(p *Param, raw string) (*yaml.RNode, error) {
	var doc yaml.Node
	var n *yaml.Node
	if err := yaml.Unmarshal([]byte(raw), &doc); err == nil && doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		n = doc.Content[0]
	}
	verr := &ValueError{Name: p.Name, Type: p.Type, Raw: raw, Got: "a string"}
	if n != nil {
		verr.Got = describeKind(n)
	}
	var v *yaml.Node
	switch {
	case p.Type == "integer" || p.Type == "boolean":
		if n == nil || n.Kind != yaml.ScalarNode {
			return nil, verr
		}
		v = &yaml.Node{Kind: yaml.ScalarNode, Tag: n.ShortTag(), Value: n.Value}
	case p.Type == "object" || p.Type == "array":
		if n == nil {
			return nil, verr
		}
		v = plainCopy(n)
	case n != nil && n.Kind == yaml.ScalarNode:
		v = &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: n.Value}
	case strings.HasPrefix(strings.TrimSpace(raw), "[") || strings.HasPrefix(strings.TrimSpace(raw), "{"):
		verr.Quote = true
		return nil, verr
	default:
		v = &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: raw}
	}
	switch typeOK, enumOK := fits(p, v); {
	case !typeOK:
		return nil, verr
	case !enumOK:
		verr.Allowed = []string{}
		for _, e := range p.Enum {
			verr.Allowed = append(verr.Allowed, e.YNode().Value)
		}
		return nil, verr
	}
	return yaml.NewRNode(v), nil
}

// describeKind says what a node is, with its article: "an integer", "null".
func describeKind(n *yaml.Node) string {
	if k := kindName(n); k != "null" {
		return suggest.Article(k) + " " + k
	}
	return "null"
}

// plainCopy copies a parsed value without positions and comments: scalars
// keep their tag and quotes, lists and maps are in flow style.
func plainCopy(n *yaml.Node) *yaml.Node {
	c := &yaml.Node{Kind: n.Kind, Tag: n.ShortTag(), Value: n.Value}
	if n.Kind == yaml.ScalarNode {
		c.Style = n.Style & (yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle)
	} else {
		c.Style = yaml.FlowStyle
	}
	for _, k := range n.Content {
		c.Content = append(c.Content, plainCopy(k))
	}
	return c
}

// checkFormat checks a value against the parameter's format.
func checkFormat(p *Param, params map[string]*Param) (string, string) {
	n := p.Value.YNode()
	switch p.Format {
	case "image":
		if n.Kind != yaml.ScalarNode || IsPlaceholder(n.Value) {
			return "", ""
		}
		return checkImageRepository(p.Name, n.Value, params)
	case "quantity":
		if n.Kind != yaml.ScalarNode || IsPlaceholder(n.Value) {
			return "", ""
		}
		if ok, hint := kurator.CheckQuantity(n.Value); !ok {
			return fmt.Sprintf("value %q of %q is not a Kubernetes quantity", n.Value, p.Name), hint
		}
	case "resources":
		return checkResources(p.Name, n)
	}
	return "", ""
}

// checkImageRepository refuses an image value that carries a tag or a
// digest: the template adds the tag, so the image would become
// repo:v1:<tag>. A registry port (localhost:5000/x) is not a tag.
func checkImageRepository(name, v string, params map[string]*Param) (string, string) {
	ref, err := reference.ParseNormalizedNamed(v)
	if err != nil {
		return fmt.Sprintf("value %q of %q is not an image repository: %v", v, name, err),
			fmt.Sprintf("write registry/repository, all lower-case, e.g. %s: ghcr.io/acme/orders", name)
	}
	repo := strings.TrimSuffix(v, "@"+digestOf(ref))
	tagParam := "tag"
	if _, ok := params[tagParam]; !ok {
		tagParam = ""
	}
	if t, ok := ref.(reference.Tagged); ok {
		repo = strings.TrimSuffix(repo, ":"+t.Tag())
		msg := fmt.Sprintf("value %q of %q carries the tag %q: %q is the repository only, the template adds the tag (the image would become %s:<tag>)", v, name, t.Tag(), name, v)
		if tagParam == "" {
			return msg, fmt.Sprintf("set %s: %s and the tag through the template's tag parameter", name, repo)
		}
		return msg, fmt.Sprintf("set %s: %s and %s: %s", name, repo, tagParam, t.Tag())
	}
	if d, ok := ref.(reference.Digested); ok {
		msg := fmt.Sprintf("value %q of %q carries the digest %s: %q is the repository only, the template adds the tag", v, name, d.Digest(), name)
		hint := fmt.Sprintf("set %s: %s", name, repo)
		if tagParam != "" {
			hint += fmt.Sprintf(" and %s: the tag that digest was pushed as", tagParam)
		}
		return msg, hint
	}
	return "", ""
}

func digestOf(ref reference.Named) string {
	if d, ok := ref.(reference.Digested); ok {
		return d.Digest().String()
	}
	return ""
}

// checkResources checks container resources: requests and limits (and
// claims, which Kubernetes also allows) with quantities.
func checkResources(name string, n *yaml.Node) (string, string) {
	if n.Kind != yaml.MappingNode {
		return "", ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch k {
		case "claims":
			continue
		case "requests", "limits":
		default:
			return fmt.Sprintf("value of %q has %q: container resources have requests and limits", name, k),
				fmt.Sprintf("write e.g. %s: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}", name)
		}
		if v.Kind == yaml.ScalarNode && v.ShortTag() == yaml.NodeTagNull {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return fmt.Sprintf("%s.%s is %s, not an object of quantities", name, k, kindName(v)),
				fmt.Sprintf("write e.g. %s: {%s: {cpu: 500m, memory: 256Mi}}", name, k)
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			q := v.Content[j+1]
			if q.Kind != yaml.ScalarNode || q.ShortTag() == yaml.NodeTagNull || IsPlaceholder(q.Value) {
				if q.Kind != yaml.ScalarNode {
					return fmt.Sprintf("%s.%s.%s is %s, not a quantity", name, k, v.Content[j].Value, kindName(q)), kurator.QuantityHint("")
				}
				continue
			}
			if ok, hint := kurator.CheckQuantity(q.Value); !ok {
				return fmt.Sprintf("%s.%s.%s: %q is not a Kubernetes quantity", name, k, v.Content[j].Value, q.Value), hint
			}
		}
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
			if t.Unused {
				continue
			}
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

// placeholderRE matches the placeholders templates write where a parameter
// sets the field: set-by-the-<parameter>-parameter (also inside a URL).
var placeholderRE = regexp.MustCompile(`set-by-the-([A-Za-z][A-Za-z0-9_]*)-parameter`)

// TemplatePlaceholder returns the parameter whose placeholder s holds.
func TemplatePlaceholder(s string) (string, bool) {
	if !strings.Contains(s, "set-by-the-") {
		return "", false
	}
	m := placeholderRE.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// unsetValue removes what an unset (null) parameter writes: the field at
// each target, or the list element a target's last path segment selects.
// A target that writes part of a string cannot be removed.
func unsetValue(nodes []*yaml.RNode, p *Param, t Target) error {
	sel := t.Selector
	if sel.Options != nil && sel.Options.Delimiter != "" {
		return fmt.Errorf("null cannot remove part of a string (options.delimiter %q): set a value", sel.Options.Delimiter)
	}
	for _, n := range nodes {
		if !selects(sel, n) {
			continue
		}
		for _, fp := range sel.FieldPaths {
			segs := kyamlutils.SmarterPathSplitter(fp, ".")
			last := segs[len(segs)-1]
			parents := []*yaml.RNode{n}
			if len(segs) > 1 {
				m, err := n.Pipe(&yaml.PathMatcher{Path: segs[:len(segs)-1]})
				if err != nil || m == nil {
					continue
				}
				parents, _ = m.Elements()
			}
			for _, parent := range parents {
				removeChild(parent.YNode(), last)
			}
		}
	}
	return nil
}

// removeChild removes field key of a mapping, or the elements of a list
// that key selects (an index, [k=v] or *).
func removeChild(n *yaml.Node, key string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				n.Content = append(n.Content[:i:i], n.Content[i+2:]...)
				return
			}
		}
	case yaml.SequenceNode:
		if !isElementSelector(key) {
			return
		}
		var keep []*yaml.Node
		for i, el := range n.Content {
			if !elementMatches(el, i, key) {
				keep = append(keep, el)
			}
		}
		n.Content = keep
	}
}

func elementMatches(el *yaml.Node, i int, sel string) bool {
	if sel == "*" {
		return true
	}
	if idx, err := strconv.Atoi(sel); err == nil {
		return idx == i
	}
	k, v, _ := strings.Cut(strings.Trim(sel, "[]"), "=")
	if el.Kind != yaml.MappingNode {
		return false
	}
	for j := 0; j+1 < len(el.Content); j += 2 {
		if el.Content[j].Value == k {
			return el.Content[j+1].Value == v
		}
	}
	return false
}

// placeholderLeft reports a template placeholder that reached the output:
// no value was written over it.
func (r *render) placeholderLeft(res *resource, id *yaml.ResourceIdentifier, path, name string) {
	defer r.locatedAt(res, path) // the problem every case below adds
	var p *Param
	for _, q := range r.params {
		if q.Name == name {
			p = q
		}
	}
	switch {
	case p == nil:
		r.problems.Errorf(id, path, krm.Source{},
			fmt.Sprintf("declare parameter %q with a target on this field in the template, or write a real value there", name),
			"the field still holds the placeholder of parameter %q, which no template in the chain declares", name)
	case p.Value == nil:
		r.problems.Errorf(id, path, krm.Source{}, fmt.Sprintf("set it under spec.values, e.g. %s: %s", name, example(p)),
			"the field still holds the placeholder of parameter %q, which has no value (%s)", name, describe(p))
	default:
		r.problems.Errorf(id, path, krm.Source{},
			fmt.Sprintf("the targets of %q (declared by template %s) do not reach this field: fix their select and fieldPaths", name, p.Template),
			"the field still holds the placeholder of parameter %q: its value (%s) was written elsewhere", name, p.ValueFrom)
	}
}

// blamesBadValue reports whether the field at path was written by a
// parameter whose value already failed its format check: the value's
// error says it, the output checks need not say it again.
func (r *render) blamesBadValue(t *Trace, res *resource, path string) bool {
	o, ok := t.originOf(res, path)
	if !ok {
		return false
	}
	for _, p := range r.params {
		if p.badFormat && o.Param == p.Name {
			return true
		}
	}
	return false
}

// metadataSource is where the instance writes metadata.<field>, the
// source of a default taken from it: that field's line, or the
// instance's when it has no such field (the default namespace).
func metadataSource(inst *Template, field string) krm.Source {
	s := inst.at(inst.Node)
	if s.Line > 0 {
		if found, _, line := fieldpath.Keys("metadata", field).Reach(inst.Node.YNode()); found == 2 {
			s.Line = line
		}
	}
	return s
}
