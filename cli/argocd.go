package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/internal/credentials"
	"github.com/kurator-scenario/scenario-fn/internal/suggest"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const argocdLong = `The three commands of the Argo CD Config Management Plugin
(examples/argocd/plugin.yaml). Argo CD's cmp-server runs them in the
Application's source directory of its copy of the repository, with stdin
empty; none of them writes anything there.

  discover    prints the files holding a ScenarioTemplate instance, one per
              line; prints nothing (and exits 0) when there is none, so the
              plugin does not claim the Application (run from the repository
              root, as Argo CD v2.6.0 to v2.7 did, it reads the directory
              named by ARGOCD_APP_SOURCE_PATH)
  generate    renders every instance under the directory, like
              'scenario-fn render .', and prints only the manifests; problems
              go to stderr and fail the sync (exit 1); no instance is an error,
              never an empty output that a pruning sync would apply
  parameters  prints the parameter announcements (JSON) that the Argo CD UI
              shows: each template parameter with its description and the
              value the render uses

What Argo CD passes in:
  ARGOCD_APP_NAME          metadata.name of an instance that has none (of
                           NAMESPACE_NAME, for Applications outside Argo CD's
                           namespace, the NAME)
  ARGOCD_APP_NAMESPACE     metadata.namespace of an instance that has none
                           (else the output would go to "default")
  ARGOCD_ENV_<P>           spec.source.plugin.env entry P: the value of
                           template parameter P, overriding spec.values
  ARGOCD_APP_PARAMETERS    spec.source.plugin.parameters (JSON), applied last:
                           {name: P, string: ...} for string, integer and
                           boolean parameters (and objects or arrays as JSON),
                           {name: P, array: [...]}, {name: P, map: {...}}

P names a parameter of every instance that declares it, or INSTANCE/P one
instance's only (applied after P of the same channel, so it wins). Names no instance declares are errors. With several
instances the announcements use INSTANCE/P. ${VAR} text is kept as it is:
Argo CD does no substitution, and for the same reason spec.output.flux is
taken as none (an instance also rendered for Flux may say escape).`

const argocdExamples = `  scenario-fn argocd discover        # in the Application's directory, e.g. examples/argocd/app
  ARGOCD_APP_NAMESPACE=shop ARGOCD_ENV_tag=v1.4.3 scenario-fn argocd generate
  scenario-fn argocd parameters`

// Environment variables Argo CD's repo-server sends to a plugin.
const (
	envAppName       = "ARGOCD_APP_NAME"
	envAppNamespace  = "ARGOCD_APP_NAMESPACE"
	envAppParameters = "ARGOCD_APP_PARAMETERS"
	envPluginPrefix  = "ARGOCD_ENV_"
	envAppSourcePath = "ARGOCD_APP_SOURCE_PATH"
)

// discoverDir is the Application's source directory for discover: the
// working directory, as Argo CD v2.6.15, v2.8 and later run the command,
// unless that is the repository root (v2.6.0 to v2.7 ran it there) and
// ARGOCD_APP_SOURCE_PATH, the Application's spec.source.path, names a
// directory below it. Scanning the root would claim every Application of
// a repository that holds an instance anywhere.
func discoverDir(sourcePath string) string {
	clean := filepath.ToSlash(filepath.Clean(sourcePath))
	if sourcePath == "" || clean == "." || strings.HasPrefix(clean, "../") || filepath.IsAbs(sourcePath) {
		return "."
	}
	if wd, err := os.Getwd(); err == nil && strings.HasSuffix(filepath.ToSlash(wd), "/"+clean) {
		return "."
	}
	if info, err := os.Stat(filepath.FromSlash(clean)); err == nil && info.IsDir() {
		return filepath.FromSlash(clean)
	}
	return "."
}

// newArgoCDCommand is `scenario-fn argocd discover|generate|parameters`.
func newArgoCDCommand(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "argocd discover|generate|parameters",
		Short:   "The Argo CD Config Management Plugin (examples/argocd)",
		Long:    argocdLong,
		Example: argocdExamples,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("argocd needs a command: discover, generate or parameters")
			}
			return usageErrorf("unknown argocd command %q: use discover, generate or parameters", args[0])
		},
		RunE: func(*cobra.Command, []string) error { return nil },
	}
	sub := func(name, short string, run func() int) *cobra.Command {
		return &cobra.Command{
			Use:               name,
			Short:             short,
			Long:              short + ".\n\n" + argocdLong,
			Example:           argocdExamples,
			ValidArgsFunction: noFileCompletion,
			Args: func(_ *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usageErrorf("argocd %s takes no arguments (it reads the current directory and Argo CD's environment)", name)
				}
				return nil
			},
			RunE: func(*cobra.Command, []string) error { return done(run()) },
		}
	}
	cmd.AddCommand(
		sub("discover", "Print the files holding an instance (the plugin's discover command)", func() int { return argocdDiscover(stdio) }),
		sub("generate", "Render every instance for Argo CD (the plugin's generate command)", func() int { return argocdGenerate(stdio, os.Environ()) }),
		sub("parameters", "Announce the template parameters (the plugin's dynamic parameters command)", func() int { return argocdParameters(stdio, os.Environ()) }),
	)
	return cmd
}

// argocdDiscover prints the files that hold an instance. Problems are not
// failures here: a directory that is not ours must simply not match.
func argocdDiscover(stdio IO) int {
	p, problems, err := loadPackage(discoverDir(os.Getenv(envAppSourcePath)))
	if err != nil {
		fmt.Fprintf(stdio.Err, "scenario-fn argocd discover: %v\n", err)
		return exitOK
	}
	seen := map[string]bool{}
	for _, d := range p.Instances {
		if !seen[d.File] {
			seen[d.File] = true
			fmt.Fprintln(stdio.Out, d.File)
		}
	}
	if len(seen) == 0 && problems.HasErrors() {
		fmt.Fprintln(stdio.Err, "scenario-fn argocd discover: no instance found; files that could not be read:")
		printProblems(stdio.Err, problems)
	}
	return exitOK
}

// argoEnv is what Argo CD passed in.
type argoEnv struct {
	appName, appNamespace string
	// overrides are the plugin env entries, then the parameters, in the
	// order they are applied.
	overrides []override
}

// override is one value Argo CD sets.
type override struct {
	// name is P or INSTANCE/P.
	name string
	// from says where it came from, for messages.
	from string
	// str, array or dict is the value (array and dict non-nil when given).
	str   *string
	array *[]string
	dict  *map[string]string
	// params only: the override is a parameter of the Application, which
	// parameter announcements do not include.
	param bool
}

func (o override) qualified() bool { return strings.Contains(o.name, "/") }

// appParameter is one element of ARGOCD_APP_PARAMETERS, as Argo CD
// marshals an ApplicationSourcePluginParameter.
type appParameter struct {
	Name   string             `json:"name"`
	String *string            `json:"string"`
	Array  *[]string          `json:"array"`
	Map    *map[string]string `json:"map"`
}

func readArgoEnv(environ []string) (*argoEnv, error) {
	e := &argoEnv{}
	var plugin []override
	var params string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == envAppName:
			// An Application outside Argo CD's own namespace is named
			// <namespace>_<name> (Application.InstanceName); '_' is in no
			// Kubernetes name.
			e.appName = v[strings.LastIndexByte(v, '_')+1:]
		case k == envAppNamespace:
			e.appNamespace = v
		case k == envAppParameters:
			params = v
		case strings.HasPrefix(k, envPluginPrefix) && len(k) > len(envPluginPrefix):
			v := v
			name := k[len(envPluginPrefix):]
			plugin = append(plugin, override{name: name, from: "spec.source.plugin.env " + name + " (" + k + ")", str: &v})
		}
	}
	// The environment's order is Argo CD's; sort so that the result does not
	// depend on it (names are unique: they are environment keys), P before
	// INSTANCE/P, so that the more specific entry wins.
	sort.Slice(plugin, func(i, j int) bool {
		if qi, qj := plugin[i].qualified(), plugin[j].qualified(); qi != qj {
			return qj
		}
		return plugin[i].name < plugin[j].name
	})
	e.overrides = plugin
	if strings.TrimSpace(params) != "" {
		var list []appParameter
		if err := json.Unmarshal([]byte(params), &list); err != nil {
			return nil, fmt.Errorf("%s is not Argo CD's parameter list: %v", envAppParameters, err)
		}
		var ps []override
		for _, p := range list {
			ps = append(ps, override{name: p.Name, from: "spec.source.plugin.parameters " + p.Name,
				str: p.String, array: p.Array, dict: p.Map, param: true})
		}
		// In the Application's order, P before INSTANCE/P.
		sort.SliceStable(ps, func(i, j int) bool { return !ps[i].qualified() && ps[j].qualified() })
		e.overrides = append(e.overrides, ps...)
	}
	return e, nil
}

// argoApp is the Application's source directory, its instances adjusted to
// what Argo CD passed in.
type argoApp struct {
	pkg       *pkg
	root      *os.Root
	instances []argoInstance
}

type argoInstance struct {
	doc    document
	name   string
	params []*generators.Param // the chain's, without values
	// set says which override set a parameter's value.
	set map[string]string
	// nsUnknown: the instance has no namespace and Argo CD sent none (it
	// does not for parameter announcements), so values derived from the
	// namespace are not known yet.
	nsUnknown bool
}

// loadArgoApp reads the current directory and applies Argo CD's name,
// namespace and overrides (the parameters too, unless withParams is
// false) to copies of the instances.
func loadArgoApp(env *argoEnv, withParams bool) (*argoApp, krm.Problems, error) {
	p, problems, err := loadPackage(".")
	if err != nil {
		return nil, nil, err
	}
	if problems.HasErrors() {
		return nil, problems, nil
	}
	if len(p.Instances) == 0 {
		return nil, nil, fmt.Errorf("no instance to render in the Application's source directory: no ScenarioTemplate annotated " +
			"config.kubernetes.io/function (fix: point spec.source.path at the directory that holds the instances)")
	}
	root, err := os.OpenRoot(p.Root)
	if err != nil {
		return nil, nil, err
	}
	resolver := &generators.Resolver{Root: root}
	problems = append(problems, addTemplates(resolver, p)...)
	if problems.HasErrors() {
		root.Close()
		return nil, problems, nil
	}
	app := &argoApp{pkg: p, root: root}
	for _, d := range p.Instances {
		n := d.Node.Copy()
		m, _ := n.GetMeta()
		if m.Name == "" && env.appName != "" {
			_ = n.PipeE(yaml.SetK8sName(env.appName))
		}
		if m.Namespace == "" && env.appNamespace != "" {
			_ = n.PipeE(yaml.SetK8sNamespace(env.appNamespace))
		}
		m, _ = n.GetMeta()
		inst, ps := generators.ParseTemplate(n, d.File, true)
		problems = append(problems, ps...)
		if inst == nil {
			continue
		}
		res, ps := resolver.Resolve(inst)
		problems = append(problems, ps...)
		if res == nil {
			continue
		}
		app.instances = append(app.instances, argoInstance{doc: document{File: d.File, Node: n}, name: m.Name, params: res.Params,
			set: map[string]string{}, nsUnknown: m.Namespace == ""})
	}
	if problems.HasErrors() {
		root.Close()
		return nil, problems, nil
	}
	for _, o := range env.overrides {
		if o.param && !withParams {
			continue
		}
		problems = append(problems, app.apply(o)...)
	}
	if problems.HasErrors() {
		root.Close()
		return nil, problems, nil
	}
	return app, problems, nil
}

// apply writes an override into spec.values of the instances it names.
func (a *argoApp) apply(o override) krm.Problems {
	var problems krm.Problems
	instName, param, qualified := strings.Cut(o.name, "/")
	if !qualified {
		instName, param = "", o.name
	}
	fail := func(hint, format string, args ...any) krm.Problems {
		problems.Errorf(nil, "", krm.Source{}, hint, "%s: "+format, append([]any{o.from}, args...)...)
		return problems
	}
	var names, declared []string
	matched := false
	for _, inst := range a.instances {
		names = append(names, inst.name)
		if qualified && inst.name != instName {
			continue
		}
		var p *generators.Param
		for _, q := range inst.params {
			declared = append(declared, q.Name)
			if q.Name == param {
				p = q
			}
		}
		if p == nil {
			continue
		}
		matched = true
		v, err := argoValue(p, o)
		if err != nil {
			return fail("", "%v", err)
		}
		values, err := inst.doc.Node.Pipe(yaml.LookupCreate(yaml.MappingNode, "spec", "values"))
		if err != nil {
			return fail("", "instance %s has no spec.values mapping: %v", inst.name, err)
		}
		if err := values.PipeE(yaml.SetField(param, v)); err != nil {
			return fail("", "%v", err)
		}
		inst.set[param] = o.from
	}
	if matched {
		return nil
	}
	if qualified && !contains(names, instName) {
		return fail("instances: "+strings.Join(names, ", "), "no instance %q in the Application's source directory", instName)
	}
	declared = uniqueSorted(declared)
	hint := "the instances' templates declare: " + strings.Join(declared, ", ")
	if best := generators.Suggest(param, declared); best != "" {
		hint = fmt.Sprintf("did you mean %q? ", best) + hint
	}
	return fail(hint, "unknown parameter %q: no template of %s declares it", param, orAll(qualified, instName))
}

func orAll(qualified bool, name string) string {
	if qualified {
		return "instance " + name
	}
	return "any instance"
}

func uniqueSorted(list []string) []string {
	sort.Strings(list)
	out := list[:0]
	for i, s := range list {
		if i == 0 || s != list[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// argoValue turns what Argo CD sent (always text) into a value of the
// parameter's type. ${VAR} text stays text.
func argoValue(p *generators.Param, o override) (*yaml.RNode, error) {
	switch {
	case o.array != nil:
		if p.Type != "array" {
			return nil, fmt.Errorf("parameter %q is %s %s, but an array was given (fix: give it as a string)", p.Name, suggest.Article(p.Type), p.Type)
		}
		seq := yaml.NewListRNode()
		for _, s := range *o.array {
			seq.YNode().Content = append(seq.YNode().Content, yaml.NewStringRNode(s).YNode())
		}
		return seq, nil
	case o.dict != nil:
		if p.Type != "object" {
			return nil, fmt.Errorf("parameter %q is %s %s, but a map was given (fix: give it as a string)", p.Name, suggest.Article(p.Type), p.Type)
		}
		m := yaml.NewMapRNode(nil)
		keys := make([]string, 0, len(*o.dict))
		for k := range *o.dict {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			_ = m.PipeE(yaml.SetField(k, yaml.NewStringRNode((*o.dict)[k])))
		}
		return m, nil
	case o.str == nil:
		return nil, fmt.Errorf("parameter %q: no value (give string, array or map)", p.Name)
	}
	s := *o.str
	wrong := func(example string) error {
		return fmt.Errorf("parameter %q is %s %s, but %q is not (fix: e.g. %s)", p.Name, suggest.Article(p.Type), p.Type, s, example)
	}
	switch p.Type {
	case "integer":
		if generators.IsPlaceholder(s) {
			return yaml.NewStringRNode(s), nil
		}
		if _, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err != nil {
			return nil, wrong("3")
		}
		return yaml.NewRNode(&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strings.TrimSpace(s)}), nil
	case "boolean":
		if generators.IsPlaceholder(s) {
			return yaml.NewStringRNode(s), nil
		}
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, wrong("true")
		}
		return yaml.NewRNode(&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: strconv.FormatBool(b)}), nil
	case "object", "array":
		n, err := yaml.Parse(s)
		want := yaml.MappingNode
		example := `{"key": "value"}`
		if p.Type == "array" {
			want, example = yaml.SequenceNode, `["a", "b"]`
		}
		if err != nil || n.YNode().Kind != want {
			return nil, wrong(example + " (JSON or YAML)")
		}
		plainStyle(n.YNode())
		return n, nil
	}
	return yaml.NewStringRNode(s), nil
}

// plainStyle drops flow style, JSON's quotes and positions, so that a value
// given as JSON is written like one from a YAML file. The resolved tag is
// kept, so a string that reads as a number is still quoted on output.
func plainStyle(n *yaml.Node) {
	n.Tag = n.ShortTag()
	n.Style &^= yaml.FlowStyle | yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle
	n.Line, n.Column = 0, 0
	for _, c := range n.Content {
		plainStyle(c)
	}
}

// argocdGenerate renders every instance and prints the manifests only.
func argocdGenerate(stdio IO, environ []string) int {
	env, err := readArgoEnv(environ)
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	app, problems, err := loadArgoApp(env, true)
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	if app != nil {
		defer app.root.Close()
	}
	var docs [][]document
	if app != nil {
		docs = append(docs, app.pkg.Others)
		for _, inst := range app.instances {
			docs = append(docs, []document{inst.doc})
		}
	}
	mask := docsMasker(docs...)
	if problems.HasErrors() {
		printProblems(stdio.Err, fn.MaskProblems(mask, problems))
		return exitError
	}
	var out []*yaml.RNode
	seen := map[string]string{}
	for _, inst := range app.instances {
		id := instanceID(inst.doc.Node)
		if prev, dup := seen[id]; dup {
			problems.Errorf(krm.IDOf(inst.doc.Node), "metadata.name", krm.Source{File: inst.doc.File},
				"rename one of them", "instance %s is defined twice (also in %s)", id, prev)
			continue
		}
		seen[id] = inst.doc.File
		// Argo CD does no substitution: text meant for Flux's (spec.output.flux
		// escape writes $$ for $) would reach the cluster as written.
		nodes, ps := renderInstance(app.root, inst.doc, app.pkg.Others, generators.FluxNone)
		problems = append(problems, ps...)
		out = append(out, nodes...)
	}
	printProblems(stdio.Err, fn.MaskProblems(mask, problems))
	if problems.HasErrors() {
		return exitError
	}
	if len(out) == 0 {
		return errorf(stdio, "the instances generated no resources: refusing to print an empty output (a pruning sync would delete everything)")
	}
	if err := writeYAML(stdio.Out, out); err != nil {
		return errorf(stdio, "writing the output: %v", err)
	}
	return exitOK
}

// announcement is a parameter announcement as Argo CD reads it (the JSON
// of its ParameterAnnouncement).
type announcement struct {
	Name           string            `json:"name"`
	Title          string            `json:"title,omitempty"`
	Tooltip        string            `json:"tooltip,omitempty"`
	Required       bool              `json:"required,omitempty"`
	ItemType       string            `json:"itemType,omitempty"`
	CollectionType string            `json:"collectionType,omitempty"`
	String         *string           `json:"string,omitempty"`
	Array          []string          `json:"array,omitempty"`
	Map            map[string]string `json:"map,omitempty"`
}

// argocdParameters announces the parameters of every instance with the
// values a render uses without Application parameters (plugin env
// entries included, since they apply whatever the UI shows).
func argocdParameters(stdio IO, environ []string) int {
	env, err := readArgoEnv(environ)
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	app, problems, err := loadArgoApp(env, false)
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	if problems.HasErrors() {
		printProblems(stdio.Err, problems)
		return exitError
	}
	defer app.root.Close()
	docs := [][]document{app.pkg.Others}
	for _, inst := range app.instances {
		docs = append(docs, []document{inst.doc})
	}
	mask := docsMasker(docs...)
	resolver := &generators.Resolver{Root: app.root}
	_ = addTemplates(resolver, app.pkg)
	list := []announcement{}
	for _, inst := range app.instances {
		values := effectiveValues(resolver, inst, app.pkg.Others)
		prefix := ""
		if len(app.instances) > 1 {
			prefix = inst.name + "/"
		}
		for _, p := range inst.params {
			list = append(list, announce(prefix, p, values[p.Name], inst, mask))
		}
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	fmt.Fprintln(stdio.Out, string(b))
	return exitOK
}

type paramValue struct {
	node *yaml.RNode
	from string
}

// effectiveValues are the values a render of the instance uses: from the
// render itself when it succeeds, else (a required value is missing, say)
// the instance's or the nearest template's value, or the default.
func effectiveValues(r *generators.Resolver, inst argoInstance, others []document) map[string]paramValue {
	out := map[string]paramValue{}
	t, _ := generators.ParseTemplate(inst.doc.Node, inst.doc.File, false)
	if t == nil {
		return out
	}
	var overlays []generators.Overlay
	for _, o := range others {
		if generators.OverlayAppliesTo(o.Node, t.Name) {
			overlays = append(overlays, generators.Overlay{Node: o.Node, Layer: "overlay " + o.File, Source: krm.Source{File: o.File}})
		}
	}
	if res, ps := r.Render(t, overlays, false); res != nil && !ps.HasErrors() {
		for _, p := range res.Params {
			if p.Value != nil {
				out[p.Name] = paramValue{p.Value, p.ValueFrom}
			}
		}
		return out
	}
	for _, p := range inst.params {
		if p.Default != nil {
			out[p.Name] = paramValue{p.Default, "default in template " + p.Template}
		}
	}
	if res, _ := r.Resolve(t); res != nil {
		for _, l := range append(res.Chain, t) {
			for name, v := range l.Values {
				out[name] = paramValue{v, "value in " + l.Name}
			}
		}
	}
	return out
}

// announce describes one parameter for the Argo CD UI.
func announce(prefix string, p *generators.Param, v paramValue, inst argoInstance, mask *credentials.Masker) announcement {
	a := announcement{Name: prefix + p.Name, Title: p.Description, ItemType: "string", CollectionType: "string"}
	if a.Title == "" {
		a.Title = p.Name
	}
	tip := []string{fmt.Sprintf("%s parameter of template %s (instance %s, %s)", p.Type, p.Template, inst.name, inst.doc.File)}
	switch p.Type {
	case "integer":
		a.ItemType = "number"
	case "boolean":
		a.ItemType = "boolean"
	}
	if len(p.Enum) > 0 {
		var allowed []string
		for _, e := range p.Enum {
			allowed = append(allowed, e.YNode().Value)
		}
		tip = append(tip, "one of: "+strings.Join(allowed, ", "))
	}
	if from, ok := inst.set[p.Name]; ok {
		v.from = from
	}
	switch {
	case inst.nsUnknown && v.from == "instance metadata.namespace":
		tip = append(tip, "value: the Application's destination namespace")
	case v.node == nil:
		a.Required = p.Required
		if p.Required {
			tip = append(tip, "required: no value yet")
		} else {
			tip = append(tip, "no value: the field stays as the templates write it")
		}
	case sensitive(p, v.node, mask):
		tip = append(tip, "value set ("+v.from+"), not shown: it is a credential")
	default:
		tip = append(tip, "value from "+strings.TrimPrefix(v.from, "value in "))
		if asJSON := setAnnouncedValue(&a, p, v.node); asJSON {
			tip = append(tip, "given as JSON")
		}
	}
	a.Tooltip = strings.Join(tip, "; ")
	return a
}

// sensitive tells a credential: a parameter named like one, or a value
// that ends up in a Secret or a credential field.
func sensitive(p *generators.Param, v *yaml.RNode, mask *credentials.Masker) bool {
	if credentials.IsKey(p.Name) {
		return true
	}
	s, err := v.String()
	if err != nil {
		return true
	}
	s = strings.TrimSpace(s)
	return mask.String(s) != s
}

// setAnnouncedValue writes the value in the announcement's collection:
// scalars as string, arrays of strings as array, objects of strings as map,
// anything else as JSON text (which generate reads back); it tells
// whether it wrote JSON.
func setAnnouncedValue(a *announcement, p *generators.Param, n *yaml.RNode) bool {
	y := n.YNode()
	switch {
	case y.Kind == yaml.ScalarNode:
		s := y.Value
		a.String = &s
		return false
	case p.Type == "array" && y.Kind == yaml.SequenceNode && allStrings(y.Content):
		a.CollectionType = "array"
		a.Array = []string{}
		for _, c := range y.Content {
			a.Array = append(a.Array, c.Value)
		}
		return false
	case p.Type == "object" && y.Kind == yaml.MappingNode && allStrings(y.Content):
		a.CollectionType = "map"
		a.Map = map[string]string{}
		for i := 0; i+1 < len(y.Content); i += 2 {
			a.Map[y.Content[i].Value] = y.Content[i+1].Value
		}
		return false
	}
	b, err := n.MarshalJSON()
	if err != nil {
		return false
	}
	s := string(b)
	a.String = &s
	return true
}

// allStrings tells whether an array's items or an object's keys and values
// are all strings: Argo CD's arrays and maps hold strings only, so a number
// or a boolean would come back from the UI as a string; such values are
// announced as JSON instead.
func allStrings(nodes []*yaml.Node) bool {
	for _, n := range nodes {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != yaml.NodeTagString {
			return false
		}
	}
	return true
}
