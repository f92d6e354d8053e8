package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/internal/credentials"
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
	if removed := removedFields(n, e.deleted(id), e.origins(id), ""); len(removed) > 0 {
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

// origins returns who set each leaf of the resource id ("Kind ns/name").
//
// The trace names the document of the layer that set a field; when the
// field itself is in that document, its line is used instead, so that an
// override points at the overriding line. Defaults taken from the
// instance's metadata point at that metadata field.
func (e explained) origins(id string) map[string]generators.Origin {
	out := map[string]generators.Origin{}
	docs := e.layerDocs()
	for path, o := range e.result.Trace.Fields(id) {
		for _, d := range docs {
			if d.file == o.Source.File && d.node.YNode().Line == o.Source.Line && o.Source.Line > 0 {
				if line, ok := exactLine(d.node.YNode(), path); ok {
					o.Source.Line = line
				}
				break
			}
		}
		if o.Source.File == e.inst.Source && e.inst.Lines {
			for _, f := range []string{"name", "namespace"} {
				if strings.HasSuffix(o.Layer, "(instance metadata."+f+")") {
					if line, ok := exactLine(e.inst.Node.YNode(), "metadata."+f); ok {
						o.Source.Line = line
					}
				}
			}
		}
		out[path] = o
	}
	return out
}

// exactLine returns the line of the field at path in a layer's document,
// when the document has it.
func exactLine(n *yaml.Node, path string) (int, bool) {
	line := 0
	for _, part := range splitPath(path) {
		next, l := step(n, part)
		if next == nil {
			return 0, false
		}
		n, line = next, l
	}
	return line, true
}

// deleted returns who removed which fields of the resource id. The trace
// knows the document that removed a field; the line is narrowed down to
// the field inside that document (the null, or the $patch: delete element)
// when it can be found there.
func (e explained) deleted(id string) map[string]generators.Origin {
	out := map[string]generators.Origin{}
	docs := e.layerDocs()
	for path, o := range e.result.Trace.Deleted(id) {
		for _, d := range docs {
			if d.file != o.Source.File || d.node.YNode().Line != o.Source.Line || o.Source.Line == 0 {
				continue
			}
			if line := deepestLine(d.node.YNode(), path); line > 0 {
				o.Source.Line = line
				break
			}
		}
		out[path] = o
	}
	return out
}

type layerDoc struct {
	file string
	node *yaml.RNode
}

// layerDocs are the partial resources of every layer of the render.
func (e explained) layerDocs() []layerDoc {
	var out []layerDoc
	for _, t := range append(append([]*generators.Template(nil), e.result.Chain...), e.inst) {
		for _, n := range append(append([]*yaml.RNode(nil), t.Resources...), t.Overlays...) {
			out = append(out, layerDoc{t.Source, n})
		}
	}
	for _, env := range e.inst.Environments {
		for _, n := range append(append([]*yaml.RNode(nil), env.Resources...), env.Overlays...) {
			out = append(out, layerDoc{e.inst.Source, n})
		}
	}
	for _, o := range e.overlays {
		out = append(out, layerDoc{o.Source.File, o.Node})
	}
	return out
}

// deepestLine follows path into a layer's document and returns the line of
// the deepest field it reaches below the document itself, or 0.
func deepestLine(n *yaml.Node, path string) int {
	line := 0
	for _, part := range splitPath(path) {
		next, l := step(n, part)
		if next == nil {
			break
		}
		n, line = next, l
	}
	return line
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
		eachLeaf(&doc, "", func(l *yaml.Node, path string) {
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

// eachLeaf calls fn for every leaf of n with its path, named the way the
// generator's trace names them: keys with dots in brackets, list elements
// by [name=...] when they have a name, else by index. Empty maps and lists
// are leaves.
func eachLeaf(n *yaml.Node, path string, fn func(*yaml.Node, string)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			eachLeaf(c, path, fn)
		}
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			fn(n, path)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			eachLeaf(n.Content[i+1], joinPath(path, keyPart(n.Content[i].Value)), fn)
		}
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			fn(n, path)
		}
		for i, c := range n.Content {
			eachLeaf(c, joinPath(path, elementPart(c, i)), fn)
		}
	case yaml.ScalarNode:
		fn(n, path)
	}
}

func joinPath(path, part string) string {
	if path == "" {
		return part
	}
	return path + "." + part
}

func keyPart(k string) string {
	if strings.Contains(k, ".") {
		return "[" + k + "]"
	}
	return k
}

func elementPart(el *yaml.Node, i int) string {
	if el.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(el.Content); j += 2 {
			if el.Content[j].Value == "name" && el.Content[j+1].Kind == yaml.ScalarNode && el.Content[j+1].Value != "" {
				return "[name=" + el.Content[j+1].Value + "]"
			}
		}
	}
	return fmt.Sprint(i)
}

// removedFields lists the deleted fields under prefix as "path: removed
// by <origin>". Leaves deleted together are shown once, as the highest
// field that no longer exists, when one layer removed them all. A list
// element that a parameter value re-keyed (it wrote the element's name)
// is shown as renamed, not removed.
func removedFields(n *yaml.RNode, deleted, origins map[string]generators.Origin, prefix string) []string {
	type group struct {
		origins []generators.Origin
		count   int
	}
	groups := map[string]*group{}
	var order []string
	for path, o := range deleted {
		if prefix != "" && path != prefix && !strings.HasPrefix(path, prefix+".") && !strings.HasPrefix(prefix, path+".") {
			continue
		}
		top := highestMissing(n.YNode(), path)
		g := groups[top]
		if g == nil {
			g = &group{}
			groups[top] = g
			order = append(order, top)
		}
		g.count++
		if !containsOrigin(g.origins, o) {
			g.origins = append(g.origins, o)
		}
	}
	sort.Strings(order)
	var out []string
	for _, top := range order {
		g := groups[top]
		if len(g.origins) == 1 {
			if to := renamedTo(n, top, g.origins[0], origins); to != "" {
				out = append(out, top+": renamed to "+to+" by "+g.origins[0].String())
				continue
			}
		}
		var who []string
		for _, o := range g.origins {
			who = append(who, o.String())
		}
		sort.Strings(who)
		out = append(out, top+": removed by "+strings.Join(who, "; "))
	}
	return out
}

func containsOrigin(list []generators.Origin, o generators.Origin) bool {
	for _, x := range list {
		if x == o {
			return true
		}
	}
	return false
}

// renamedTo returns the new selector of a removed list element
// (list.[name=old]) when the layer that removed it set the name of exactly
// one element of the same list: the element was re-keyed, not removed.
func renamedTo(n *yaml.RNode, top string, by generators.Origin, origins map[string]generators.Origin) string {
	parts := splitPath(top)
	last := parts[len(parts)-1]
	if !strings.HasPrefix(last, "[name=") || !strings.HasPrefix(by.Layer, "value ") {
		return ""
	}
	list := strings.Join(parts[:len(parts)-1], ".")
	ln, ok := lookupNode(n.YNode(), list)
	if !ok || ln.Kind != yaml.SequenceNode {
		return ""
	}
	var hits []string
	for i, el := range ln.Content {
		sel := elementPart(el, i)
		if o, ok := origins[joinPath(list, sel)+".name"]; ok && o == by && sel != last {
			hits = append(hits, sel)
		}
	}
	if len(hits) != 1 {
		return ""
	}
	return hits[0]
}

// lookupNode follows a path in n.
func lookupNode(n *yaml.Node, path string) (*yaml.Node, bool) {
	if path == "" {
		return n, true
	}
	for _, part := range splitPath(path) {
		next, _ := step(n, part)
		if next == nil {
			return nil, false
		}
		n = next
	}
	return n, true
}

// highestMissing returns the shortest prefix of path that does not exist
// in n (path itself when its parent exists).
func highestMissing(n *yaml.Node, path string) string {
	parts := splitPath(path)
	cur := n
	for i, part := range parts {
		next, _ := step(cur, part)
		if next == nil {
			return strings.Join(parts[:i+1], ".")
		}
		cur = next
	}
	return path
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
	parts := splitPath(path)
	cur := n.YNode()
	canon := ""
	for i, part := range parts {
		next, _ := step(cur, part)
		if next == nil {
			rest := strings.Join(parts[i:], ".")
			want := joinPath(canon, rest)
			if removed := removedFields(n, e.deleted(id), e.origins(id), want); len(removed) > 0 {
				return removed, ""
			}
			where := "at the top level"
			if canon != "" {
				where = "under " + canon
			}
			names := childNames(cur)
			for d := range e.deleted(id) {
				if rest, ok := strings.CutPrefix(d, canon+"."); ok || canon == "" {
					if canon == "" {
						rest = d
					}
					if next := splitPath(rest)[0]; !contains(names, next) {
						names = append(names, next)
					}
				}
			}
			msg := fmt.Sprintf("no such field %q in %s; fields %s are: %s", path, id, where, strings.Join(childNames(cur), ", "))
			if best := generators.Suggest(part, names); best != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", joinPath(canon, best))
			}
			return nil, msg
		}
		canon = joinPath(canon, canonicalPart(cur, next, part))
		cur = next
	}
	origins := e.origins(id)
	secret := credentials.Nodes(n)
	var out []string
	eachLeaf(cur, canon, func(l *yaml.Node, p string) {
		first, rest, _ := strings.Cut(leafValue(secret, l), "\n")
		line := fmt.Sprintf("%s: %s  # %s", p, first, originText(origins, p))
		if rest != "" {
			line += "\n" + rest
		}
		out = append(out, line)
	})
	out = append(out, removedFields(n, e.deleted(id), e.origins(id), canon)...)
	return out, ""
}

// canonicalPart names child the way the trace does.
func canonicalPart(parent, child *yaml.Node, part string) string {
	if parent.Kind == yaml.SequenceNode {
		for i, c := range parent.Content {
			if c == child {
				return elementPart(c, i)
			}
		}
	}
	for i := 0; i+1 < len(parent.Content); i += 2 {
		if parent.Content[i+1] == child {
			return keyPart(parent.Content[i].Value)
		}
	}
	return part
}

func childNames(n *yaml.Node) []string {
	var out []string
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			out = append(out, keyPart(n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			out = append(out, elementPart(c, i))
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
