package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
		id    string
		file  string
		nodes []*yaml.RNode
	}
	var all []rendered
	seen := map[string]string{}
	for _, inst := range p.Instances {
		id := instanceID(inst.Node)
		if prev, dup := seen[id]; dup {
			problems.Errorf(krm.IDOf(inst.Node), "metadata.name", krm.Source{File: inst.File, Line: inst.Node.YNode().Line},
				"rename one of them", "instance %s is defined twice (also in %s)", id, prev)
			continue
		}
		seen[id] = inst.File
		nodes, ps := renderInstance(root, inst, p.Others, *flux)
		problems = append(problems, ps...)
		all = append(all, rendered{id, inst.File, nodes})
	}
	printProblems(stdio.Err, problems)
	if problems.HasErrors() {
		return exitError
	}

	if *out == "" {
		var nodes []*yaml.RNode
		for _, r := range all {
			nodes = append(nodes, r.nodes...)
		}
		if err := writeYAML(stdio.Out, nodes); err != nil {
			return errorf(stdio, "writing the output: %v", err)
		}
		return exitOK
	}
	for _, r := range all {
		ns, name, _ := strings.Cut(r.id, "/")
		file := filepath.Join(*out, ns, name+".yaml")
		var buf bytes.Buffer
		if err := writeYAML(&buf, r.nodes); err != nil {
			return errorf(stdio, "writing %s: %v", file, err)
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return errorf(stdio, "%v", err)
		}
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			return errorf(stdio, "%v", err)
		}
		fmt.Fprintf(stdio.Out, "wrote %s (%s from %s)\n", filepath.ToSlash(file), plural(len(r.nodes), "resource"), r.file)
	}
	return exitOK
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
	return generatedBy(rl.Items, instanceID(cfg)), problems
}

// generatedBy picks the items an instance generated and strips the
// annotations runners remove from their output.
func generatedBy(items []*yaml.RNode, id string) []*yaml.RNode {
	var out []*yaml.RNode
	for _, it := range items {
		if it.GetAnnotations()[generators.AnnotationInstance] != id {
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
