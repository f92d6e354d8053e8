package cli

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/spf13/cobra"
)

const graphLong = `Prints the inheritance graph of the built-in templates and, with --dir, the
local templates of DIR: one node per template, an arrow from each template to
each template it extends. Abstract templates are dashed, local ones filled.

--format mermaid (the default) is a Mermaid flowchart, which GitHub and GitLab
render inside a Markdown code block marked mermaid; --format dot is Graphviz.`

const graphExamples = `  scenario-fn templates graph
  scenario-fn templates graph --dir platform/ --format dot | dot -Tsvg > templates.svg`

func newGraphCommand(stdio IO, dir *string) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:               "graph",
		Short:             "Print the template inheritance graph (Mermaid or DOT)",
		Long:              graphLong,
		Example:           graphExamples,
		Args:              cobra.NoArgs,
		ValidArgsFunction: noFileCompletion,
		RunE: func(*cobra.Command, []string) error {
			if format != "mermaid" && format != "dot" {
				return usageErrorf("--format %q: use mermaid or dot", format)
			}
			r, code := templateResolver(stdio, *dir)
			if r == nil {
				return done(code)
			}
			defer closeResolver(r)
			g := templateGraph(r, catalogTemplates(r))
			if format == "dot" {
				g.writeDOT(stdio.Out)
			} else {
				g.writeMermaid(stdio.Out)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "mermaid", "mermaid or dot")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedValues("mermaid", "dot"))
	return cmd
}

// graph is an inheritance graph: nodes in order, edges child -> parent.
type graph struct {
	nodes []graphNode
	edges [][2]int
}

type graphNode struct {
	name            string
	abstract, local bool
	missing         bool // extended but not found
	description     string
}

// templateGraph builds the graph of ts and every template they reach.
func templateGraph(r *generators.Resolver, ts []*generators.Template) *graph {
	g := &graph{}
	index := map[string]int{}
	var add func(t *generators.Template) int
	node := func(name string, n graphNode) (int, bool) {
		if i, ok := index[name]; ok {
			return i, false
		}
		index[name] = len(g.nodes)
		g.nodes = append(g.nodes, n)
		return len(g.nodes) - 1, true
	}
	add = func(t *generators.Template) int {
		i, fresh := node(t.Name, graphNode{name: t.Name, abstract: isAbstract(t), local: !isBuiltIn(t), description: t.Description})
		if !fresh {
			return i
		}
		for _, ref := range t.Extends {
			var j int
			if p := parentOf(r, t, ref); p != nil {
				j = add(p)
			} else {
				j, _ = node("?"+ref, graphNode{name: ref, missing: true})
			}
			g.edges = append(g.edges, [2]int{i, j})
		}
		return i
	}
	for _, t := range ts {
		add(t)
	}
	return g
}

// parentOf finds the template t names by ref: a template name, or a path
// that t's chain resolved.
func parentOf(r *generators.Resolver, t *generators.Template, ref string) *generators.Template {
	if p, ok := r.Package[ref]; ok {
		return p
	}
	if p, ok := generators.Catalog()[ref]; ok {
		return p
	}
	// A path is relative to the directory of the template that names it.
	file := path.Clean(path.Join(t.Dir, ref))
	for _, p := range r.Package {
		if p.Source == file {
			return p
		}
	}
	chain, _ := r.Chain(t)
	for _, c := range chain {
		if c.Ref == file {
			return c
		}
	}
	return nil
}

// ancestors is the subgraph of node i and everything it extends.
func (g *graph) ancestors(i int) *graph {
	keep := map[int]bool{}
	var visit func(int)
	visit = func(n int) {
		if keep[n] {
			return
		}
		keep[n] = true
		for _, e := range g.edges {
			if e[0] == n {
				visit(e[1])
			}
		}
	}
	visit(i)
	sub := &graph{}
	renum := map[int]int{}
	for n, node := range g.nodes {
		if keep[n] {
			renum[n] = len(sub.nodes)
			sub.nodes = append(sub.nodes, node)
		}
	}
	for _, e := range g.edges {
		if keep[e[0]] && keep[e[1]] {
			sub.edges = append(sub.edges, [2]int{renum[e[0]], renum[e[1]]})
		}
	}
	return sub
}

func (g *graph) writeMermaid(w io.Writer) {
	fmt.Fprintln(w, "flowchart BT")
	for i, n := range g.nodes {
		label := n.name
		if n.missing {
			label += " (not found)"
		}
		fmt.Fprintf(w, "  t%d[%q]\n", i, label)
	}
	for _, e := range g.edges {
		fmt.Fprintf(w, "  t%d -->|extends| t%d\n", e[0], e[1])
	}
	classes := map[string][]string{}
	for i, n := range g.nodes {
		for _, c := range n.classes() {
			classes[c] = append(classes[c], "t"+strconv.Itoa(i))
		}
	}
	for _, c := range []string{"abstract", "local", "missing"} {
		if len(classes[c]) > 0 {
			fmt.Fprintf(w, "  classDef %s %s\n  class %s %s\n", c, mermaidStyle[c], strings.Join(classes[c], ","), c)
		}
	}
}

var mermaidStyle = map[string]string{
	"abstract": "stroke-dasharray: 5 5",
	"local":    "fill:#e8f0fe",
	"missing":  "stroke:#d93025,color:#d93025",
}

func (n graphNode) classes() []string {
	var out []string
	if n.abstract {
		out = append(out, "abstract")
	}
	if n.local {
		out = append(out, "local")
	}
	if n.missing {
		out = append(out, "missing")
	}
	return out
}

func (g *graph) writeDOT(w io.Writer) {
	fmt.Fprintln(w, "digraph templates {")
	fmt.Fprintln(w, "  rankdir=BT;")
	fmt.Fprintln(w, `  node [shape=box, style=rounded, fontname="sans-serif"];`)
	fmt.Fprintln(w, `  edge [label="extends", fontsize=10];`)
	for _, n := range g.nodes {
		style := []string{"rounded"}
		attrs := ""
		if n.abstract {
			style = append(style, "dashed")
		}
		if n.local {
			style = append(style, "filled")
			attrs += `, fillcolor="#e8f0fe"`
		}
		label := n.name
		if n.missing {
			label += " (not found)"
			attrs += `, color="#d93025"`
		}
		fmt.Fprintf(w, "  %s [label=%s, style=%q%s];\n", dotID(n), strconv.Quote(label), strings.Join(style, ","), attrs)
	}
	for _, e := range g.edges {
		fmt.Fprintf(w, "  %s -> %s;\n", dotID(g.nodes[e[0]]), dotID(g.nodes[e[1]]))
	}
	fmt.Fprintln(w, "}")
}

func dotID(n graphNode) string {
	if n.missing {
		return strconv.Quote("?" + n.name)
	}
	return strconv.Quote(n.name)
}
