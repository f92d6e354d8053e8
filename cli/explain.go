package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/internal/credentials"
	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const explainLong = `Renders the instances in FILE or DIR (as scenario-fn render does) and shows,
for every field of every generated resource, the layer that set it:

  # template web-service (catalog/web-service.yaml:118)   a template's resources
  # instance orders (orders.yaml:14)                      the instance's own resources
  # value "tag" (value in instance orders) (orders.yaml:9) a parameter value
  # value "tag" (default in template web-service) (...)   a parameter default
  # overlay in instance orders (orders.yaml:20)           spec.overlays
  # overlay overlays/prod.yaml (overlays/prod.yaml:7)     an overlay item
  # naming rule (instance orders)                         names, namespaces, links

After each resource, "# removed:" lists the fields a layer deleted (null or
$patch: delete) and who deleted them, and the list elements a parameter value
renamed (it wrote the element's name). Secret data and stringData values are
shown as ***.

--field PATH prints one field (or every field under PATH) with its origin, or
who removed it. PATH uses the kustomize syntax of error messages:
spec.syncPolicies.[name=default].kustomization.interval, list indexes work too.
With several generated resources, prefix the resource: Application/orders:PATH
or Pipeline:PATH; without a prefix, every resource that has PATH is shown.

-o json or yaml prints the same as data: per generated resource, every field
with its value and origin, and what was removed.`

const explainExamples = `  scenario-fn explain orders/
  scenario-fn explain orders/orders.yaml --field spec.syncPolicies.[name=default].kustomization.interval
  scenario-fn explain platform/ --instance orders --field Pipeline:spec.tasks
  scenario-fn explain orders/ -o json`

// explained is one rendered instance, traced.
type explained struct {
	inst     *generators.Template
	file     string
	result   *generators.Result
	overlays []generators.Overlay
}

type explainOptions struct{ field, instance, output string }

func newExplainCommand(stdio IO) *cobra.Command {
	var o explainOptions
	cmd := &cobra.Command{
		Use:     "explain FILE|DIR",
		Short:   "Show the layer, file and line behind every generated field",
		Long:    explainLong,
		Example: explainExamples,
	}
	cmd.Flags().StringVar(&o.field, "field", "", "show only this field `PATH` (kustomize syntax), optionally prefixed Kind/name:")
	cmd.Flags().StringVar(&o.instance, "instance", "", "explain only the instance `NAME` (name or namespace/name)")
	outputFlag(cmd, &o.output)
	_ = cmd.RegisterFlagCompletionFunc("field", noFileCompletion)
	_ = cmd.RegisterFlagCompletionFunc("instance", noFileCompletion)
	cmd.RunE = dataCommand(&o.output, func(_ *cobra.Command, args []string) error { return done(runExplain(stdio, args, o)) })
	return cmd
}

func runExplain(stdio IO, pos []string, o explainOptions) int {
	field, only := &o.field, &o.instance
	if len(pos) != 1 {
		return usageError(stdio, "scenario-fn explain", "explain needs exactly one FILE or DIR, got %d arguments", len(pos))
	}
	if o.output != "" && o.field != "" {
		return usageError(stdio, "scenario-fn explain", "-o and --field do not go together: -o prints every field (select them from the data)")
	}
	p, problems, err := loadPackage(pos[0])
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	mask := docsMasker(p.Instances, p.Others)
	if problems.HasErrors() {
		printProblems(stdio.Err, fn.MaskProblems(mask, problems))
		return exitError
	}
	root, err := os.OpenRoot(p.Root)
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	defer root.Close()

	results, problems := explainPackage(p, root, *only)
	for _, e := range results {
		for _, n := range e.result.Resources {
			mask.AddNode(n)
		}
	}
	printProblems(stdio.Err, fn.MaskProblems(mask, problems))
	if problems.HasErrors() {
		return exitError
	}
	if len(results) == 0 {
		if *only != "" {
			var names []string
			for _, d := range p.Instances {
				names = append(names, instanceID(d.Node))
			}
			return errorf(stdio, "no instance %q in %s (instances: %s)", *only, pos[0], strings.Join(names, ", "))
		}
		return errorf(stdio, "%s: no instance to explain: no ScenarioTemplate annotated config.kubernetes.io/function "+
			"(fix: create one with scenario-fn init NAME --template T)", pos[0])
	}
	if o.output != "" {
		if err := writeData(stdio.Out, o.output, explainData(results)); err != nil {
			return errorf(stdio, "%v", err)
		}
		return exitOK
	}
	pal := paletteFor(stdio.Out)
	if *field != "" {
		return explainField(stdio, pal, results, *field)
	}
	first := true
	for _, e := range results {
		if len(e.result.Resources) == 0 {
			fmt.Fprintln(stdio.Out, pal.dim(fmt.Sprintf("# instance %s (%s) generates no resources; templates: %s",
				instanceID(e.inst.Node), e.file, chainNames(e.result.Chain))))
		}
		for _, n := range e.result.Resources {
			if !first {
				fmt.Fprintln(stdio.Out, "---")
			}
			first = false
			writeExplained(stdio.Out, pal, e, n)
		}
	}
	return exitOK
}

// explainPackage renders every instance of p (or the one named only) with
// tracing. Templates, instances and overlays are parsed from their files
// with line numbers, so origins say file:line.
func explainPackage(p *pkg, root *os.Root, only string) ([]explained, krm.Problems) {
	var problems krm.Problems
	resolver := &generators.Resolver{Root: root}
	problems = append(problems, addTemplates(resolver, p)...)
	if problems.HasErrors() {
		return nil, problems
	}
	var out []explained
	for _, d := range p.Instances {
		m, _ := d.Node.GetMeta()
		if only != "" && only != m.Name && only != instanceID(d.Node) {
			continue
		}
		inst, ps := generators.ParseTemplate(d.Node, d.File, true)
		problems = append(problems, ps...)
		if inst == nil {
			continue
		}
		var overlays []generators.Overlay
		for _, o := range p.Others {
			if generators.OverlayAppliesTo(o.Node, inst.Name) {
				overlays = append(overlays, generators.Overlay{Node: o.Node, Layer: "overlay " + o.File,
					Source: krm.Source{File: o.File, Line: o.Node.YNode().Line}, Lines: true})
			}
		}
		res, ps := resolver.RenderInstance(inst, overlays, true)
		problems = append(problems, ps...)
		if res != nil && !ps.HasErrors() {
			out = append(out, explained{inst: inst, file: d.File, result: res, overlays: overlays})
		}
	}
	return out, problems
}

// writeExplained prints one resource as YAML with the origin of every
// field as a line comment, then the fields layers removed.
func writeExplained(w io.Writer, pal palette, e explained, n *yaml.RNode) {
	id := krm.ResourceString(krm.IDOf(n))
	where := ""
	if env := n.GetAnnotations()[generators.AnnotationEnvironment]; env != "" {
		where = ", environment " + env
	}
	fmt.Fprintln(w, pal.dim(fmt.Sprintf("# %s: instance %s (%s)%s, templates: %s", id,
		instanceID(e.inst.Node), e.file, where, strings.Join(e.chainOf(n), " -> "))))
	text, lines := annotatedLines(n)
	origins := e.origins(id)
	comments := make([]string, len(lines))
	width := 0
	for i, paths := range lines {
		if len(paths) == 0 {
			continue
		}
		var seen []string
		for _, path := range paths {
			c := originText(origins, path)
			if !contains(seen, c) {
				seen = append(seen, c)
			}
		}
		comments[i] = "# " + strings.Join(seen, "; ")
		if l := len(text[i]); l <= 72 {
			width = max(width, l)
		}
	}
	for i, line := range text {
		if comments[i] == "" {
			fmt.Fprintln(w, line)
			continue
		}
		pad := width - len(line)
		if pad < 0 {
			pad = 0
		}
		fmt.Fprintln(w, line+strings.Repeat(" ", pad)+"  "+pal.dim(comments[i]))
	}
	if removed := removedFields(e, n, id, ""); len(removed) > 0 {
		header := "# removed:"
		for _, r := range removed {
			if strings.Contains(r, ": renamed to ") {
				header = "# removed or renamed:"
			}
		}
		fmt.Fprintln(w, pal.dim(header))
		for _, r := range removed {
			fmt.Fprintln(w, pal.dim("#   "+r))
		}
	}
}

// chainOf returns the template chain resource n was rendered from: an
// environment's resources have their environment's chain (its
// templates annotation), the others the instance's.
func (e explained) chainOf(n *yaml.RNode) []string {
	if n.GetAnnotations()[generators.AnnotationEnvironment] != "" {
		if c := n.GetAnnotations()[generators.AnnotationTemplates]; c != "" {
			return strings.Split(c, ",")
		}
	}
	var chain []string
	for _, t := range e.result.Chain {
		chain = append(chain, t.Ref)
	}
	return chain
}

func chainNames(chain []*generators.Template) string {
	var names []string
	for _, t := range chain {
		names = append(names, t.Ref)
	}
	return strings.Join(names, " -> ")
}

// origins returns who set each leaf of the resource id ("Kind ns/name"),
// located by the observer (the field's own line in the layer that set it).
func (e explained) origins(id string) map[string]generators.Origin {
	return e.result.Trace.Fields(id)
}

// originText describes who set a leaf. A leaf without a recorded origin
// was set after the layers were merged, by the output step.
func originText(origins map[string]generators.Origin, path string) string {
	if o, ok := origins[path]; ok {
		return o.String()
	}
	if path == "metadata.annotations.["+generators.AnnotationFluxSubstitute+"]" {
		return "spec.output.flux: disable"
	}
	return "generator"
}

// annotatedLines serialises a display copy of n (block style, no comments,
// Secret values masked) and returns its lines and, per line, the paths of
// the leaf fields on it.
func annotatedLines(n *yaml.RNode) ([]string, [][]string) {
	c := displayCopy(n)
	var buf bytes.Buffer
	_ = writeYAML(&buf, []*yaml.RNode{c})
	text := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	lines := make([][]string, len(text))
	var doc yaml.Node
	if err := yaml.Unmarshal(buf.Bytes(), &doc); err == nil {
		fieldpath.Walk{Empty: true}.Leaves(&doc, "", func(l *yaml.Node, path string) {
			if i := l.Line - 1; i >= 0 && i < len(lines) {
				lines[i] = append(lines[i], path)
			}
		})
	}
	return text, lines
}

// displayCopy is n in block style without comments, Secret values masked.
func displayCopy(n *yaml.RNode) *yaml.RNode {
	c := n.Copy()
	var clean func(*yaml.Node)
	clean = func(y *yaml.Node) {
		y.HeadComment, y.LineComment, y.FootComment = "", "", ""
		if y.Kind == yaml.MappingNode || y.Kind == yaml.SequenceNode {
			if len(y.Content) > 0 {
				y.Style &^= yaml.FlowStyle
			}
		}
		for _, k := range y.Content {
			clean(k)
		}
	}
	clean(c.YNode())
	maskSecret(c)
	return c
}

// maskSecret masks credentials for display: every value of a Secret's
// data and stringData, values under credential keys (password, token,
// secret_key, ...) and values that look like credentials, in any kind.
func maskSecret(n *yaml.RNode) { credentials.MaskNode(n) }

// removedFields lists what layers removed from resource n (id) at, under
// or above prefix, as "path: removed by <origin>" or, for a list element
// a layer re-keyed, "path: renamed to <selector> by <origin>".
func removedFields(e explained, n *yaml.RNode, id, prefix string) []string {
	var out []string
	for _, r := range e.result.Trace.Removed(id, n.YNode(), prefix) {
		if r.RenamedTo != "" {
			out = append(out, r.Path+": renamed to "+r.RenamedTo+" by "+r.By[0].String())
			continue
		}
		who := make([]string, len(r.By))
		for i, o := range r.By {
			who[i] = o.String()
		}
		out = append(out, r.Path+": removed by "+strings.Join(who, "; "))
	}
	return out
}

// resourceSelector is the optional Kind/name: or Kind: prefix of --field.
var resourceSelector = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*)(?:/([^:/\[\]]+))?:(.+)$`)

// explainField prints one field (or the fields under it) of the selected
// resources with their origin, or who removed it.
func explainField(stdio IO, pal palette, results []explained, arg string) int {
	kind, name, path := "", "", arg
	if m := resourceSelector.FindStringSubmatch(arg); m != nil {
		kind, name, path = m[1], m[2], m[3]
	}
	if _, err := fieldpath.Parse(path); err != nil {
		return errorf(stdio, "--field: %v (fix: write PATH as messages spell it, e.g. spec.syncPolicies.[name=default].kustomization.interval)", err)
	}
	type candidate struct {
		e explained
		n *yaml.RNode
	}
	var cands []candidate
	var all []string
	for _, e := range results {
		for _, n := range e.result.Resources {
			m, _ := n.GetMeta()
			all = append(all, m.Kind+"/"+m.Name)
			if kind != "" && !strings.EqualFold(kind, m.Kind) {
				continue
			}
			if name != "" && name != m.Name && name != m.Namespace+"/"+m.Name {
				continue
			}
			cands = append(cands, candidate{e, n})
		}
	}
	if len(cands) == 0 {
		return errorf(stdio, "no generated resource matches %q (fix: use one of %s)", strings.TrimSuffix(arg, ":"+path)+":",
			strings.Join(all, ", "))
	}
	var misses []string
	found := 0
	for _, c := range cands {
		id := krm.ResourceString(krm.IDOf(c.n))
		lines, miss := fieldReport(c.e, c.n, id, path)
		if lines == nil {
			misses = append(misses, miss)
			continue
		}
		found++
		if len(cands) > 1 {
			fmt.Fprintln(stdio.Out, pal.bold("# "+id))
		}
		for _, l := range lines {
			fmt.Fprintln(stdio.Out, l)
		}
	}
	if found == 0 {
		if len(misses) == 1 {
			return errorf(stdio, "%s", misses[0])
		}
		return errorf(stdio, "no such field %q in any generated resource:\n  %s", path, strings.Join(misses, "\n  "))
	}
	return exitOK
}

// fieldReport explains path in resource n: its leaves with origins, or
// who removed it. When the field neither exists nor was removed it
// returns nil and a message listing the fields that do exist there.
func fieldReport(e explained, n *yaml.RNode, id, path string) ([]string, string) {
	p, err := fieldpath.Parse(path) // explainField checked it
	if err != nil {
		return nil, err.Error()
	}
	cur := n.YNode()
	var canon fieldpath.Path // the path as the trace spells it
	for i, seg := range p {
		next, ok := fieldpath.Build(seg).Lookup(cur)
		if !ok {
			want := canon.Append(p[i:]...).String()
			if removed := removedFields(e, n, id, want); len(removed) > 0 {
				return removed, ""
			}
			where := "at the top level"
			if len(canon) > 0 {
				where = "under " + canon.String()
			}
			names := childNames(cur)
			for d := range e.result.Trace.Deleted(id) {
				dp, err := fieldpath.Parse(d)
				if err != nil || len(dp) <= len(canon) || !dp.HasPrefix(canon) {
					continue
				}
				if next := dp[len(canon)].String(); !contains(names, next) {
					names = append(names, next)
				}
			}
			msg := fmt.Sprintf("no such field %q in %s; fields %s are: %s", path, id, where, strings.Join(childNames(cur), ", "))
			if best := generators.Suggest(seg.String(), names); best != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", fieldpath.Concat(canon.String(), best))
			}
			return nil, msg
		}
		canon = append(canon, canonicalSegment(cur, next, seg))
		cur = next
	}
	origins := e.origins(id)
	secret := credentials.Nodes(n)
	var out []string
	fieldpath.Walk{Empty: true}.Leaves(cur, canon.String(), func(l *yaml.Node, p string) {
		first, rest, _ := strings.Cut(leafValue(secret, l), "\n")
		line := fmt.Sprintf("%s: %s  # %s", p, first, originText(origins, p))
		if rest != "" {
			line += "\n" + rest
		}
		out = append(out, line)
	})
	out = append(out, removedFields(e, n, id, canon.String())...)
	return out, ""
}

// canonicalSegment names child, reached from parent by seg, the way the
// trace does ([name=x] for an element typed by its index).
func canonicalSegment(parent, child *yaml.Node, seg fieldpath.Segment) fieldpath.Segment {
	if parent.Kind == yaml.SequenceNode {
		for i, c := range parent.Content {
			if c == child {
				return fieldpath.Element(c, i)
			}
		}
	}
	for i := 0; i+1 < len(parent.Content); i += 2 {
		if parent.Content[i+1] == child {
			return fieldpath.Key(parent.Content[i].Value)
		}
	}
	return seg
}

func childNames(n *yaml.Node) []string {
	var out []string
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			out = append(out, fieldpath.Key(n.Content[i].Value).String())
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			out = append(out, fieldpath.Element(c, i).String())
		}
	}
	if len(out) == 0 {
		return []string{"(none)"}
	}
	return out
}

// leafValue renders a leaf for a PATH: VALUE line; credentials (the
// scalars in secret) are masked.
func leafValue(secret map[*yaml.Node]string, l *yaml.Node) string {
	switch {
	case l.Kind == yaml.MappingNode:
		return "{}"
	case l.Kind == yaml.SequenceNode:
		return "[]"
	}
	tag, value, style := l.Tag, l.Value, l.Style
	if part, ok := secret[l]; ok {
		if part == value {
			return credentials.Mask
		}
		tag, value, style = yaml.NodeTagString, strings.ReplaceAll(value, part, credentials.Mask), 0
	}
	s, err := yaml.NewRNode(&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value, Style: style}).String()
	if err != nil {
		return value
	}
	s = strings.TrimSuffix(s, "\n")
	return strings.ReplaceAll(s, "\n", "\n  ")
}
