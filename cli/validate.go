package cli

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/kurator"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const validateLong = `Validates Kurator objects of every kind (Fleet, Application, Pipeline,
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
error (warnings alone exit 0). With -o json or yaml the problems and the counts
are printed on stdout as data instead (problems in the KRM results format).`

const validateExamples = `  scenario-fn validate fleet.yaml
  scenario-fn validate examples/ rendered/
  scenario-fn render orders/ | scenario-fn validate -
  scenario-fn validate rendered/ -o json`

type validateOptions struct{ output string }

func newValidateCommand(stdio IO) *cobra.Command {
	var o validateOptions
	cmd := &cobra.Command{
		Use:     "validate FILE|DIR|- ...",
		Short:   "Check Kurator YAML against the CRDs and controller rules",
		Long:    validateLong,
		Example: validateExamples,
	}
	outputFlag(cmd, &o.output)
	cmd.RunE = dataCommand(&o.output, func(_ *cobra.Command, args []string) error { return done(runValidate(stdio, args, o)) })
	return cmd
}

func runValidate(stdio IO, pos []string, o validateOptions) int {
	if len(pos) == 0 {
		return usageError(stdio, "scenario-fn validate", "validate needs at least one FILE or DIR")
	}
	var problems krm.Problems
	var docs []document
	files, objects, others, instances := 0, 0, 0, 0
	for _, arg := range pos {
		var in *input
		var ps krm.Problems
		if arg == "-" {
			data, err := krm.ReadAllLimited(stdio.In, "standard input", krm.MaxInputBytes())
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
	masked := fn.MaskProblems(docsMasker(docs), problems)
	if o.output != "" {
		return writeValidateReport(stdio, o.output, masked, files, objects, others, instances)
	}
	errs, warns := printProblems(stdio.Err, masked)
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
		if generators.IsOverlay(n) {
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
