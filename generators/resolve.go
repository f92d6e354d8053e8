package generators

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kurator-scenario/scenario-fn/internal/yamlbin"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// MaxChainDepth bounds how deep extends may nest; deeper chains are
// reported as errors instead of exhausting memory on hostile input.
const MaxChainDepth = 64

//go:embed catalog/*.yaml
var catalogFS embed.FS

// The built-in templates are parsed when first named: a render reads only
// the files of its chain (catalog/<name>.yaml holds template <name>).
var builtins = struct {
	sync.Mutex
	byName map[string]*builtinEntry
}{byName: map[string]*builtinEntry{}}

// builtinEntry is one built-in, parsed once; t is nil for a name that is
// not a built-in.
type builtinEntry struct {
	once sync.Once
	t    atomic.Pointer[Template]
}

// Catalog returns every built-in template by name.
func Catalog() map[string]*Template {
	files, err := fs.Glob(catalogFS, "catalog/*.yaml")
	if err != nil {
		panic(fmt.Sprintf("generators: the built-in catalog is broken: %v", err))
	}
	out := make(map[string]*Template, len(files))
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".yaml")
		out[name] = builtin(name)
	}
	return out
}

// builtin returns the built-in template name, parsing its file the first
// time, or nil. The files are embedded: a broken one is a build defect
// (TestCatalog parses them all), so it panics.
func builtin(name string) *Template {
	builtins.Lock()
	e := builtins.byName[name]
	if e == nil {
		e = &builtinEntry{}
		builtins.byName[name] = e
	}
	builtins.Unlock()
	e.once.Do(func() {
		file := "catalog/" + name + ".yaml"
		docs, ok, err := compiledCatalog().Section(name)
		if !ok {
			return // not a built-in (or not a file name)
		}
		var t *Template
		if err == nil {
			t, err = parseBuiltin(docs, file, name)
		}
		if err != nil {
			panic(fmt.Sprintf("generators: the built-in catalog is broken: %v", err))
		}
		e.t.Store(t)
		warmUp(t)
	})
	return e.t.Load()
}

// warmUp starts, on other goroutines, what a render of t needs next: the
// built-ins t extends and the schemas of the Kurator kinds it writes. A
// one-instance run resolves its chain one template at a time and meets
// each schema at its first merge; warmed up, the parsing and the schema
// decoding overlap on a second core. Both are done once (builtin, the
// schema set), so a warm-up that loses the race costs nothing.
func warmUp(t *Template) {
	for _, ext := range t.Extends {
		if krm.IsDNS1123Subdomain(ext) { // a name, not a path
			go builtin(ext)
		}
	}
	seen := map[string]bool{}
	for _, list := range [][]*yaml.RNode{t.Resources, t.Overlays} {
		for _, r := range list {
			av, kind := r.GetApiVersion(), r.GetKind()
			if kurator.IsKurator(av) && !seen[av+"/"+kind] {
				seen[av+"/"+kind] = true
				go kurator.Lookup(av, kind)
			}
		}
	}
}

// isBuiltin reports whether t is a built-in template (not a package
// template of the same name).
func isBuiltin(t *Template) bool {
	if t == nil {
		return false
	}
	builtins.Lock()
	e := builtins.byName[t.Name]
	builtins.Unlock()
	return e != nil && e.t.Load() == t
}

// The built-in catalog is embedded twice: as YAML (the source, which
// `templates show` and the docs read) and as the nodes that YAML parses
// to, in internal/yamlbin's binary form, which a process decodes several
// times faster than it parses the YAML (12 templates for a canary-service
// instance: the largest cost of a one-instance run after the schemas).
// `go generate ./generators` writes it (CompileCatalog); TestCompiledCatalog
// checks that it is current and decodes to exactly the parsed nodes.
//
//go:generate go run ../internal/compilecatalog catalog.yamlbin
//go:embed catalog.yamlbin
var catalogBin []byte

var (
	catalogOnce sync.Once
	catalogFile *yamlbin.File
)

func compiledCatalog() *yamlbin.File {
	catalogOnce.Do(func() {
		f, err := yamlbin.Open(catalogBin)
		if err != nil {
			panic(fmt.Sprintf("generators: the compiled catalog is broken (go generate ./generators): %v", err))
		}
		catalogFile = f
	})
	return catalogFile
}

// CompileCatalog returns the compiled form of the built-in catalog: for
// each catalog/<name>.yaml, section <name> holds the documents
// readTemplateNodes parses from it.
func CompileCatalog() ([]byte, error) {
	files, err := fs.Glob(catalogFS, "catalog/*.yaml")
	if err != nil {
		return nil, err
	}
	var sections []yamlbin.Section
	for _, f := range files {
		data, err := fs.ReadFile(catalogFS, f)
		if err != nil {
			return nil, err
		}
		nodes, err := readTemplateNodes(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		s := yamlbin.Section{Name: strings.TrimSuffix(path.Base(f), ".yaml")}
		for _, n := range nodes {
			s.Docs = append(s.Docs, n.YNode())
		}
		sections = append(sections, s)
	}
	return yamlbin.Encode(sections)
}

// readTemplateNodes parses the documents of a template file.
func readTemplateNodes(data []byte) ([]*yaml.RNode, error) {
	return (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
}

func parseBuiltin(docs []*yaml.Node, file, name string) (*Template, error) {
	nodes := make([]*yaml.RNode, len(docs))
	for i, d := range docs {
		nodes[i] = yaml.NewRNode(d)
	}
	ts, problems := parseTemplateNodes(nodes, file, true)
	if problems.HasErrors() {
		return nil, problems
	}
	if len(ts) != 1 || ts[0].Name != name {
		return nil, fmt.Errorf("%s must hold exactly one template, named %q", file, name)
	}
	return ts[0], nil
}

// CatalogNames lists the built-in template names in order.
func CatalogNames() []string {
	var names []string
	for n := range Catalog() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// parseTemplateFile parses every ScenarioTemplate document of a file.
func parseTemplateFile(data []byte, file string, lines bool) ([]*Template, krm.Problems) {
	nodes, err := readTemplateNodes(data)
	if err != nil {
		var problems krm.Problems
		problems.Errorf(nil, "", krm.Source{File: file}, "fix the YAML syntax", "cannot parse: %v", err)
		return nil, problems
	}
	return parseTemplateNodes(nodes, file, lines)
}

// parseTemplateNodes parses the ScenarioTemplate documents among nodes,
// the documents of file.
func parseTemplateNodes(nodes []*yaml.RNode, file string, lines bool) ([]*Template, krm.Problems) {
	var problems krm.Problems
	var out []*Template
	// Aliases are measured before anything follows them, and expanded the
	// way the function expands them in items.
	aliases := krm.NewAliases(krm.AliasBudget())
	for _, n := range nodes {
		uses, err := aliases.Measure(n.YNode())
		if err != nil {
			problems.Errorf(krm.IDOf(n), "", krm.Source{File: file}, krm.AliasFix, "%v", err)
			continue
		}
		if uses {
			if err := n.DeAnchor(); err != nil {
				problems.Errorf(krm.IDOf(n), "", krm.Source{File: file}, krm.AliasFix, "cannot expand its YAML aliases: %v", err)
				continue
			}
		}
		if n.GetKind() != Kind {
			continue
		}
		t, ps := ParseTemplate(n, file, lines)
		problems = append(problems, ps...)
		if t != nil {
			out = append(out, t)
		}
	}
	if len(out) == 0 && !problems.HasErrors() {
		problems.Errorf(nil, "", krm.Source{File: file}, "the file must contain a ScenarioTemplate ("+APIVersion+")",
			"no ScenarioTemplate in the file")
	}
	return out, problems
}

// Resolver finds the templates an instance extends.
type Resolver struct {
	// Package holds ScenarioTemplates found among the input items, by name.
	Package map[string]*Template
	// Root confines template files named by path; nil refuses paths.
	Root *os.Root

	files map[string][]*Template // parsed files by clean path
	// filterValues writes every value with the replacement filter, never
	// through a chain's value plan: the reference the plan's differential
	// test compares with (fastvalues_test.go).
	filterValues bool
}

// isPath tells a file reference (./x.yaml, dir/x.yaml) from a name.
func isPath(ref string) bool {
	return strings.ContainsAny(ref, `/\`) || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml")
}

// lookup resolves one extends entry. from is the template that names it
// (its directory anchors relative paths).
func (r *Resolver) lookup(ref string, from *Template) (*Template, string, string) {
	if !isPath(ref) {
		if t, ok := r.Package[ref]; ok {
			return t, "", ""
		}
		if t := builtin(ref); t != nil {
			return t, "", ""
		}
		return nil, fmt.Sprintf("unknown template %q", ref), r.knownHint(ref)
	}
	if r.Root == nil {
		return nil, fmt.Sprintf("template file %q cannot be read here", ref), "put the template in the package, or run where the file is"
	}
	if path.IsAbs(ref) || strings.HasPrefix(ref, `\`) || (len(ref) > 1 && ref[1] == ':') {
		return nil, fmt.Sprintf("template path %q is absolute", ref), "use a path relative to the package (./platform/canary.yaml)"
	}
	p := ref
	if from != nil && from.Dir != "" {
		p = path.Join(from.Dir, ref)
	}
	p = path.Clean(p)
	if p == ".." || strings.HasPrefix(p, "../") {
		return nil, fmt.Sprintf("template path %q leaves the package directory", ref), "keep templates inside the package"
	}
	if ts, ok := r.files[p]; ok {
		return firstTemplate(ts), "", ""
	}
	data, err := r.readFile(p)
	var notRegular *krm.NotRegularError
	var tooLarge *krm.TooLargeError
	switch {
	case errors.As(err, &notRegular):
		return nil, fmt.Sprintf("template path %q is not a regular file (%s)", ref, notRegular.What()),
			"name a template file; named pipes, devices and sockets are not read"
	case errors.As(err, &tooLarge):
		return nil, fmt.Sprintf("template file %q is larger than %d bytes, the input limit", ref, tooLarge.Limit),
			"split the template, or set " + krm.MaxInputBytesEnv + " to raise the limit"
	case err != nil:
		msg := fmt.Sprintf("cannot read template file %q: %v", ref, unwrapPathError(err))
		if strings.Contains(err.Error(), "escapes from parent") || strings.Contains(err.Error(), "path escapes") {
			msg = fmt.Sprintf("template path %q leaves the package directory (through a symlink or ..)", ref)
		}
		return nil, msg, "check the path; it is resolved against the directory the runner gives the function"
	}
	ts, problems := parseTemplateFile(data, p, true)
	if problems.HasErrors() {
		return nil, fmt.Sprintf("template file %q is invalid: %s", ref, problems.Error()), ""
	}
	if r.files == nil {
		r.files = map[string][]*Template{}
	}
	for _, t := range ts {
		t.Ref = p
		t.Dir = path.Dir(p)
	}
	r.files[p] = ts
	return firstTemplate(ts), "", ""
}

// readFile reads a template file through the root: a regular file of at
// most krm.MaxInputBytes, opened without blocking (a FIFO would block
// the open until another process writes to it).
func (r *Resolver) readFile(p string) ([]byte, error) {
	f, err := r.Root.OpenFile(p, krm.OpenFlags, 0)
	if err != nil {
		return nil, err
	}
	return krm.ReadRegular(f, p, krm.MaxInputBytes())
}

func firstTemplate(ts []*Template) *Template {
	if len(ts) == 0 {
		return nil
	}
	return ts[0]
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

func (r *Resolver) knownHint(ref string) string {
	var names []string
	for n := range r.Package {
		names = append(names, n)
	}
	names = append(names, CatalogNames()...)
	sort.Strings(names)
	hint := "known templates: " + strings.Join(names, ", ") + "; or a relative file path like ./platform/app.yaml"
	if best := Suggest(ref, names); best != "" {
		hint = fmt.Sprintf("did you mean %q? ", best) + hint
	}
	return hint
}

// Add makes a package template available to extends by name. It refuses a
// second template of the same name and returns the one already there.
func (r *Resolver) Add(t *Template) (existing *Template) {
	if r.Package == nil {
		r.Package = map[string]*Template{}
	}
	if prev, dup := r.Package[t.Name]; dup {
		return prev
	}
	r.Package[t.Name] = t
	return nil
}

// Chain linearises the templates inst extends: each parent's own chain
// first, parents left to right, each template once. The instance itself is
// not included.
func (r *Resolver) Chain(inst *Template) ([]*Template, krm.Problems) {
	var problems krm.Problems
	var out []*Template
	done := map[*Template]bool{}
	var stack []*Template
	var visit func(t *Template, depth int) bool
	visit = func(t *Template, depth int) bool {
		if depth > MaxChainDepth {
			problems.Errorf(krm.IDOf(inst.Node), "spec.extends", krm.Source{File: t.Source}, "flatten the template hierarchy",
				"extends chain deeper than %d levels", MaxChainDepth)
			return false
		}
		for i, ref := range t.Extends {
			parent, msg, hint := r.lookup(ref, t)
			if parent == nil {
				problems.Errorf(krm.IDOf(t.Node), fmt.Sprintf("spec.extends.%d", i), t.at(extendsNode(t, i)), hint, "%s", msg)
				return false
			}
			for j, s := range stack {
				if s == parent {
					var names []string
					for _, c := range stack[j:] {
						names = append(names, c.Ref)
					}
					names = append(names, parent.Ref)
					problems.Errorf(krm.IDOf(t.Node), fmt.Sprintf("spec.extends.%d", i), t.at(extendsNode(t, i)),
						"remove one of the extends entries that close the cycle",
						"extends cycle: %s", strings.Join(names, " -> "))
					return false
				}
			}
			if done[parent] {
				continue
			}
			stack = append(stack, parent)
			ok := visit(parent, depth+1)
			stack = stack[:len(stack)-1]
			if !ok {
				return false
			}
			done[parent] = true
			out = append(out, parent)
		}
		return true
	}
	stack = append(stack, inst)
	visit(inst, 0)
	return out, problems
}

func extendsNode(t *Template, i int) *yaml.RNode {
	if t.Node == nil {
		return nil
	}
	n, _ := t.Node.Pipe(yaml.Lookup("spec", "extends", fmt.Sprint(i)))
	return n
}

// Lookup resolves a template reference, a name or a relative path, the way
// extends does from the function's root.
func (r *Resolver) Lookup(ref string) (*Template, error) {
	t, msg, hint := r.lookup(ref, nil)
	if t == nil {
		if hint != "" {
			msg += " (" + hint + ")"
		}
		return nil, fmt.Errorf("%s", msg)
	}
	return t, nil
}

// Resolved is a template with its whole chain applied, before any values:
// what the template contributes, as `scenario-fn templates show` prints it.
type Resolved struct {
	Template  *Template
	Chain     []*Template
	Params    []*Param
	Resources []*yaml.RNode
}

// Resolve merges t's chain and t's own resources. Resource names are the
// template names (roles), not yet derived from an instance.
func (r *Resolver) Resolve(t *Template) (*Resolved, krm.Problems) {
	chain, problems := r.Chain(t)
	if problems.HasErrors() {
		return nil, problems
	}
	layers := append(append([]*Template(nil), chain...), t)
	params, ps := Parameters(layers)
	problems = append(problems, ps...)
	Presets(params, layers)
	rd := &render{inst: &Template{Name: t.Name, Node: t.Node}}
	for _, l := range layers {
		rd.mergeResources(l)
	}
	problems = append(problems, rd.problems...)
	if problems.HasErrors() {
		return nil, problems
	}
	markPrototypes(rd.resources, params)
	return &Resolved{Template: t, Chain: chain, Params: params, Resources: rd.nodes()}, problems
}
