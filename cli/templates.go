package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func init() { commands["templates"] = runTemplates }

const templatesUsage = `Usage: scenario-fn templates [list] [--dir DIR]
       scenario-fn templates show NAME [--dir DIR]

list (the default) prints the built-in templates, and with --dir the local
templates found in DIR (ScenarioTemplates that are not instances, i.e. carry no
config.kubernetes.io/function annotation): name, the templates it extends, how
many parameters its whole chain declares, and its description.

show prints one template fully resolved: description, the chain it extends,
every parameter of the chain (name, type, default, whether it is required,
description), and the resources the chain contributes before any values are
applied. NAME is a template name, or with --dir a path relative to DIR.

Examples:
  scenario-fn templates
  scenario-fn templates show canary-service
  scenario-fn templates list --dir platform/
  scenario-fn templates show team-service --dir platform/
`

func runTemplates(args []string, stdio IO) int {
	fs := newFlagSet("templates")
	dir := fs.String("dir", "", "also read local templates from `DIR`")
	pos, code, done := parseArgs(fs, args, templatesUsage, stdio)
	if done {
		return code
	}
	sub := "list"
	if len(pos) > 0 {
		sub, pos = pos[0], pos[1:]
	}
	switch {
	case sub == "list" && len(pos) == 0:
	case sub == "list":
		return usageError(stdio, templatesUsage, fs, "templates list takes no arguments, got %q", strings.Join(pos, " "))
	case sub == "show" && len(pos) == 1:
	case sub == "show":
		return usageError(stdio, templatesUsage, fs, "templates show needs one template NAME (see scenario-fn templates list)")
	default:
		return usageError(stdio, templatesUsage, fs, "unknown templates subcommand %q: use list or show", sub)
	}

	resolver := &generators.Resolver{Package: map[string]*generators.Template{}}
	var problems krm.Problems
	if *dir != "" {
		ps, err := loadLocalTemplates(resolver, *dir)
		if err != nil {
			return errorf(stdio, "%v", err)
		}
		defer resolver.Root.Close()
		problems = underDir(ps, *dir)
		if problems.HasErrors() {
			printProblems(stdio.Err, problems)
			return exitError
		}
	}
	if sub == "show" {
		return showTemplate(stdio, resolver, pos[0], *dir)
	}
	return listTemplates(stdio, resolver, *dir)
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

func listTemplates(stdio IO, r *generators.Resolver, dir string) int {
	local := dir != ""
	type row struct {
		t      *generators.Template
		source string
	}
	var rows []row
	for _, name := range generators.CatalogNames() {
		if _, shadowed := r.Package[name]; !shadowed {
			rows = append(rows, row{generators.Catalog()[name], "built-in"})
		}
	}
	var localNames []string
	for name := range r.Package {
		localNames = append(localNames, name)
	}
	sort.Strings(localNames)
	for _, name := range localNames {
		rows = append(rows, row{r.Package[name], displayPath(r.Package[name].Source, dir)})
	}

	tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
	header := "NAME\tEXTENDS\tPARAMETERS\tDESCRIPTION"
	if local {
		header = "NAME\tEXTENDS\tPARAMETERS\tSOURCE\tDESCRIPTION"
	}
	fmt.Fprintln(tw, header)
	var problems krm.Problems
	for _, rw := range rows {
		count := "?"
		if res, ps := r.Resolve(rw.t); !ps.HasErrors() {
			count = fmt.Sprint(len(res.Params))
		} else {
			problems = append(problems, ps...)
		}
		extends := strings.Join(rw.t.Extends, ",")
		if extends == "" {
			extends = "-"
		}
		desc := rw.t.Description
		if isAbstract(rw.t) {
			desc = "(abstract) " + desc
		}
		if local {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", rw.t.Name, extends, count, rw.source, desc)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rw.t.Name, extends, count, desc)
		}
	}
	_ = tw.Flush()
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

func showTemplate(stdio IO, r *generators.Resolver, name, dir string) int {
	t, err := r.Lookup(name)
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	res, problems := r.Resolve(t)
	printProblems(stdio.Err, underDir(problems, dir))
	if problems.HasErrors() {
		return exitError
	}
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
// default of any kind.
func isRequired(p *generators.Param) bool {
	return p.Required && p.Default == nil && p.DefaultFrom == ""
}

func writeParamTable(w io.Writer, params []*generators.Param) {
	if len(params) == 0 {
		fmt.Fprintln(w, "  (none)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tTYPE\tDEFAULT\tREQUIRED\tDESCRIPTION")
	for _, p := range params {
		req := "-"
		if isRequired(p) {
			req = "yes"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, paramType(p), paramDefault(p), req, p.Description)
	}
	_ = tw.Flush()
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
	case p.Default != nil:
		return flowString(p.Default)
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
