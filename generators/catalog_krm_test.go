package generators_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// rendered is what the function made of one instance through the KRM path.
type rendered struct {
	// Items are the generated resources, without the runner's path and
	// index annotations.
	Items []*yaml.RNode
	// YAML is Items as a multi-document string.
	YAML string
	// Warnings are the messages of the function's warning results.
	Warnings []string
}

// renderInstance runs the function (fn.Run, the KRM entry point) on a
// ResourceList whose functionConfig is the instance and which has no
// items, in an empty package root. It fails the test on a non-zero exit.
func renderInstance(t *testing.T, instance string) rendered {
	t.Helper()
	fc, err := yaml.Parse(instance)
	if err != nil {
		t.Fatalf("instance: %v", err)
	}
	var in bytes.Buffer
	w := kio.ByteWriter{Writer: &in, FunctionConfig: fc, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if err := w.Write(nil); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	var stdout, stderr bytes.Buffer
	if code := fn.Run(&krm.Context{Root: root}, in.Bytes(), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d rendering\n%s\nstderr:\n%s", code, instance, stderr.String())
	}
	rl, err := krm.Read(stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var out rendered
	for _, r := range rl.Results {
		if r.Severity == "warning" {
			out.Warnings = append(out.Warnings, r.Message)
		}
	}
	for _, n := range rl.Items {
		for _, a := range []string{"internal.config.kubernetes.io/path", "internal.config.kubernetes.io/index",
			"config.kubernetes.io/path", "config.kubernetes.io/index"} {
			if err := n.PipeE(yaml.ClearAnnotation(a)); err != nil {
				t.Fatal(err)
			}
		}
		out.Items = append(out.Items, n)
	}
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b}).Write(out.Items); err != nil {
		t.Fatal(err)
	}
	out.YAML = b.String()
	return out
}

// validateAll checks every item against the embedded CRDs and controller
// rules, and that every Kurator kind is one the embedded CRDs know.
func validateAll(t *testing.T, items []*yaml.RNode) {
	t.Helper()
	for _, n := range items {
		for _, f := range kurator.Validate(n) {
			if f.Severity == kurator.Error {
				t.Errorf("%s %s: %s: %s", n.GetKind(), n.GetName(), f.Path, f.Message)
			}
		}
		if kurator.IsKurator(n.GetApiVersion()) && kurator.Lookup(n.GetApiVersion(), n.GetKind()) == nil {
			t.Errorf("%s is not a Kurator kind the embedded CRDs know", n.GetKind())
		}
	}
}

// instanceYAML writes an instance of template with values (YAML flow
// mappings keep it short and readable in the docs).
func instanceYAML(name, namespace, template string, values *yaml.RNode) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  extends: [%s]\n",
		generators.APIVersion, generators.Kind, name, namespace, template)
	if values == nil || len(values.Content()) == 0 {
		return b.String()
	}
	b.WriteString("  values:\n")
	_ = values.VisitFields(func(n *yaml.MapNode) error {
		v := n.Value.Copy()
		setFlow(v.YNode())
		s, _ := v.String()
		fmt.Fprintf(&b, "    %s: %s\n", n.Key.YNode().Value, strings.TrimSpace(s))
		return nil
	})
	return b.String()
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	for _, c := range n.Content {
		setFlow(c)
	}
}
