package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// document is one YAML document of an input file.
type document struct {
	// File is the path relative to the input's root, slash-separated.
	File string
	// Node is the document; its line numbers count from the top of File,
	// not of the document.
	Node *yaml.RNode
}

// input is what a FILE|DIR argument holds.
type input struct {
	// Root is the directory the files are relative to: DIR itself, or the
	// directory of FILE. Template paths in extends resolve against it.
	Root  string
	Files []string // relative to Root, sorted
	Docs  []document
}

// isYAML tells the files commands read.
func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

func isHidden(name string) bool { return len(name) > 1 && strings.HasPrefix(name, ".") && name != ".." }

// listFiles returns the YAML files of arg: arg itself when it is a file,
// else every *.yaml and *.yml below it, recursively, sorted, skipping
// hidden files and directories and the directories in skip (absolute).
func listFiles(arg string, skip ...string) (root string, files []string, err error) {
	info, err := os.Stat(arg)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", arg, unwrapPath(err))
	}
	if !info.IsDir() {
		return filepath.Dir(arg), []string{filepath.Base(arg)}, nil
	}
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == arg {
			return nil
		}
		if d.IsDir() {
			if isHidden(d.Name()) || skipped(p, skip) {
				return filepath.SkipDir
			}
			return nil
		}
		if isHidden(d.Name()) || !isYAML(d.Name()) || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(arg, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	sort.Strings(files)
	return arg, files, nil
}

func skipped(p string, skip []string) bool {
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	for _, s := range skip {
		if abs == s {
			return true
		}
	}
	return false
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readInput reads every document of every YAML file of arg. Documents that
// are not valid YAML are reported as problems (file:line) and skipped.
func readInput(arg string, skip ...string) (*input, krm.Problems, error) {
	root, files, err := listFiles(arg, skip...)
	if err != nil {
		return nil, nil, err
	}
	in := &input{Root: root, Files: files}
	var problems krm.Problems
	// One alias budget and one size cap for all files of the argument.
	aliases := krm.NewAliases(krm.AliasBudget())
	limit := krm.MaxInputBytes()
	left := limit
	for _, f := range files {
		data, err := readFile(filepath.Join(root, filepath.FromSlash(f)), f, left)
		var tooLarge *krm.TooLargeError
		if errors.As(err, &tooLarge) {
			what := arg
			if what != f {
				what = fmt.Sprintf("%s (at %s)", arg, f)
			}
			return nil, nil, &krm.TooLargeError{What: what, Limit: limit}
		}
		var notRegular *krm.NotRegularError
		if errors.As(err, &notRegular) {
			return nil, nil, fmt.Errorf("%v: only regular files are read", err)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f, unwrapPath(err))
		}
		left -= int64(len(data))
		docs, ps := parseDocumentsWith(data, f, aliases)
		problems = append(problems, ps...)
		in.Docs = append(in.Docs, docs...)
	}
	return in, problems, nil
}

// readFile reads a regular file of at most limit bytes: a FIFO named on
// the command line must not block the command forever.
func readFile(p, name string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(p, krm.OpenFlags, 0)
	if err != nil {
		return nil, err
	}
	return krm.ReadRegular(f, name, limit)
}

// docSeparator is kio.ByteReader's: any line that starts with ---.
var docSeparator = regexp.MustCompile(`\n---.*\n`)

var yamlErrLine = regexp.MustCompile(`line (\d+):? ?`)

// parseDocuments splits data into documents the way kio.ByteReader does
// (so comments attach to the same documents), and shifts every node's line
// so that it counts from the top of the file. Empty documents are dropped;
// a document that is not valid YAML is reported and skipped.
//
// YAML aliases are measured before anything follows them: a document with
// an alias into its own anchor (it would contain itself), or whose aliases
// take the input past the alias budget, is reported and skipped.
func parseDocuments(data []byte, file string) ([]document, krm.Problems) {
	return parseDocumentsWith(data, file, krm.NewAliases(krm.AliasBudget()))
}

// parseDocumentsWith is parseDocuments charging aliases to a budget
// shared with other files.
func parseDocumentsWith(data []byte, file string, aliases *krm.Aliases) ([]document, krm.Problems) {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	type part struct {
		text  string
		first int // line of the part's first character
	}
	var parts []part
	prev := 0
	for _, loc := range docSeparator.FindAllStringIndex(s, -1) {
		sep := s[loc[0]:loc[1]]
		if rest := strings.TrimSpace(sep[4:]); rest != "" && rest[0] != '#' {
			line := strings.Count(s[:loc[0]+1], "\n") + 1
			return nil, krm.Problems{parseProblem(file, line, fmt.Sprintf("invalid document separator %q", strings.TrimSpace(sep)),
				"a line starting with --- separates documents; put content on the next line")}
		}
		parts = append(parts, part{s[prev:loc[0]] + "\n", strings.Count(s[:prev], "\n") + 1})
		prev = loc[1]
	}
	parts = append(parts, part{s[prev:], strings.Count(s[:prev], "\n") + 1})

	var out []document
	var problems krm.Problems
	for _, p := range parts {
		node := &yaml.Node{}
		err := yaml.NewDecoder(strings.NewReader(p.text)).Decode(node)
		if err == io.EOF {
			continue
		}
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			line := p.first
			if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
				n, _ := strconv.Atoi(m[1])
				line = p.first + n - 1
				msg = strings.Replace(msg, m[0], "", 1)
			}
			problems = append(problems, parseProblem(file, line, "invalid YAML: "+msg, "fix the YAML syntax (indentation, quotes, a missing ':')"))
			continue
		}
		if yaml.IsYNodeEmptyDoc(node) {
			continue
		}
		shiftLines(node, p.first-1, map[*yaml.Node]bool{})
		if _, err := aliases.Measure(node); err != nil {
			line, field := p.first, ""
			var cycle *krm.AliasCycleError
			if errors.As(err, &cycle) {
				line, field = cycle.Line, cycle.Path
			}
			var id *yaml.ResourceIdentifier
			if rn := yaml.NewRNode(node); isObject(rn) {
				id = krm.IDOf(rn)
			}
			problems = append(problems, krm.Problem{Severity: "error", Resource: id, Field: field, Source: krm.Source{File: file, Line: line},
				Message: err.Error() + "; the document is skipped", Hint: krm.AliasFix})
			continue
		}
		out = append(out, document{File: file, Node: yaml.NewRNode(node)})
	}
	return out, problems
}

func parseProblem(file string, line int, msg, hint string) krm.Problem {
	return krm.Problem{Severity: "error", Source: krm.Source{File: file, Line: line}, Message: msg, Hint: hint}
}

func shiftLines(n *yaml.Node, by int, seen map[*yaml.Node]bool) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	if n.Line > 0 {
		n.Line += by
	}
	for _, c := range n.Content {
		shiftLines(c, by, seen)
	}
}

// isObject tells whether a document looks like a Kubernetes object: a
// mapping with apiVersion and kind.
func isObject(n *yaml.RNode) bool {
	if n.YNode().Kind != yaml.MappingNode {
		return false
	}
	m, err := n.GetMeta()
	return err == nil && m.APIVersion != "" && m.Kind != ""
}

// lineOf returns the line of the field at path (kustomize syntax) in n: the
// line of its key for map fields, of the element for list elements. When
// the path does not exist, it is the line of the nearest existing ancestor.
func lineOf(n *yaml.RNode, path string) int {
	p, err := fieldpath.Parse(path)
	if err != nil {
		return n.YNode().Line
	}
	_, _, line := p.Reach(n.YNode())
	return line
}

// legacyRunnerAnnotations are config.kubernetes.io/path, index and id.
//
//lint:ignore SA1019 kustomize and older kpt still write the legacy annotations
var legacyRunnerAnnotations = []string{kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation, kioutil.LegacyIdAnnotation}

// stripRunnerAnnotations removes the annotations runners add and strip
// (internal.config.kubernetes.io/*, config.kubernetes.io/path and index),
// and the annotations map when nothing else is left in it.
func stripRunnerAnnotations(n *yaml.RNode) {
	ann := n.GetAnnotations()
	changed := false
	for k := range ann {
		if strings.HasPrefix(k, "internal.config.kubernetes.io/") || slices.Contains(legacyRunnerAnnotations, k) {
			_ = n.PipeE(yaml.ClearAnnotation(k))
			changed = true
		}
	}
	if changed && len(n.GetAnnotations()) == 0 {
		if md := n.Field("metadata"); md != nil {
			_ = md.Value.PipeE(yaml.Clear("annotations"))
		}
	}
}

// writeYAML writes nodes as a multi-document YAML stream, the way kpt
// writes package files (kio.ByteWriter, compact sequence indentation).
func writeYAML(w io.Writer, nodes []*yaml.RNode) error {
	if len(nodes) == 0 {
		return nil
	}
	defer krm.SpellNulls(nodes)()
	return kio.ByteWriter{Writer: w, KeepReaderAnnotations: true}.Write(nodes)
}

// pkg is a package of templates, instances and other resources, as the
// render, explain and templates commands see it.
type pkg struct {
	*input
	// Instances are ScenarioTemplate documents annotated
	// config.kubernetes.io/function: the function configs.
	Instances []document
	// Others are every other Kubernetes object of the input (templates,
	// overlays, resources), in file order.
	Others []document
}

// loadPackage reads arg (FILE|DIR) and sorts its objects. Documents that
// are not Kubernetes objects (no apiVersion or kind) are left out, as they
// would be by kustomize and kpt. YAML syntax errors come back as problems.
func loadPackage(arg string, skip ...string) (*pkg, krm.Problems, error) {
	in, problems, err := readInput(arg, skip...)
	if err != nil {
		return nil, nil, err
	}
	p := &pkg{input: in}
	for _, d := range in.Docs {
		if !isObject(d.Node) {
			continue
		}
		if isInstance(d.Node) {
			p.Instances = append(p.Instances, d)
		} else {
			p.Others = append(p.Others, d)
		}
	}
	return p, problems, nil
}

// isInstance tells a ScenarioTemplate used as a function config (it
// carries config.kubernetes.io/function) from a template.
func isInstance(n *yaml.RNode) bool {
	m, err := n.GetMeta()
	if err != nil || m.Kind != generators.Kind || m.APIVersion != generators.APIVersion {
		return false
	}
	_, ok := m.Annotations[runtimeutil.FunctionAnnotationKey]
	return ok
}

// isTemplate tells a ScenarioTemplate that is not an instance.
func isTemplate(n *yaml.RNode) bool {
	m, err := n.GetMeta()
	return err == nil && m.Kind == generators.Kind && m.APIVersion == generators.APIVersion && !isInstance(n)
}

// instanceID is "namespace/name" of an instance, the value of the
// scenario.kurator.dev/instance annotation on what it generates.
func instanceID(n *yaml.RNode) string {
	m, _ := n.GetMeta()
	return krm.NamespaceOrDefault(m.Namespace) + "/" + m.Name
}

// addTemplates parses the package's templates (with file lines) into the
// resolver; a name defined twice is an error.
func addTemplates(r *generators.Resolver, p *pkg) krm.Problems {
	var problems krm.Problems
	for _, d := range p.Others {
		if !isTemplate(d.Node) {
			continue
		}
		t, ps := generators.ParseTemplate(d.Node, d.File, true)
		problems = append(problems, ps...)
		if t == nil {
			continue
		}
		if prev := r.Add(t); prev != nil {
			problems.Errorf(krm.IDOf(d.Node), "metadata.name", krm.Source{File: d.File, Line: d.Node.YNode().Line},
				"rename one of them", "template %q is defined twice (also in %s)", t.Name, prev.Source)
		}
	}
	return problems
}
