package cli

import (
	"bytes"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const docsLong = `Writes a static HTML catalog of the built-in templates and, with --dir, the
local templates of DIR, for a platform team to publish for its app teams:
DIR/index.html lists every template with the inheritance graph, and
DIR/<template>.html shows one template: its description, the chain it
extends as a graph, the table of its parameters, an example instance (the
skeleton scenario-fn init writes, with example values for the required
parameters) and what that instance renders to.

The pages are self-contained: styles and graphs (SVG) are inline, there is no
script and nothing is loaded from elsewhere.`

const docsExamples = `  scenario-fn templates docs --out site/
  scenario-fn templates docs --dir platform/ --out public/templates/`

func newDocsCommand(stdio IO, dir *string) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:               "docs --out DIR",
		Short:             "Write an HTML catalog of the templates",
		Long:              docsLong,
		Example:           docsExamples,
		Args:              cobra.NoArgs,
		ValidArgsFunction: noFileCompletion,
		RunE: func(*cobra.Command, []string) error {
			if out == "" {
				return usageErrorf("templates docs needs --out DIR")
			}
			return done(writeDocs(stdio, *dir, out))
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the pages into `DIR`")
	_ = cmd.MarkFlagDirname("out")
	return cmd
}

func writeDocs(stdio IO, dir, out string) int {
	r, code := templateResolver(stdio, dir)
	if r == nil {
		return code
	}
	defer closeResolver(r)
	var others []document
	root := r.Root
	if dir != "" {
		p, _, err := loadPackage(dir)
		if err != nil {
			return errorf(stdio, "%v", err)
		}
		others = p.Others
	} else {
		empty, err := os.MkdirTemp("", "scenario-fn-docs-")
		if err != nil {
			return errorf(stdio, "%v", err)
		}
		defer os.RemoveAll(empty)
		if root, err = os.OpenRoot(empty); err != nil {
			return errorf(stdio, "%v", err)
		}
		defer root.Close()
	}

	ts := catalogTemplates(r)
	g := templateGraph(r, ts)
	var infos []templateInfo
	var problems krm.Problems
	for _, t := range ts {
		info, ps := describeTemplate(r, t, dir, false)
		problems = append(problems, ps...)
		infos = append(infos, info)
	}
	if problems.HasErrors() {
		printProblems(stdio.Err, underDir(problems, dir))
		return exitError
	}
	pages := map[string]string{"index.html": indexPage(infos, g)}
	for _, info := range infos {
		ex := exampleFor(r, root, info, others)
		pages[info.Name+".html"] = templatePage(info, g.ancestors(nodeIndex(g, info.Name)), ex)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return errorf(stdio, "%v", err)
	}
	for name, content := range pages {
		if err := os.WriteFile(filepath.Join(out, name), []byte(content), 0o644); err != nil {
			return errorf(stdio, "%v", err)
		}
	}
	fmt.Fprintf(stdio.Out, "wrote %s (%d templates)\n", filepath.ToSlash(filepath.Join(out, "index.html")), len(infos))
	return exitOK
}

func nodeIndex(g *graph, name string) int {
	for i, n := range g.nodes {
		if n.name == name && !n.missing {
			return i
		}
	}
	return 0
}

// example is an instance of a template and what it renders to.
type example struct {
	instance, rendered string
	problems           []string
	abstract           bool
}

// exampleFor writes the skeleton `scenario-fn init example --template T`
// would write, with example values for the required parameters, and
// renders it exactly as the function does.
func exampleFor(r *generators.Resolver, root *os.Root, info templateInfo, others []document) example {
	if info.Abstract || info.resolved == nil {
		return example{abstract: info.Abstract}
	}
	ref := info.Name
	values := map[string]*yaml.RNode{}
	for _, p := range info.resolved.Params {
		if isRequired(p) {
			values[p.Name] = exampleValue(p)
		}
	}
	sk := &skeleton{name: "example", namespace: "apps", template: info.template, ref: ref, resolver: r,
		params: info.resolved.Params, values: values, runner: "kustomize", dir: "example"}
	text := sk.instance()
	ex := example{instance: text}
	docs, ps := parseDocuments([]byte(text), "example.yaml")
	if ps.HasErrors() || len(docs) != 1 {
		ex.problems = problemLines(ps)
		return ex
	}
	nodes, ps := renderInstance(root, docs[0], others, "")
	if ps.HasErrors() {
		ex.problems = problemLines(ps)
		return ex
	}
	var buf bytes.Buffer
	if err := writeYAML(&buf, nodes); err != nil {
		ex.problems = []string{err.Error()}
	}
	ex.rendered = buf.String()
	return ex
}

func problemLines(ps krm.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// exampleValue is a plausible value of p's type for the example instance.
func exampleValue(p *generators.Param) *yaml.RNode {
	if len(p.Enum) > 0 {
		return p.Enum[0].Copy()
	}
	lower := strings.ToLower(p.Name)
	switch p.Type {
	case "integer":
		return yaml.NewScalarRNode("1")
	case "boolean":
		return yaml.NewScalarRNode("true")
	case "array":
		if strings.Contains(lower, "cluster") {
			return yaml.MustParse("[{name: member1, kind: AttachedCluster}]")
		}
		if lower == "match" { // an A/B test's match rules
			return yaml.MustParse("[{headers: {x-canary: {exact: insider}}}]")
		}
		return yaml.MustParse("[]")
	case "object":
		if strings.Contains(lower, "cidr") {
			return yaml.MustParse("{member1: 10.0.0.0/16}")
		}
		return yaml.MustParse("{example: example}")
	}
	switch {
	case strings.Contains(lower, "oci"):
		return yaml.NewStringRNode("oci://ghcr.io/example/app")
	case strings.Contains(lower, "image"):
		return yaml.NewStringRNode("ghcr.io/example/app")
	case strings.Contains(lower, "repo") || strings.Contains(lower, "url"):
		return yaml.NewStringRNode("https://github.com/example/app")
	}
	return yaml.NewStringRNode("example")
}

const pageStyle = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:72rem;padding:1rem 2rem;color:#1f2328;line-height:1.45}
a{color:#0969da}h1 .badge{font-size:.8rem;vertical-align:middle}.badge{border:1px solid #8c959f;border-radius:1rem;padding:0 .5rem;font-weight:normal;color:#57606a}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #d0d7de;padding:.35rem .6rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}pre{background:#f6f8fa;padding:.8rem;overflow:auto;border-radius:6px}
.required{color:#cf222e;font-weight:600}.problems{color:#cf222e}svg{max-width:100%;height:auto}footer{margin-top:3rem;color:#57606a;font-size:.85rem}
svg rect{fill:#fff;stroke:#57606a}svg .abstract rect{stroke-dasharray:5 4}svg .local rect{fill:#e8f0fe}svg .current rect{stroke:#0969da;stroke-width:2.5}svg text{font-size:13px}svg line{stroke:#57606a}`

func pageHead(title string) string {
	return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
		"<title>" + html.EscapeString(title) + "</title>\n<style>" + pageStyle + "</style>\n</head>\n<body>\n"
}

func pageFoot() string {
	return "<footer>Generated by <code>scenario-fn templates docs</code> (" + html.EscapeString(currentVersion().Version) +
		").</footer>\n</body>\n</html>\n"
}

func esc(s string) string { return html.EscapeString(s) }

func indexPage(infos []templateInfo, g *graph) string {
	var b strings.Builder
	b.WriteString(pageHead("Scenario templates"))
	b.WriteString("<h1>Scenario templates</h1>\n<p>Templates an app team extends with one small <code>ScenarioTemplate</code>: " +
		"<code>scenario-fn init NAME --template TEMPLATE</code> writes one.</p>\n")
	b.WriteString("<table>\n<thead><tr><th>Template</th><th>Extends</th><th>Parameters</th><th>Source</th><th>Description</th></tr></thead>\n<tbody>\n")
	for _, info := range infos {
		name := `<a href="` + esc(info.Name) + `.html">` + esc(info.Name) + `</a>`
		if info.Abstract {
			name += ` <span class="badge">abstract</span>`
		}
		extends := esc(strings.Join(info.Extends, ", "))
		source := "built-in"
		if !info.BuiltIn {
			source = esc(info.Source)
		}
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%d</td><td>%s</td><td>%s</td></tr>\n", name, extends,
			len(info.Parameters), source, esc(info.Description))
	}
	b.WriteString("</tbody>\n</table>\n<h2>Inheritance</h2>\n")
	b.WriteString(g.svg(-1))
	b.WriteString(pageFoot())
	return b.String()
}

func templatePage(info templateInfo, chain *graph, ex example) string {
	var b strings.Builder
	b.WriteString(pageHead(info.Name + " – scenario template"))
	b.WriteString(`<p><a href="index.html">All templates</a></p>` + "\n")
	fmt.Fprintf(&b, "<h1>%s", esc(info.Name))
	if info.Abstract {
		b.WriteString(` <span class="badge">abstract</span>`)
	}
	b.WriteString("</h1>\n")
	if info.Description != "" {
		fmt.Fprintf(&b, "<p class=\"description\">%s</p>\n", esc(info.Description))
	}
	source := "built-in (" + info.Source + ")"
	if !info.BuiltIn {
		source = info.Source
	}
	fmt.Fprintf(&b, "<p>Source: <code>%s</code></p>\n", esc(source))
	b.WriteString("<h2>Chain</h2>\n")
	fmt.Fprintf(&b, "<p>%s</p>\n", esc(strings.Join(info.Chain, " → ")))
	b.WriteString(chain.svg(nodeIndex(chain, info.Name)))

	b.WriteString("<h2>Parameters</h2>\n")
	if len(info.Parameters) == 0 {
		b.WriteString("<p>None.</p>\n")
	} else {
		b.WriteString("<table class=\"parameters\">\n<thead><tr><th>Name</th><th>Type</th><th>Default</th><th>Required</th><th>Description</th><th>Declared by</th></tr></thead>\n<tbody>\n")
		for _, p := range info.resolved.Params {
			req := "no"
			if isRequired(p) {
				req = `<span class="required">yes</span>`
			}
			fmt.Fprintf(&b, "<tr><td><code>%s</code></td><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
				esc(p.Name), esc(paramType(p)), esc(paramDefault(p)), req, esc(p.Description), esc(p.Template))
			for _, e := range elementRows(p) {
				req := "no"
				if e.required {
					req = `<span class="required">yes</span>`
				}
				fmt.Fprintf(&b, "<tr><td><code>%s</code></td><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
					esc(e.name), esc(e.typ), esc(e.def), req, esc(e.description), esc(p.Template))
			}
		}
		b.WriteString("</tbody>\n</table>\n")
	}

	b.WriteString("<h2>Example</h2>\n")
	switch {
	case ex.abstract:
		fmt.Fprintf(&b, "<p>%s is abstract: instances extend a template built on it.</p>\n", esc(info.Name))
	case ex.instance == "":
		b.WriteString("<p>The template does not resolve.</p>\n")
	default:
		fmt.Fprintf(&b, "<p>The instance <code>scenario-fn init example --template %s</code> writes, with example values:</p>\n<pre class=\"instance\">%s</pre>\n",
			esc(info.Name), esc(ex.instance))
		if len(ex.problems) > 0 {
			fmt.Fprintf(&b, "<p>It does not render with these example values:</p>\n<pre class=\"problems\">%s</pre>\n", esc(strings.Join(ex.problems, "\n")))
		} else {
			fmt.Fprintf(&b, "<p>It renders to:</p>\n<pre class=\"rendered\">%s</pre>\n", esc(ex.rendered))
		}
	}
	b.WriteString(pageFoot())
	return b.String()
}

// svg draws g top-down: the templates nothing else is extended by at the
// bottom, each parent above its children; nodes link to their pages.
// current (or -1) is highlighted.
func (g *graph) svg(current int) string {
	level := make([]int, len(g.nodes))
	var depth func(i int, seen map[int]bool) int
	depth = func(i int, seen map[int]bool) int {
		if seen[i] {
			return 0 // a cycle: the resolver reports it
		}
		seen[i] = true
		d := 0
		for _, e := range g.edges {
			if e[0] == i {
				d = max(d, depth(e[1], seen)+1)
			}
		}
		delete(seen, i)
		return d
	}
	rows := 0
	for i := range g.nodes {
		level[i] = depth(i, map[int]bool{})
		rows = max(rows, level[i]+1)
	}
	const boxH, rowGap, colGap, pad = 32, 44, 24, 12
	type box struct{ x, y, w int }
	boxes := make([]box, len(g.nodes))
	width := 0
	for row := 0; row < rows; row++ {
		x := pad
		for i, n := range g.nodes {
			if level[i] != row {
				continue
			}
			w := 8*len(n.name) + 28
			boxes[i] = box{x, pad + row*(boxH+rowGap), w}
			x += w + colGap
		}
		width = max(width, x-colGap+pad)
	}
	height := pad*2 + rows*boxH + (rows-1)*rowGap
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="template inheritance graph">`+"\n",
		width, height, width, height)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>` + "\n")
	for _, e := range g.edges {
		c, p := boxes[e[0]], boxes[e[1]]
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#arrow)"/>`+"\n", c.x+c.w/2, c.y, p.x+p.w/2, p.y+boxH)
	}
	for i, n := range g.nodes {
		bx := boxes[i]
		classes := append([]string{"node"}, n.classes()...)
		if i == current {
			classes = append(classes, "current")
		}
		open, closeTag := "", ""
		if !n.missing {
			open, closeTag = `<a href="`+esc(n.name)+`.html">`, "</a>"
		}
		fmt.Fprintf(&b, `<g class="%s">%s<rect x="%d" y="%d" width="%d" height="%d" rx="6"/><text x="%d" y="%d" text-anchor="middle">%s</text>%s</g>`+"\n",
			strings.Join(classes, " "), open, bx.x, bx.y, bx.w, boxH, bx.x+bx.w/2, bx.y+21, esc(n.name), closeTag)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
