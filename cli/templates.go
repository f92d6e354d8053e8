package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const templatesLong = `Browses the built-in templates, and with --dir the local templates found in DIR
(ScenarioTemplates that are not instances, i.e. carry no
config.kubernetes.io/function annotation).

list (the default) prints every template: name, the templates it extends, how
many parameters its whole chain declares, and its description.

show prints one template fully resolved: description, the chain it extends,
every parameter of the chain (name, type, default, whether it is required,
description), and the resources the chain contributes before any values are
applied. NAME is a template name, or with --dir a path relative to DIR.

graph prints the inheritance graph (Mermaid or DOT); docs writes an HTML
catalog of the templates.`

const templatesExamples = `  scenario-fn templates
  scenario-fn templates show canary-service
  scenario-fn templates list --dir platform/ -o json
  scenario-fn templates show team-service --dir platform/
  scenario-fn templates graph --format dot | dot -Tsvg > templates.svg
  scenario-fn templates docs --dir platform/ --out site/`

func newTemplatesCommand(stdio IO) *cobra.Command {
	var dir, output string
	cmd := &cobra.Command{
		Use:     "templates [list|show NAME|graph|docs]",
		Short:   "Browse built-in and local templates, their chains and parameters",
		Long:    templatesLong,
		Example: templatesExamples,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown templates subcommand %q: use list, show, graph or docs", args[0])
			}
			return nil
		},
		ValidArgsFunction: noFileCompletion,
	}
	cmd.PersistentFlags().StringVar(&dir, "dir", "", "also read local templates from `DIR`")
	_ = cmd.MarkPersistentFlagDirname("dir")
	outputFlag(cmd, &output)
	list := func(*cobra.Command, []string) error {
		r, code := templateResolver(stdio, dir)
		if r == nil {
			return done(code)
		}
		defer closeResolver(r)
		return done(listTemplates(stdio, r, dir, output))
	}
	cmd.RunE = dataCommand(&output, list)

	var listOutput string
	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List the templates (the default)",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("templates list takes no arguments, got %q", strings.Join(args, " "))
			}
			return nil
		},
		ValidArgsFunction: noFileCompletion,
	}
	outputFlag(listCmd, &listOutput)
	listCmd.RunE = dataCommand(&listOutput, func(c *cobra.Command, args []string) error {
		output = listOutput
		return list(c, args)
	})

	var showOutput string
	showCmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one template resolved: chain, parameters, resources",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("templates show needs one template NAME (see scenario-fn templates list)")
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			// The built-in templates, and with --dir the local ones.
			r, _ := templateResolver(IO{Out: io.Discard, Err: io.Discard}, dir)
			if r == nil {
				return generators.CatalogNames(), cobra.ShellCompDirectiveNoFileComp
			}
			defer closeResolver(r)
			var names []string
			for _, t := range catalogTemplates(r) {
				names = append(names, t.Name)
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
	outputFlag(showCmd, &showOutput)
	showCmd.RunE = dataCommand(&showOutput, func(_ *cobra.Command, args []string) error {
		r, code := templateResolver(stdio, dir)
		if r == nil {
			return done(code)
		}
		defer closeResolver(r)
		return done(showTemplate(stdio, r, args[0], dir, showOutput))
	})
	cmd.AddCommand(listCmd, showCmd, newGraphCommand(stdio, &dir), newDocsCommand(stdio, &dir))
	return cmd
}

// templateResolver returns a resolver of the built-in templates and, with
// dir, the local ones; nil and the exit code after reporting a problem.
func templateResolver(stdio IO, dir string) (*generators.Resolver, int) {
	resolver := &generators.Resolver{Package: map[string]*generators.Template{}}
	if dir == "" {
		return resolver, exitOK
	}
	ps, err := loadLocalTemplates(resolver, dir)
	if err != nil {
		return nil, errorf(stdio, "%v", err)
	}
	if problems := underDir(ps, dir); problems.HasErrors() {
		closeResolver(resolver)
		printProblems(stdio.Err, problems)
		return nil, exitError
	}
	return resolver, exitOK
}

func closeResolver(r *generators.Resolver) {
	if r.Root != nil {
		_ = r.Root.Close()
	}
}

// loadLocalTemplates adds the templates of dir to the resolver's package
// and opens dir as its root, so that path references resolve too.
func loadLocalTemplates(r *generators.Resolver, dir string) (krm.Problems, error) {
	p, problems, err := loadPackage(dir)
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		return nil, fmt.Errorf("--dir %s: not a directory", dir)
	}
	r.Root, err = os.OpenRoot(p.Root)
	if err != nil {
		return nil, err
	}
	problems = append(problems, addTemplates(r, p)...)
	return problems, nil
}

// underDir rewrites the files problems name, relative to the --dir root,
// as paths relative to the working directory. Built-ins are left alone.
func underDir(problems krm.Problems, dir string) krm.Problems {
	out := make(krm.Problems, len(problems))
	for i, p := range problems {
		p.Source.File = displayPath(p.Source.File, dir)
		out[i] = p
	}
	return out
}

// displayPath names a file relative to the --dir root as a path relative
// to the working directory, when it is one.
func displayPath(file, dir string) string {
	if dir == "" || file == "" {
		return file
	}
	if info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(file))); err != nil || info.IsDir() {
		return file
	}
	return filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(file)))
}

func listTemplates(stdio IO, r *generators.Resolver, dir, output string) int {
	local := dir != ""
	var infos []templateInfo
	var problems krm.Problems
	for _, t := range catalogTemplates(r) {
		info, ps := describeTemplate(r, t, dir, false)
		problems = append(problems, ps...)
		infos = append(infos, info)
	}
	if output != "" {
		if err := writeData(stdio.Out, output, infos); err != nil {
			return errorf(stdio, "%v", err)
		}
	} else {
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		header := "NAME\tEXTENDS\tPARAMETERS\tDESCRIPTION"
		if local {
			header = "NAME\tEXTENDS\tPARAMETERS\tSOURCE\tDESCRIPTION"
		}
		fmt.Fprintln(tw, header)
		for _, info := range infos {
			count := "?"
			if info.resolved != nil {
				count = fmt.Sprint(len(info.Parameters))
			}
			extends := strings.Join(info.Extends, ",")
			if extends == "" {
				extends = "-"
			}
			desc := info.Description
			if info.Abstract {
				desc = "(abstract) " + desc
			}
			source := info.Source
			if info.BuiltIn {
				source = "built-in"
			}
			if local {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", info.Name, extends, count, source, desc)
			} else {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", info.Name, extends, count, desc)
			}
		}
		_ = tw.Flush()
	}
	if len(problems) > 0 {
		printProblems(stdio.Err, underDir(problems, dir))
		if problems.HasErrors() {
			return exitError
		}
	}
	return exitOK
}

func isAbstract(t *generators.Template) bool {
	return t.Node != nil && t.Node.GetAnnotations()[generators.AnnotationAbstract] == "true"
}

func showTemplate(stdio IO, r *generators.Resolver, name, dir, output string) int {
	t, err := r.Lookup(name)
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	info, problems := describeTemplate(r, t, dir, true)
	printProblems(stdio.Err, underDir(problems, dir))
	if problems.HasErrors() {
		return exitError
	}
	if output != "" {
		if err := writeData(stdio.Out, output, info); err != nil {
			return errorf(stdio, "%v", err)
		}
		return exitOK
	}
	res := info.resolved
	pal := paletteFor(stdio.Out)
	w := stdio.Out
	source := displayPath(t.Source, dir)
	if _, builtin := generators.Catalog()[t.Name]; builtin && generators.Catalog()[t.Name] == t {
		source = "built-in, " + source
	}
	fmt.Fprintf(w, "%s %s (%s)\n", pal.bold("Template:"), t.Name, source)
	if t.Description != "" {
		fmt.Fprintf(w, "%s %s\n", pal.bold("Description:"), t.Description)
	}
	chain := make([]string, 0, len(res.Chain)+1)
	for _, c := range res.Chain {
		chain = append(chain, c.Ref)
	}
	chain = append(chain, t.Name)
	fmt.Fprintf(w, "%s %s\n", pal.bold("Chain:"), strings.Join(chain, " -> "))
	if isAbstract(t) {
		fmt.Fprintf(w, "%s yes: instances cannot extend it directly; extend a template built on it\n", pal.bold("Abstract:"))
	}
	fmt.Fprintf(w, "\n%s\n", pal.bold("Parameters:"))
	writeParamTable(w, res.Params)

	fmt.Fprintf(w, "\n%s\n", pal.bold("Resources (the resolved chain, before values):"))
	shown := make([]*yaml.RNode, 0, len(res.Resources))
	for _, n := range res.Resources {
		shown = append(shown, withNamePlaceholders(n))
	}
	if err := writeYAML(w, shown); err != nil {
		return errorf(stdio, "%v", err)
	}
	if isAbstract(t) {
		fmt.Fprintf(w, "\nCreate an instance of a template that extends %s (scenario-fn templates list).\n", t.Name)
	} else if generators.Catalog()[t.Name] == t {
		fmt.Fprintf(w, "\nCreate an instance: scenario-fn init NAME --template %s%s\n", t.Name, requiredSets(res.Params))
	} else {
		fmt.Fprintf(w, "\nCreate an instance in a directory DIR that contains %s: scenario-fn init NAME --dir DIR --template %s%s\n",
			displayPath(t.Source, dir), displayPath(t.Source, dir), requiredSets(res.Params))
	}
	return exitOK
}

// withNamePlaceholders shows the naming rule on a copy of a resolved
// resource: the unnamed resource is called <instance>, a resource named R
// <instance>-R, and everything lives in <instance-namespace>.
func withNamePlaceholders(n *yaml.RNode) *yaml.RNode {
	c := n.Copy()
	name := "<instance>"
	if role := c.GetName(); role != "" {
		name += "-" + role
	}
	_ = c.SetName(name)
	_ = c.SetNamespace("<instance-namespace>")
	return c
}

// requiredSets is " --set p=..." for each required parameter without a
// default, for the example command line.
func requiredSets(params []*generators.Param) string {
	var b strings.Builder
	for _, p := range params {
		if isRequired(p) {
			fmt.Fprintf(&b, " --set %s=...", p.Name)
		}
	}
	return b.String()
}

// isRequired tells a parameter an instance must set: required, with no
// default of any kind and no value from the chain's spec.values (a null
// or empty one does not count: the render refuses it).
func isRequired(p *generators.Param) bool {
	if !p.Required || p.DefaultFrom != "" {
		return false
	}
	v := inherited(p)
	return v == nil || emptyValue(v)
}

// inherited is what an instance gets for p when it sets nothing: the
// value the chain's templates set in spec.values (merged over the
// default), else the default.
func inherited(p *generators.Param) *yaml.RNode {
	if p.Preset != nil {
		return p.Preset
	}
	return p.Default
}

func emptyValue(v *yaml.RNode) bool {
	n := v.YNode()
	switch n.Kind {
	case yaml.ScalarNode:
		return n.ShortTag() == yaml.NodeTagNull || n.ShortTag() == yaml.NodeTagString && n.Value == ""
	case yaml.MappingNode, yaml.SequenceNode:
		return len(n.Content) == 0
	}
	return false
}

func writeParamTable(w io.Writer, params []*generators.Param) {
	if len(params) == 0 {
		fmt.Fprintln(w, "  (none)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tTYPE\tDEFAULT\tREQUIRED\tDESCRIPTION")
	var unused []string
	for _, p := range params {
		if p.Unused != "" { // writes only resources the chain deletes
			unused = append(unused, p.Name)
			continue
		}
		req := "-"
		if isRequired(p) {
			req = "yes"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, paramType(p), paramDefault(p), req, p.Description)
		for _, e := range elementRows(p) {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", e.name, e.typ, e.def, yesIf(e.required), e.description)
		}
	}
	_ = tw.Flush()
	if len(unused) > 0 {
		fmt.Fprintf(w, "  Not used (they write only resources the chain deletes): %s\n", strings.Join(unused, ", "))
	}
}

// elementRow is a field of the elements of a forEach parameter, shown
// under it as <param>[].<field>.
type elementRow struct {
	name, typ, def, description string
	required                    bool
}

func elementRows(p *generators.Param) []elementRow {
	fe := p.ForEach
	if fe == nil {
		return nil
	}
	out := []elementRow{{name: p.Name + "[].name", typ: "string", def: "-", required: true,
		description: fmt.Sprintf("Name of the element (DNS-1123 label, unique); its %s is <instance>-<name>.", fe.Kind)}}
	for _, f := range fe.Fields {
		fp := &generators.Param{Type: f.Type, Enum: f.Enum, Default: f.Default, DefaultFrom: f.DefaultFrom}
		def := paramDefault(fp)
		if f.DefaultFrom == "metadata.name" {
			def = "<" + fe.Kind + " name>"
		}
		out = append(out, elementRow{name: p.Name + "[]." + f.Name, typ: paramType(fp), def: def,
			required: f.Required && f.Default == nil && f.DefaultFrom == "", description: f.Description})
	}
	return out
}

func yesIf(b bool) string {
	if b {
		return "yes"
	}
	return "-"
}

func paramType(p *generators.Param) string {
	if len(p.Enum) == 0 {
		return p.Type
	}
	vals := make([]string, 0, len(p.Enum))
	for _, e := range p.Enum {
		vals = append(vals, flowString(e))
	}
	return p.Type + " (" + strings.Join(vals, "|") + ")"
}

func paramDefault(p *generators.Param) string {
	switch {
	case inherited(p) != nil:
		return flowString(inherited(p))
	case p.DefaultFrom != "":
		return "<" + p.DefaultFrom + ">"
	}
	return "-"
}

// flowString renders a value on one line, in YAML flow style.
func flowString(n *yaml.RNode) string {
	c := n.Copy()
	var flow func(*yaml.Node)
	flow = func(y *yaml.Node) {
		y.HeadComment, y.LineComment, y.FootComment = "", "", ""
		if y.Kind == yaml.MappingNode || y.Kind == yaml.SequenceNode {
			y.Style = yaml.FlowStyle
		}
		for _, k := range y.Content {
			flow(k)
		}
	}
	flow(c.YNode())
	s, err := c.String()
	if err != nil {
		return c.YNode().Value
	}
	return strings.TrimSpace(s)
}
