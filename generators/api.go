package generators

import (
	"embed"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/api/v1alpha1"
	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/schema"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// API group, version and kind of templates and instances (api/v1alpha1).
const (
	APIVersion = v1alpha1.GroupVersion
	Kind       = v1alpha1.ScenarioTemplateKind
)

// Annotations this generator reads and writes.
const (
	// AnnotationInstance marks generated resources with the instance
	// (namespace/name) that owns them.
	AnnotationInstance = krm.AnnotationInstance
	// AnnotationTemplates lists the template chain a resource came from.
	AnnotationTemplates = "scenario.kurator.dev/templates"
	// AnnotationOverlay marks a package item as an overlay: "true" for every
	// instance, or a comma-separated list of instance names.
	AnnotationOverlay = "scenario.kurator.dev/overlay"
	// AnnotationFluxSubstitute is Flux's per-resource substitution switch.
	AnnotationFluxSubstitute = "kustomize.toolkit.fluxcd.io/substitute"
)

// Problem codes (krm.Problem.Code) for the problems programs act on.
const (
	// CodeMissingValue: a required parameter has no value (the problem's
	// field is spec.values.<name>). `scenario-fn init` expects these while
	// the skeleton's placeholders are not filled in.
	CodeMissingValue = "missing-value"
)

// The function compiles the CRD's compact form (its schemas without
// descriptions, as JSON: several times cheaper to decode than the YAML,
// paid on every process start); crd/*.yaml stays the source.
//
//go:generate go run ../internal/compactcrd crd crd/compact *.yaml
//go:embed crd/compact/*.json
var crdFS embed.FS

var (
	apiOnce   sync.Once
	apiSchema *schema.Type
)

func templateSchema() *schema.Type {
	apiOnce.Do(func() {
		set, err := schema.Load(crdFS, "crd/compact/*.json")
		if err != nil {
			panic(fmt.Sprintf("generators: embedded CRD is broken: %v", err))
		}
		apiSchema = set.Lookup(APIVersion, Kind)
	})
	return apiSchema
}

// Template is a parsed ScenarioTemplate, a template or an instance: its
// decoded document (API) resolved into what a render reads.
type Template struct {
	Name      string
	Namespace string
	// Ref is how the template was named: its name, or the path it was read from.
	Ref string
	// Source is the file it was read from (a built-in is "catalog/<name>.yaml").
	Source string
	// Lines tells whether node line numbers refer to Source.
	Lines bool
	// Dir is the directory, relative to the function's root, that relative
	// extends paths of this template resolve against ("" for the root).
	Dir string

	Description string
	Extends     []string
	Parameters  []*Parameter
	Values      map[string]*yaml.RNode
	ValueOrder  []string
	Resources   []*yaml.RNode
	Overlays    []*yaml.RNode
	Flux        string
	OutputPath  string
	// Environments are the instance's environments (environments.go).
	Environments []*Environment

	Node *yaml.RNode
	// API is the decoded document (nil for the layers a render makes up).
	API *v1alpha1.ScenarioTemplate
}

// Parameter is one declared parameter.
type Parameter struct {
	Name        string
	Description string
	Type        string
	Default     *yaml.RNode
	DefaultFrom string
	Required    bool
	Enum        []*yaml.RNode
	Targets     []*types.TargetSelector
	// Format is what a string or object value must be: image (a
	// repository without tag or digest), quantity, or resources (container
	// requests and limits); "" for no check.
	Format string
	// Merge is how an object value combines with the default and the
	// values of earlier layers: "" (merge, the default) or "replace".
	Merge string
	// ForEach makes an array parameter generate a resource per element
	// (members.go).
	ForEach *ForEach
	// Template is the name of the declaring template; Source its location.
	Template string
	Source   krm.Source
}

// where names the template's file, or says it came from the input items.
func (t *Template) where() string {
	if t.Source != "" {
		return t.Source
	}
	return "another input item"
}

// at returns the location of node n inside the template.
func (t *Template) at(n *yaml.RNode) krm.Source {
	s := krm.Source{File: t.Source}
	if t.Lines && n != nil && n.YNode() != nil {
		s.Line = n.YNode().Line
	}
	return s
}

// ParseTemplate validates a ScenarioTemplate document strictly against the
// CRD and decodes it. source names the file (or built-in) for messages;
// lines says whether node line numbers refer to that file.
func ParseTemplate(node *yaml.RNode, source string, lines bool) (*Template, krm.Problems) {
	var problems krm.Problems
	meta, err := node.GetMeta()
	id := &yaml.ResourceIdentifier{TypeMeta: meta.TypeMeta, NameMeta: meta.NameMeta} // krm.IDOf, without reading the metadata twice
	t := &Template{Node: node, Source: source, Lines: lines}
	loc := func(path string) krm.Source {
		if !lines {
			return krm.Source{File: source}
		}
		n, _ := node.Pipe(yaml.Lookup(pathParts(path)...))
		return t.at(n)
	}
	if err != nil || meta.APIVersion != APIVersion || meta.Kind != Kind {
		problems.Errorf(id, "apiVersion", krm.Source{File: source}, "use apiVersion: "+APIVersion+" and kind: "+Kind,
			"not a ScenarioTemplate")
		return nil, problems
	}
	t.Name, t.Namespace, t.Ref = meta.Name, meta.Namespace, meta.Name
	if t.Name == "" {
		problems.Errorf(id, "metadata.name", loc("metadata"), "name the template (DNS-1123)", "required field is missing")
	}
	for _, fe := range templateSchema().Validate(node) {
		problems.Errorf(id, fe.Path, loc(fe.Path), templateHint(fe), "%s", fe.Message)
	}
	if problems.HasErrors() {
		return nil, problems
	}
	spec, err := v1alpha1.DecodeScenarioTemplateSpec(node.YNode())
	if err != nil {
		// The CRD accepted it: only what Go cannot hold (an index beyond
		// int64) gets here.
		problems.Errorf(id, "spec", krm.Source{File: source}, "", "cannot decode the template: %v", err)
		return nil, problems
	}
	t.API = &v1alpha1.ScenarioTemplate{APIVersion: meta.APIVersion, Kind: meta.Kind, Metadata: meta.ObjectMeta, Spec: *spec}
	s := &t.API.Spec
	// The nodes of the decoded lists locate the problems found in them.
	specNode := mapValue(node.YNode(), "spec")
	t.Description = s.Description
	t.Extends = s.Extends
	paramNodes := items(specNode, "parameters")
	for i := range s.Parameters {
		p := &s.Parameters[i]
		pn := nth(paramNodes, i)
		param := &Parameter{
			Name:        p.Name,
			Description: p.Description,
			Type:        p.Type,
			Default:     p.Default.RNode(),
			DefaultFrom: p.DefaultFrom,
			Required:    p.Required,
			Enum:        p.Enum.RNodes(),
			Targets:     targetSelectors(p.Targets),
			Format:      p.Format,
			Merge:       p.Merge,
			Template:    t.Name,
			Source:      t.at(yaml.NewRNode(pn)),
		}
		if p.Targets != nil {
			checkNamingTargets(&problems, id, t, mapValue(pn, "targets"), i, param)
		}
		if p.ForEach != nil {
			problems = append(problems, parseForEach(t, p.ForEach, mapValue(pn, "forEach"), i, param)...)
		}
		t.Parameters = append(t.Parameters, param)
	}
	t.Values, t.ValueOrder = valueMap(s.Values)
	t.Resources = s.Resources.RNodes()
	t.Overlays = s.Overlays.RNodes()
	envNodes := items(specNode, "environments")
	for i := range s.Environments {
		t.Environments = append(t.Environments, parseEnvironment(&s.Environments[i], nth(envNodes, i), i))
	}
	if o := s.Output; o != nil {
		t.Flux, t.OutputPath = o.Flux, o.Path
		if msg := outputPathProblem(t.OutputPath); msg != "" {
			at := mapValue(mapValue(specNode, "output"), "path")
			problems.Errorf(id, "spec.output.path", t.at(yaml.NewRNode(at)), "use a relative path inside the package, e.g. generated/"+orName(t.Name)+".yaml", "%s", msg)
		}
	}
	return t, problems
}

// items returns the elements of the sequence at field of the mapping n
// (the nodes a decoded list came from, for locations), or nil.
func items(n *yaml.Node, field string) []*yaml.Node {
	if l := mapValue(n, field); l != nil && l.Kind == yaml.SequenceNode {
		return l.Content
	}
	return nil
}

// nth returns nodes[i], or nil.
func nth(nodes []*yaml.Node, i int) *yaml.Node {
	if i < len(nodes) {
		return nodes[i]
	}
	return nil
}

// valueMap indexes a spec.values mapping by parameter name, and returns
// the names in the order written.
func valueMap(values v1alpha1.Raw) (map[string]*yaml.RNode, []string) {
	if values.Node == nil || values.Kind != yaml.MappingNode {
		return nil, nil
	}
	c := values.Content
	m := make(map[string]*yaml.RNode, len(c)/2)
	order := make([]string, 0, len(c)/2)
	for i := 0; i+1 < len(c); i += 2 {
		m[c[i].Value] = yaml.NewRNode(c[i+1])
		order = append(order, c[i].Value)
	}
	return m, order
}

// targetSelectors converts the API's targets to kustomize's, which the
// replacement filter takes.
func targetSelectors(ts []v1alpha1.Target) []*types.TargetSelector {
	if ts == nil {
		return nil
	}
	out := make([]*types.TargetSelector, len(ts))
	for i, t := range ts {
		out[i] = &types.TargetSelector{Select: selector(t.Select), FieldPaths: t.FieldPaths}
		if t.Reject != nil {
			out[i].Reject = make([]*types.Selector, len(t.Reject))
			for j := range t.Reject {
				out[i].Reject[j] = selector(&t.Reject[j])
			}
		}
		if o := t.Options; o != nil {
			out[i].Options = &types.FieldOptions{Delimiter: o.Delimiter, Index: o.Index, Create: o.Create}
		}
	}
	return out
}

func selector(s *v1alpha1.Selector) *types.Selector {
	if s == nil {
		return nil
	}
	return &types.Selector{
		ResId: resid.ResId{
			Gvk:       resid.Gvk{Group: s.Group, Version: s.Version, Kind: s.Kind},
			Name:      s.Name,
			Namespace: s.Namespace,
		},
		AnnotationSelector: s.AnnotationSelector,
		LabelSelector:      s.LabelSelector,
	}
}

func orName(n string) string {
	if n == "" {
		return "<instance>"
	}
	return n
}

// outputPathProblem says what is wrong with spec.output.path: kpt writes
// the generated resources there, so it must stay inside the package.
func outputPathProblem(p string) string {
	switch {
	case p == "":
		return ""
	case path.IsAbs(p) || strings.HasPrefix(p, `\`) || (len(p) > 1 && p[1] == ':'):
		return fmt.Sprintf("output path %q is absolute: kpt would write outside the package", p)
	}
	c := path.Clean(strings.ReplaceAll(p, `\`, "/"))
	if c == ".." || strings.HasPrefix(c, "../") {
		return fmt.Sprintf("output path %q leaves the package", p)
	}
	if c == "." {
		return fmt.Sprintf("output path %q is the package directory, not a file", p)
	}
	return ""
}

// checkNamingTargets refuses parameter targets on metadata.name and
// metadata.namespace: the naming rule sets both after the parameters, so
// the value would be lost without a word.
func checkNamingTargets(problems *krm.Problems, id *yaml.ResourceIdentifier, t *Template, targets *yaml.Node, i int, param *Parameter) {
	for j, tg := range param.Targets {
		if tg == nil {
			continue
		}
		for k, fp := range tg.FieldPaths {
			if fp != "metadata.name" && fp != "metadata.namespace" {
				continue
			}
			var at *yaml.RNode
			if targets != nil && j < len(targets.Content) {
				at = yaml.NewRNode(targets.Content[j])
			}
			problems.Errorf(id, fieldpath.Keys("spec", "parameters").Append(parameterSegment(param.Name, i), fieldpath.Key("targets"),
				fieldpath.Index(j), fieldpath.Key("fieldPaths"), fieldpath.Index(k)).String(), t.at(at),
				"generated names are <instance> or <instance>-<name> and the namespace is the instance's: rename the instance (or the template resource) instead",
				"parameter %q targets %s, which the naming rule sets after the parameters: the value would be lost", param.Name, fp)
		}
	}
}

func templateHint(fe schema.FieldError) string {
	switch {
	case fe.Code == schema.UnknownField:
		if strings.HasPrefix(fe.Path, "spec.environments.") {
			return "an environment has name, extends, values, resources and overlays; check spelling and indentation"
		}
		return "ScenarioTemplate spec has description, extends, parameters, values, resources, overlays, environments and output; check spelling and indentation"
	case fe.Path == "spec.parameters" || len(fe.Path) > 15 && fe.Path[:15] == "spec.parameters":
		return "a parameter has name, description, type (string|integer|boolean|object|array), format (image|quantity|resources), merge (merge|replace), default, defaultFrom, required, enum and targets"
	}
	return ""
}
