package generators

import (
	"embed"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/schema"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// API group, version and kind of templates and instances.
const (
	APIVersion = "scenario.kurator.dev/v1alpha1"
	Kind       = "ScenarioTemplate"
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

//go:embed crd/*.yaml
var crdFS embed.FS

var (
	apiOnce   sync.Once
	apiSchema *schema.Type
)

func templateSchema() *schema.Type {
	apiOnce.Do(func() {
		set, err := schema.Load(crdFS, "crd/*.yaml")
		if err != nil {
			panic(fmt.Sprintf("generators: embedded CRD is broken: %v", err))
		}
		apiSchema = set.Lookup(APIVersion, Kind)
	})
	return apiSchema
}

// Template is a parsed ScenarioTemplate: a template or an instance.
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
	id := krm.IDOf(node)
	t := &Template{Node: node, Source: source, Lines: lines}
	loc := func(path string) krm.Source {
		if !lines {
			return krm.Source{File: source}
		}
		n, _ := node.Pipe(yaml.Lookup(pathParts(path)...))
		return t.at(n)
	}
	meta, err := node.GetMeta()
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
	spec := node.Field("spec")
	if spec == nil {
		return t, problems
	}
	s := spec.Value
	t.Description = scalar(s, "description")
	for _, e := range seq(s, "extends") {
		t.Extends = append(t.Extends, e.YNode().Value)
	}
	for i, p := range seq(s, "parameters") {
		param := &Parameter{
			Name:        scalar(p, "name"),
			Description: scalar(p, "description"),
			Type:        scalar(p, "type"),
			DefaultFrom: scalar(p, "defaultFrom"),
			Required:    scalar(p, "required") == "true",
			Format:      scalar(p, "format"),
			Merge:       scalar(p, "merge"),
			Template:    t.Name,
			Source:      t.at(p),
		}
		if f := p.Field("default"); f != nil && !yaml.IsMissingOrNull(f.Value) {
			param.Default = f.Value
		}
		param.Enum = seq(p, "enum")
		if f := p.Field("targets"); f != nil {
			if err := f.Value.YNode().Decode(&param.Targets); err != nil {
				problems.Errorf(id, fmt.Sprintf("spec.parameters.%d.targets", i), t.at(f.Value), "",
					"cannot decode targets: %v", err)
			}
			checkNamingTargets(&problems, id, t, f.Value, i, param)
		}
		problems = append(problems, parseForEach(t, p, i, param)...)
		t.Parameters = append(t.Parameters, param)
	}
	if f := s.Field("values"); f != nil && f.Value.YNode().Kind == yaml.MappingNode {
		t.Values = map[string]*yaml.RNode{}
		_ = f.Value.VisitFields(func(n *yaml.MapNode) error {
			t.Values[n.Key.YNode().Value] = n.Value
			t.ValueOrder = append(t.ValueOrder, n.Key.YNode().Value)
			return nil
		})
	}
	t.Resources = seq(s, "resources")
	t.Overlays = seq(s, "overlays")
	for i, e := range seq(s, "environments") {
		t.Environments = append(t.Environments, parseEnvironment(e, i))
	}
	if o := s.Field("output"); o != nil {
		t.Flux = scalar(o.Value, "flux")
		t.OutputPath = scalar(o.Value, "path")
		if msg := outputPathProblem(t.OutputPath); msg != "" {
			n, _ := o.Value.Pipe(yaml.Lookup("path"))
			problems.Errorf(id, "spec.output.path", t.at(n), "use a relative path inside the package, e.g. generated/"+orName(t.Name)+".yaml", "%s", msg)
		}
	}
	return t, problems
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
func checkNamingTargets(problems *krm.Problems, id *yaml.ResourceIdentifier, t *Template, targets *yaml.RNode, i int, param *Parameter) {
	for j, tg := range param.Targets {
		if tg == nil {
			continue
		}
		for k, fp := range tg.FieldPaths {
			if fp != "metadata.name" && fp != "metadata.namespace" {
				continue
			}
			var at *yaml.RNode
			if j < len(targets.YNode().Content) {
				at = yaml.NewRNode(targets.YNode().Content[j])
			}
			problems.Errorf(id, fmt.Sprintf("spec.parameters.%d.targets.%d.fieldPaths.%d", i, j, k), t.at(at),
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

func scalar(n *yaml.RNode, field string) string {
	f := n.Field(field)
	if f == nil || f.Value.YNode().Kind != yaml.ScalarNode || f.Value.YNode().Tag == yaml.NodeTagNull {
		return ""
	}
	return f.Value.YNode().Value
}

func seq(n *yaml.RNode, field string) []*yaml.RNode {
	f := n.Field(field)
	if f == nil || f.Value.YNode().Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.RNode, 0, len(f.Value.YNode().Content))
	for _, c := range f.Value.YNode().Content {
		out = append(out, yaml.NewRNode(c))
	}
	return out
}
