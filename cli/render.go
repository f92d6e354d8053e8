package cli

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const renderLong = `Renders every instance (a ScenarioTemplate annotated config.kubernetes.io/function)
found in FILE, or in the *.yaml and *.yml files under DIR, without kustomize or
kpt. The output is byte for byte what the KRM function generates for the same
input: use it in CI jobs that commit hydrated output for Flux.

Every other object under the path is an input item, as under kpt: templates an
instance extends by name, overlays (scenario.kurator.dev/overlay), other
resources. Template files named by path in extends resolve against DIR (or the
directory of FILE) and must stay inside it.

Output goes to stdout as one YAML stream, or with --out to
DIR/<namespace>/<instance>.yaml, one file per instance (existing files are
replaced; files of instances that no longer exist are not removed). When --out
is inside the rendered directory it is skipped when reading. Nothing is written
when any instance fails. Problems go to stderr; the exit code is 1 on any error.`

const renderExamples = `  scenario-fn render orders/
  scenario-fn render orders/orders.yaml > orders-rendered.yaml
  scenario-fn render platform/ --out rendered --flux escape`

// fluxModes are the values of spec.output.flux.
var fluxModes = []string{generators.FluxEscape, generators.FluxDisable, generators.FluxNone}

type renderOptions struct{ out, flux string }

func newRenderCommand(stdio IO) *cobra.Command {
	var o renderOptions
	cmd := &cobra.Command{
		Use:     "render FILE|DIR",
		Short:   "Render instances without kustomize or kpt",
		Long:    renderLong,
		Example: renderExamples,
		RunE:    func(_ *cobra.Command, args []string) error { return done(runRender(stdio, args, o)) },
	}
	cmd.Flags().StringVar(&o.out, "out", "", "write `DIR`/<namespace>/<instance>.yaml instead of stdout")
	cmd.Flags().StringVar(&o.flux, "flux", "", "set spec.output.flux of every instance: escape, disable or none")
	_ = cmd.MarkFlagDirname("out")
	_ = cmd.RegisterFlagCompletionFunc("flux", fixedValues(fluxModes...))
	return cmd
}

func runRender(stdio IO, pos []string, o renderOptions) int {
	out, flux := &o.out, &o.flux
	if len(pos) != 1 {
		return usageError(stdio, "scenario-fn render", "render needs exactly one FILE or DIR, got %d arguments", len(pos))
	}
	if *flux != "" && !contains(fluxModes, *flux) {
		return usageError(stdio, "scenario-fn render", "--flux %q: use escape, disable or none", *flux)
	}
	var skip []string
	if *out != "" {
		abs, err := filepath.Abs(*out)
		if err != nil {
			return errorf(stdio, "--out %s: %v", *out, err)
		}
		skip = append(skip, abs)
	}
	p, problems, err := loadPackage(pos[0], skip...)
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	if problems.HasErrors() {
		printProblems(stdio.Err, problems)
		return exitError
	}
	if len(p.Instances) == 0 {
		return errorf(stdio, "%s: no instance to render: no ScenarioTemplate annotated %s "+
			"(fix: create one with scenario-fn init NAME --template T, or annotate the instance)", pos[0], "config.kubernetes.io/function")
	}
	root, err := os.OpenRoot(p.Root)
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	defer root.Close()

	type rendered struct {
		id   string
		file string
		n    int
		data []byte // the instance's output as YAML documents
		err  error
	}
	var todo []document
	seen := map[string]string{}
	for _, inst := range p.Instances {
		id := instanceID(inst.Node)
		if prev, dup := seen[id]; dup {
			problems.Errorf(krm.IDOf(inst.Node), "metadata.name", krm.Source{File: inst.File, Line: inst.Node.YNode().Line},
				"rename one of them", "instance %s is defined twice (also in %s)", id, prev)
			continue
		}
		seen[id] = inst.File
		todo = append(todo, inst)
	}
	// Instances are independent: they render on every core, and come out
	// in input order, as one render after the other would write them.
	all := make([]rendered, len(todo))
	found := make([]krm.Problems, len(todo))
	parallel(len(todo), func(i int) {
		nodes, ps := renderInstance(root, todo[i], p.Others, *flux)
		var buf bytes.Buffer
		err := writeYAML(&buf, nodes)
		all[i], found[i] = rendered{instanceID(todo[i].Node), todo[i].File, len(nodes), buf.Bytes(), err}, ps
	})
	for _, ps := range found {
		problems = append(problems, ps...)
	}
	printProblems(stdio.Err, problems)
	if problems.HasErrors() {
		return exitError
	}

	if *out == "" {
		// One YAML stream: the instances' documents, separated as one
		// writer of all of them would separate them.
		var stream bytes.Buffer
		for _, r := range all {
			if r.err != nil {
				return errorf(stdio, "writing the output: %v", r.err)
			}
			if len(r.data) == 0 {
				continue
			}
			if stream.Len() > 0 {
				stream.WriteString("---\n")
			}
			stream.Write(r.data)
		}
		if _, err := stdio.Out.Write(stream.Bytes()); err != nil {
			return errorf(stdio, "writing the output: %v", err)
		}
		return exitOK
	}
	outRoot, err := openOut(*out)
	if err != nil {
		return errorf(stdio, "%v", err)
	}
	defer outRoot.Close()
	inputs := inputFiles(p.input)
	// Every check before the first write: nothing is written when one
	// output cannot be.
	files := make([]outFile, 0, len(all))
	for _, r := range all {
		ns, name, _ := strings.Cut(r.id, "/")
		f := outFile{rel: path.Join(ns, name+".yaml"), from: r.file, n: r.n, data: r.data}
		f.shown = filepath.ToSlash(filepath.Join(*out, filepath.FromSlash(f.rel)))
		if r.err != nil {
			return errorf(stdio, "writing %s: %v", f.shown, r.err)
		}
		if err := checkOutFile(outRoot, f, *out, inputs); err != nil {
			return errorf(stdio, "%v", err)
		}
		files = append(files, f)
	}
	for _, f := range files {
		if err := outRoot.MkdirAll(path.Dir(f.rel), 0o755); err != nil {
			return errorf(stdio, "--out %s: %v", *out, err)
		}
		if err := outRoot.WriteFile(f.rel, f.data, 0o644); err != nil {
			return errorf(stdio, "--out %s: %v", *out, err)
		}
		fmt.Fprintf(stdio.Out, "wrote %s (%s from %s)\n", f.shown, plural(f.n, "resource"), f.from)
	}
	return exitOK
}

// outFile is one file render --out writes, rel to the output directory.
type outFile struct {
	rel, shown, from string
	n                int
	data             []byte
}

// openOut creates and opens the output directory. Every write goes
// through the returned root, so nothing is written outside it. A relative
// --out must stay inside the working directory (no .., no symlink out of
// it: a package could commit rendered -> /somewhere/else); an absolute
// one is the user's explicit choice.
func openOut(out string) (*os.Root, error) {
	if filepath.IsAbs(out) {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, fmt.Errorf("--out %s: %w", out, unwrapPath(err))
		}
		return os.OpenRoot(out)
	}
	cwd, err := os.OpenRoot(".")
	if err != nil {
		return nil, err
	}
	defer cwd.Close()
	rel := filepath.ToSlash(filepath.Clean(out))
	if err := refuseLinks(cwd, rel, "", "--out "+out); err != nil {
		return nil, err
	}
	if err := cwd.MkdirAll(rel, 0o755); err != nil {
		if strings.Contains(err.Error(), "escapes") {
			return nil, fmt.Errorf("--out %s leaves the working directory (fix: write inside it, or give an absolute path to write elsewhere)", out)
		}
		return nil, fmt.Errorf("--out %s: %w", out, unwrapPath(err))
	}
	return cwd.OpenRoot(rel)
}

// refuseLinks fails when a component of rel (slash-separated, inside
// root) that exists is a symbolic link: render writes no file through a
// link, not even one that stays inside the directory. base is what rel is
// relative to, for messages ("" for the working directory).
func refuseLinks(root *os.Root, rel, base, what string) error {
	if rel == "." || rel == "" {
		return nil
	}
	parts := strings.Split(rel, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		if p == ".." || strings.HasPrefix(p, "../") {
			return fmt.Errorf("%s leaves the working directory (fix: write inside it, or give an absolute path to write elsewhere)", what)
		}
		info, err := root.Lstat(p)
		if err != nil {
			return nil // does not exist (yet): created as a directory
		}
		if info.Mode()&os.ModeSymlink != 0 {
			target, _ := root.Readlink(p)
			shown := filepath.ToSlash(filepath.Join(base, filepath.FromSlash(p)))
			return fmt.Errorf("%s: %s is a symbolic link (to %s): render does not write through links (fix: remove the link, or choose another --out)", what, shown, target)
		}
	}
	return nil
}

// checkOutFile refuses to write f through a link or over an input file.
func checkOutFile(root *os.Root, f outFile, out string, inputs []inputFile) error {
	if err := refuseLinks(root, f.rel, out, "render "+f.shown); err != nil {
		return err
	}
	info, err := root.Lstat(f.rel)
	if err != nil {
		return nil // a new file
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("render %s: the path exists and is not a regular file (fix: remove it, or choose another --out)", f.shown)
	}
	for _, in := range inputs {
		if os.SameFile(info, in.info) {
			return fmt.Errorf("render would write the output of the instance in %s to %s, which is the input file %s: it never overwrites its input (fix: choose an --out directory that holds no input, e.g. rendered/)",
				f.from, f.shown, in.shown)
		}
	}
	return nil
}

type inputFile struct {
	shown string
	info  os.FileInfo
}

// inputFiles are the files the render read.
func inputFiles(in *input) []inputFile {
	var out []inputFile
	for _, f := range in.Files {
		p := filepath.Join(in.Root, filepath.FromSlash(f))
		if info, err := os.Stat(p); err == nil {
			out = append(out, inputFile{shown: filepath.ToSlash(p), info: info})
		}
	}
	return out
}

// renderInstance runs the KRM function on one instance, exactly as a
// runner would: the instance is the functionConfig, every other object an
// item (annotated with its file, as kpt does). It returns the resources
// the instance generated, with the runner annotations stripped.
func renderInstance(root *os.Root, inst document, others []document, flux string) ([]*yaml.RNode, krm.Problems) {
	cfg := inst.Node.Copy()
	_ = cfg.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, inst.File))
	if flux != "" {
		if out, err := cfg.Pipe(yaml.LookupCreate(yaml.MappingNode, "spec", "output")); err == nil {
			_ = out.PipeE(yaml.SetField("flux", yaml.NewStringRNode(flux)))
		}
	}
	items := make([]*yaml.RNode, 0, len(others))
	for _, d := range others {
		it := d.Node.Copy()
		_ = it.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, d.File))
		items = append(items, it)
	}
	rl := &krm.ResourceList{Items: items, FunctionConfig: cfg}
	problems := fn.Process(&krm.Context{Root: root}, rl)
	if problems.HasErrors() {
		return nil, problems
	}
	return generatedBy(rl.Items, items, instanceID(cfg)), problems
}

// generatedBy picks the items an instance generated (not among the input
// items: an input item annotated with the instance that it did not
// generate is kept by the function, and is no output of this render) and
// strips the annotations runners remove from their output.
func generatedBy(items, input []*yaml.RNode, id string) []*yaml.RNode {
	in := make(map[*yaml.RNode]bool, len(input))
	for _, it := range input {
		in[it] = true
	}
	var out []*yaml.RNode
	for _, it := range items {
		if in[it] || it.GetAnnotations()[generators.AnnotationInstance] != id {
			continue
		}
		stripRunnerAnnotations(it)
		out = append(out, it)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// parallel calls do(0..n-1) on GOMAXPROCS goroutines and waits for them.
func parallel(n int, do func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			do(i)
		}
		return
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				do(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
