package cli

// How validate understands the project's own files: partial resources in
// templates and overlay items, instances rendered with their package, and
// what spans the objects of one input.

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

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
	p := f.Problem(id, krm.Source{File: file, Line: lineOf(n, f.Path)})
	if in != "" {
		p.Message = "in " + in + ": " + p.Message
	}
	return p
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

// locate finds the line of a render problem in the file it names (the
// function, fed a ResourceList, knows files but not lines): the instance
// value that set the field (the generator names its parameter, p.Param),
// or the field in an overlay of the same kind.
func locate(p krm.Problem, docs []document) int {
	for _, d := range docs {
		if d.File != p.Source.File {
			continue
		}
		if p.Param != "" {
			if v := lookupValue(d.Node, p.Param); v != nil {
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

// linkProblems checks what spans the Kurator objects of one input (a
// Backup's Fleet without the backup plugin).
func linkProblems(in *input) krm.Problems {
	var objs []*yaml.RNode
	var files []string
	for _, d := range in.Docs {
		if isObject(d.Node) && kurator.IsKurator(d.Node.GetApiVersion()) && !generators.IsOverlay(d.Node) {
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
