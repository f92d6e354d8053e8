package cli

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

func init() { commands["validate"] = runValidate }

const validateUsage = `Usage: scenario-fn validate FILE|DIR|- ...

Validates Kurator objects of every kind (Fleet, Application, Pipeline,
AttachedCluster, Cluster, Backup, Restore, Migrate; hand-written or generated)
against the CRDs embedded in scenario-fn, the controller and webhook rules
the CRDs do not express, and value checks (names of referenced objects, image
references, durations, quantities). Project files are understood: templates
and overlay items (scenario.kurator.dev/overlay) are partial resources, so
their Kurator resources are checked for types, enums, patterns and unknown
fields but not for required fields; every instance (a ScenarioTemplate
annotated config.kubernetes.io/function) is rendered as by
"scenario-fn render" and its output validated. Directories are searched
recursively for *.yaml and *.yml files (hidden files and directories are
skipped); - reads standard input. Objects of other kinds (Cluster API,
Kubernetes, Flux, ...) are skipped and counted, never rejected.

Each problem is printed on stderr as
  error: FILE:LINE: Kind namespace/name: field.path: what is wrong (fix: how to fix it)
followed by a summary line on stdout. The exit code is 1 when there is any
error (warnings alone exit 0).

Examples:
  scenario-fn validate fleet.yaml
  scenario-fn validate examples/ rendered/
  scenario-fn render orders/ | scenario-fn validate -
`

func runValidate(args []string, stdio IO) int {
	fs := newFlagSet("validate")
	pos, code, done := parseArgs(fs, args, validateUsage, stdio)
	if done {
		return code
	}
	if len(pos) == 0 {
		return usageError(stdio, validateUsage, fs, "validate needs at least one FILE or DIR")
	}
	var problems krm.Problems
	var docs []document
	files, objects, others, instances := 0, 0, 0, 0
	for _, arg := range pos {
		var in *input
		var ps krm.Problems
		if arg == "-" {
			data, err := io.ReadAll(stdio.In)
			if err != nil {
				return errorf(stdio, "reading stdin: %v", err)
			}
			docs, dps := parseDocuments(data, "<stdin>")
			in, ps = &input{Root: ".", Files: []string{"<stdin>"}, Docs: docs}, dps
		} else {
			var err error
			in, ps, err = readInput(arg)
			if err != nil {
				return errorf(stdio, "%v", err)
			}
		}
		for _, p := range ps {
			p.Source.File = filepath.ToSlash(filepath.Join(in.Root, p.Source.File))
			problems = append(problems, p)
		}
		files += len(in.Files)
		docs = append(docs, in.Docs...)
		for _, d := range in.Docs {
			ps, checked := validateDocument(d, filepath.ToSlash(filepath.Join(in.Root, d.File)))
			problems = append(problems, ps...)
			if checked {
				objects++
			} else if ps == nil {
				others++
			}
		}
		problems = append(problems, linkProblems(in)...)
		ps, n, err := renderInstances(in)
		if err != nil {
			return errorf(stdio, "%v", err)
		}
		problems = append(problems, withoutRepeats(ps, problems)...)
		instances += n
	}
	sort.SliceStable(problems, func(i, j int) bool {
		a, b := problems[i].Source, problems[j].Source
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	errs, warns := printProblems(stdio.Err, fn.MaskProblems(docsMasker(docs), problems))
	pal := paletteFor(stdio.Out)
	rendered := ""
	if instances > 0 {
		rendered = ", " + plural(instances, "instance") + " rendered"
	}
	summary := fmt.Sprintf("%s, %s%s, %s skipped, %s, %s", plural(files, "file"), plural(objects, "Kurator object"), rendered,
		plural(others, "other object"), plural(errs, "error"), plural(warns, "warning"))
	switch {
	case errs > 0:
		fmt.Fprintln(stdio.Out, pal.red(summary))
		return exitError
	case warns > 0:
		fmt.Fprintln(stdio.Out, pal.yellow(summary))
	default:
		fmt.Fprintln(stdio.Out, pal.green(summary))
	}
	return exitOK
}

// validateDocument checks one document; file names it in messages. checked says whether it was a
// Kurator object or a ScenarioTemplate (counted as checked).
func validateDocument(d document, file string) (krm.Problems, bool) {
	var problems krm.Problems
	n := d.Node
	if n.YNode().Kind != yaml.MappingNode {
		problems.Errorf(nil, "", krm.Source{File: file, Line: n.YNode().Line},
			"a Kubernetes object is a YAML map with apiVersion, kind, metadata and spec",
			"not a Kubernetes object: the document is %s", kindOfNode(n.YNode()))
		return problems, false
	}
	meta, err := n.GetMeta()
	if err != nil {
		meta = yaml.ResourceMeta{}
	}
	group, _, _ := strings.Cut(meta.APIVersion, "/")
	switch {
	case meta.Kind == generators.Kind && group == "scenario.kurator.dev":
		if isInstance(n) {
			// Rendered by renderInstances, which reports what ParseTemplate finds.
			return nil, true
		}
		t, ps := generators.ParseTemplate(n, file, true)
		for _, p := range ps {
			if p.Field != "" && p.Source.File == file {
				p.Source.Line = lineOf(n, p.Field)
			}
			problems = append(problems, p)
		}
		if t != nil {
			for _, part := range []struct {
				field string
				nodes []*yaml.RNode
			}{{"spec.resources", t.Resources}, {"spec.overlays", t.Overlays}} {
				for i, r := range part.nodes {
					problems = append(problems, partialProblems(r, file, fmt.Sprintf("%s.%d", part.field, i))...)
				}
			}
		}
		return problems, true
	case kurator.IsKurator(meta.APIVersion):
		if overlayItem(n) {
			return partialProblems(n, file, ""), true
		}
		id := krm.IDOf(n)
		for _, f := range kurator.Validate(n) {
			problems = append(problems, findingProblem(f, id, n, file, ""))
		}
		return problems, true
	}
	return nil, false
}

// linkProblems checks what spans the Kurator objects of one input (a
// Backup's Fleet without the backup plugin).
func linkProblems(in *input) krm.Problems {
	var objs []*yaml.RNode
	var files []string
	for _, d := range in.Docs {
		if isObject(d.Node) && kurator.IsKurator(d.Node.GetApiVersion()) && !overlayItem(d.Node) {
			objs = append(objs, d.Node)
			files = append(files, filepath.ToSlash(filepath.Join(in.Root, d.File)))
		}
	}
	var problems krm.Problems
	for _, lf := range kurator.CheckLinks(objs) {
		problems = append(problems, findingProblem(lf.Finding, krm.IDOf(objs[lf.Index]), objs[lf.Index], files[lf.Index], ""))
	}
	return problems
}

// overlayItem: an object annotated scenario.kurator.dev/overlay is a
// partial resource merged into instances' output.
func overlayItem(n *yaml.RNode) bool {
	v := n.GetAnnotations()[generators.AnnotationOverlay]
	return v != "" && v != "false"
}

// partialProblems validates a partial Kurator resource (a template's
// resource or overlay, an overlay item); in names where it sits in its
// document ("spec.resources.0"), for messages.
func partialProblems(r *yaml.RNode, file, in string) krm.Problems {
	if !kurator.IsKurator(r.GetApiVersion()) {
		return nil
	}
	var problems krm.Problems
	id := krm.IDOf(r)
	for _, f := range kurator.ValidatePartial(r) {
		problems = append(problems, findingProblem(f, id, r, file, in))
	}
	return problems
}

func findingProblem(f kurator.Finding, id *yaml.ResourceIdentifier, n *yaml.RNode, file, in string) krm.Problem {
	sev := framework.Error
	if f.Severity == kurator.Warning {
		sev = framework.Warning
	}
	msg := f.Message
	if in != "" {
		msg = "in " + in + ": " + msg
	}
	return krm.Problem{Severity: sev, Resource: id, Field: f.Path,
		Source: krm.Source{File: file, Line: lineOf(n, f.Path)}, Message: msg, Hint: f.Hint}
}

// renderInstances renders every instance of in as "scenario-fn render"
// does (the other objects of its package are the items) and returns the
// problems, which include the validation of the output, located in the file
// and line that set each field. When in is a single file inside a package
// (a kustomization or Kptfile up to 8 directories above it, not above the
// top of a git repository), the package is read so that the instance finds
// its templates and overlays.
func renderInstances(in *input) (krm.Problems, int, error) {
	if pin, file := enclosingPackage(in); pin != nil {
		ps, n, err := renderIn(pin, func(d document) bool { return d.File == file })
		return ps, n, err
	}
	return renderIn(in, func(document) bool { return true })
}

func renderIn(in *input, want func(document) bool) (krm.Problems, int, error) {
	var instances, others []document
	kpt := kptConfigs(in)
	for _, d := range in.Docs {
		if !isObject(d.Node) {
			continue
		}
		if isInstance(d.Node) || (kpt[d.File] && isTemplate(d.Node)) {
			if want(d) {
				instances = append(instances, d)
			}
		} else {
			others = append(others, d)
		}
	}
	if len(instances) == 0 {
		return nil, 0, nil
	}
	root, err := os.OpenRoot(in.Root)
	if err != nil {
		return nil, 0, err
	}
	defer root.Close()
	var problems krm.Problems
	for _, inst := range instances {
		_, ps := renderInstance(root, inst, packageItems(in, inst, others), "")
		for _, p := range ps {
			if p.Source.File != "" && !strings.HasPrefix(p.Source.File, "catalog/") {
				if p.Source.Line == 0 {
					p.Source.Line = locate(p, in.Docs)
				}
				if in.Root != "." {
					p.Source.File = filepath.ToSlash(filepath.Join(in.Root, p.Source.File))
				}
			}
			problems = append(problems, p)
		}
	}
	return problems, len(instances), nil
}

// kptConfigs: the files that Kptfiles in in's directories name as the
// configPath of a function (a ScenarioTemplate there is an instance, as kpt
// runs it).
func kptConfigs(in *input) map[string]bool {
	out := map[string]bool{}
	if len(in.Files) == 1 && in.Files[0] == "<stdin>" {
		return out
	}
	dirs := map[string]bool{}
	for _, f := range in.Files {
		for d := path.Dir(f); !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			if d == "." || d == "/" {
				break
			}
		}
	}
	for d := range dirs {
		data, err := os.ReadFile(filepath.Join(in.Root, filepath.FromSlash(d), "Kptfile"))
		if err != nil {
			continue
		}
		var k struct {
			Pipeline struct {
				Mutators, Validators []struct {
					ConfigPath string `json:"configPath"`
				}
			}
		}
		if k8syaml.Unmarshal(data, &k) != nil {
			continue
		}
		for _, fn := range append(k.Pipeline.Mutators, k.Pipeline.Validators...) {
			if fn.ConfigPath != "" {
				out[path.Join(d, fn.ConfigPath)] = true
			}
		}
	}
	return out
}

// enclosingPackage: for a single-file input holding a ScenarioTemplate, the
// package directory above it, read whole, and the file's path in it.
func enclosingPackage(in *input) (*input, string) {
	if len(in.Files) != 1 || in.Files[0] == "<stdin>" {
		return nil, ""
	}
	hasTemplate := false
	for _, d := range in.Docs {
		hasTemplate = hasTemplate || isInstance(d.Node) || isTemplate(d.Node)
	}
	if !hasTemplate {
		return nil, ""
	}
	dir, rel := in.Root, in.Files[0]
	for i := 0; i <= 8; i++ {
		for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization", "Kptfile"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				pin, _, err := readInput(dir)
				if err != nil {
					return nil, ""
				}
				return pin, rel
			}
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return nil, "" // the top of a repository: a package is not above it
		}
		parent := filepath.Join(dir, "..")
		abs, err1 := filepath.Abs(dir)
		pabs, err2 := filepath.Abs(parent)
		if err1 != nil || err2 != nil || abs == pabs {
			return nil, ""
		}
		rel = path.Join(filepath.Base(abs), rel)
		dir = filepath.Clean(parent)
	}
	return nil, ""
}

// packageItems picks the items a runner would give the instance: the
// resources, generators and transformers of the nearest kustomization above
// it (recursively, within the input), or every object of the nearest kpt
// package (a directory with a Kptfile), or else every other object of the
// input. So "validate examples/" renders each example as its own package.
func packageItems(in *input, inst document, others []document) []document {
	if len(in.Files) == 1 && in.Files[0] == "<stdin>" {
		return others
	}
	for dir := path.Dir(inst.File); ; dir = path.Dir(dir) {
		if files := kustomizationFiles(in.Root, dir, map[string]bool{}); files != nil {
			var out []document
			for _, d := range others {
				if files[d.File] {
					out = append(out, d)
				}
			}
			return out
		}
		if _, err := os.Stat(filepath.Join(in.Root, filepath.FromSlash(dir), "Kptfile")); err == nil {
			var out []document
			for _, d := range others {
				if dir == "." || strings.HasPrefix(d.File, dir+"/") {
					out = append(out, d)
				}
			}
			return out
		}
		if dir == "." || dir == "/" {
			return others
		}
	}
}

// kustomizationFiles lists the files (slash paths relative to root) that
// the kustomization in dir reads as resources, generators, transformers or
// components, following directories that hold a kustomization (each once);
// nil when dir has none. Entries that leave root and URLs are ignored.
func kustomizationFiles(root, dir string, seen map[string]bool) map[string]bool {
	if seen[dir] || len(seen) > 256 {
		return map[string]bool{}
	}
	seen[dir] = true
	var data []byte
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(dir), name))
		if err == nil {
			data = b
			break
		}
	}
	if data == nil {
		return nil
	}
	var k struct {
		Resources, Generators, Transformers, Components []string
	}
	if err := k8syaml.Unmarshal(data, &k); err != nil {
		return map[string]bool{}
	}
	out := map[string]bool{}
	for _, list := range [][]string{k.Resources, k.Generators, k.Transformers, k.Components} {
		for _, e := range list {
			if strings.Contains(e, "://") {
				continue
			}
			p := path.Join(dir, e)
			if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) {
				continue
			}
			if sub := kustomizationFiles(root, p, seen); sub != nil {
				for f := range sub {
					out[f] = true
				}
				continue
			}
			out[p] = true
		}
	}
	return out
}

var setByValue = regexp.MustCompile(`\[set by value "([^"]+)"`)

// locate finds the line of a render problem in the file it names (the
// function, fed a ResourceList, knows files but not lines): the instance
// value that set the field, or the field in an overlay of the same kind.
func locate(p krm.Problem, docs []document) int {
	m := setByValue.FindStringSubmatch(p.Message)
	for _, d := range docs {
		if d.File != p.Source.File {
			continue
		}
		if m != nil {
			if v := lookupValue(d.Node, m[1]); v != nil {
				return v.YNode().Line
			}
			continue
		}
		if p.Resource != nil && d.Node.GetKind() == p.Resource.Kind && p.Field != "" {
			return lineOf(d.Node, p.Field)
		}
	}
	return 0
}

func lookupValue(n *yaml.RNode, name string) *yaml.RNode {
	v, err := n.Pipe(yaml.Lookup("spec", "values", name))
	if err != nil || v == nil {
		return nil
	}
	if f := n.Field("spec"); f != nil {
		if vs := f.Value.Field("values"); vs != nil {
			if k := vs.Value.Field(name); k != nil {
				return k.Key
			}
		}
	}
	return v
}

// withoutRepeats drops the render problems that repeat one already found
// in the file itself (an overlay's or template's field, then again in the
// output it went into): the direct one has the line.
func withoutRepeats(rendered, direct krm.Problems) krm.Problems {
	key := func(p krm.Problem) string {
		msg := p.Message
		if strings.HasPrefix(msg, "in spec.") {
			if _, rest, ok := strings.Cut(msg, ": "); ok {
				msg = rest
			}
		}
		if i := strings.LastIndex(msg, " ["); i > 0 && strings.HasSuffix(msg, "]") {
			msg = msg[:i]
		}
		return p.Source.File + "\x00" + p.Field + "\x00" + msg
	}
	seen := map[string]bool{}
	for _, p := range direct {
		seen[key(p)] = true
	}
	var out krm.Problems
	for _, p := range rendered {
		if !seen[key(p)] {
			out = append(out, p)
		}
	}
	return out
}

func kindOfNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", n.Value)
	}
	return "not a map"
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
