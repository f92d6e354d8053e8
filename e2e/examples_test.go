package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// parse splits a multi-document stream.
func parse(t *testing.T, s string) []*yaml.RNode {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(s), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	return nodes
}

// validateKurator checks every Kurator object against the embedded CRDs and
// controller rules, and returns them by "Kind name".
func validateKurator(t *testing.T, nodes []*yaml.RNode) map[string]*yaml.RNode {
	t.Helper()
	out := map[string]*yaml.RNode{}
	for _, n := range nodes {
		if kurator.IsKurator(n.GetApiVersion()) {
			for _, f := range kurator.Validate(n) {
				if f.Severity == kurator.Error {
					t.Errorf("%s %s: %s: %s", n.GetKind(), n.GetName(), f.Path, f.Message)
				}
			}
		}
		out[n.GetKind()+" "+n.GetName()] = n
	}
	return out
}

func field(t *testing.T, n *yaml.RNode, path ...string) string {
	t.Helper()
	v, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil {
		t.Fatalf("%s %s has no %s", n.GetKind(), n.GetName(), strings.Join(path, "."))
	}
	return strings.TrimSpace(v.MustString())
}

// renderKustomizeExample renders dir twice, compares with expected.yaml and
// validates the Kurator objects.
func renderKustomizeExample(t *testing.T, dir string) map[string]*yaml.RNode {
	t.Helper()
	out := kustomizeBuild(t, dir)
	if strings.TrimSpace(out) == "" {
		t.Fatalf("kustomize rendered nothing for %s (was --enable-exec dropped?)", dir)
	}
	if again := kustomizeBuild(t, dir); again != out {
		t.Errorf("a second render differs:\n%s", diff(out, again))
	}
	golden(t, filepath.Join(repo, dir, "expected.yaml"), out)
	return validateKurator(t, parse(t, out))
}

func TestQuickstart(t *testing.T) {
	objs := renderKustomizeExample(t, "examples/quickstart")
	app, pipe := objs["Application orders"], objs["Pipeline orders"]
	if app == nil || pipe == nil || len(objs) != 2 {
		t.Fatalf("want Application and Pipeline orders, got %v", keys(objs))
	}
	if got := field(t, app, "metadata", "namespace"); got != "shop" {
		t.Errorf("namespace %q", got)
	}
	// The overlay adds a sync policy without losing the template's.
	policies := field(t, app, "spec", "syncPolicies")
	for _, want := range []string{"name: default", "name: production", "canaryStrategy", "request-success-rate", "orders.shop.example.com"} {
		if !strings.Contains(policies, want) {
			t.Errorf("syncPolicies lack %q:\n%s", want, policies)
		}
	}
	if got := field(t, pipe, "spec", "tasks", "[name=build-and-push-image]", "predefinedTask", "params", "image"); got != "ghcr.io/acme/orders:v1.4.2" {
		t.Errorf("pushed image %q", got)
	}
	assertFunctionIdempotent(t, "examples/quickstart/orders.yaml", objs)
}

func TestPlatformTemplates(t *testing.T) {
	objs := renderKustomizeExample(t, "examples/platform-templates")
	want := []string{"Application orders", "Pipeline orders", "Application payments", "Pipeline payments"}
	for _, w := range want {
		if objs[w] == nil {
			t.Fatalf("missing %s in %v", w, keys(objs))
		}
	}
	if len(objs) != len(want) {
		t.Errorf("templates or overlays leaked into the output: %v", keys(objs))
	}
	orders := objs["Application orders"]
	if got := field(t, orders, "metadata", "labels", "team"); got != "checkout" {
		t.Errorf("orders team label %q", got)
	}
	if p := field(t, orders, "spec", "syncPolicies"); !strings.Contains(p, "name: production") || !strings.Contains(p, "maxWeight: 30") {
		t.Errorf("orders: overlay or go-canary values missing:\n%s", p)
	}
	if p := field(t, objs["Application payments"], "spec", "syncPolicies"); strings.Contains(p, "production") || strings.Contains(p, "rollout") {
		t.Errorf("payments got the orders overlay or a rollout:\n%s", p)
	}
	tasks := field(t, objs["Pipeline payments"], "spec", "tasks")
	for _, w := range []string{"name: govulncheck", "version: v1.59.1", "name: git-clone"} {
		if !strings.Contains(tasks, w) {
			t.Errorf("payments pipeline lacks %q", w)
		}
	}
}

// assertFunctionIdempotent runs the function on its own output (the
// instance as config, the rendered objects as items): nothing may change.
func assertFunctionIdempotent(t *testing.T, instanceFile string, objs map[string]*yaml.RNode) {
	t.Helper()
	cfg, err := yaml.ReadFile(filepath.Join(repo, instanceFile))
	if err != nil {
		t.Fatal(err)
	}
	var items []*yaml.RNode
	for _, k := range keys(objs) {
		items = append(items, objs[k])
	}
	var in bytes.Buffer
	w := kio.ByteWriter{Writer: &in, FunctionConfig: cfg, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(fnBinary)
	cmd.Dir = filepath.Join(repo, filepath.Dir(instanceFile))
	cmd.Stdin = &in
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("function on its own output: %v\n%s", err, stderr.String())
	}
	rl, err := (&kio.ByteReader{Reader: &stdout, OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	again := map[string]*yaml.RNode{}
	for _, n := range rl {
		again[n.GetKind()+" "+n.GetName()] = n
	}
	if len(again) != len(objs) {
		t.Fatalf("re-run changed the set of objects: %v vs %v", keys(again), keys(objs))
	}
	for k, n := range objs {
		if a, b := comparable(n), comparable(again[k]); a != b {
			t.Errorf("%s changed on a re-run:\n%s", k, diff(a, b))
		}
	}
}

// comparable serialises an object without runner annotations, with sorted
// keys (kustomize sorts; the function keeps template order).
func comparable(n *yaml.RNode) string {
	if n == nil {
		return "<missing>"
	}
	c := n.Copy()
	for k := range c.GetAnnotations() {
		if strings.HasPrefix(k, "internal.config.kubernetes.io/") || strings.HasPrefix(k, "config.kubernetes.io/") {
			_ = c.PipeE(yaml.ClearAnnotation(k))
		}
	}
	m, _ := c.Map()
	b, _ := yaml.Marshal(m)
	return string(b)
}

func keys(m map[string]*yaml.RNode) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
