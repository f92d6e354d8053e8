package generators_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = flag.Bool("update", false, "rewrite testdata/*/expected.yaml from the actual output")

func TestMain(m *testing.M) {
	fn.Register(generators.Kind, generators.Generator{})
	os.Exit(m.Run())
}

// TestGolden runs every testdata/<case>: config.yaml is the functionConfig
// (the instance), input.yaml the items, the case directory the function's
// root (template files). A case has expected.yaml (the whole output
// ResourceList) or errors.txt (regular expressions, one per line, that
// stderr must match; the items must come back unchanged).
func TestGolden(t *testing.T) {
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == "fuzz" || d.Name() == "catalog-params" || d.Name() == "scenarios" {
			continue
		}
		dir := filepath.Join("testdata", d.Name())
		t.Run(d.Name(), func(t *testing.T) { runCase(t, dir) })
	}
}

func runCase(t *testing.T, dir string) {
	cfg := mustRead(t, filepath.Join(dir, "config.yaml"))
	input, _ := os.ReadFile(filepath.Join(dir, "input.yaml"))
	rl := resourceList(t, string(input), cfg)
	out, stderr, code := run(t, dir, rl)
	// The same input again in this process: the chain's memo and its
	// value plan (built on a chain's second render) are in use now, and
	// must not change a byte or a message.
	if out2, stderr2, code2 := run(t, dir, rl); out2 != out || stderr2 != stderr || code2 != code {
		t.Errorf("a second render in the same process differs (exit %d, then %d):\n%s\nstderr:\n%s", code, code2, cmp.Diff(out, out2), cmp.Diff(stderr, stderr2))
	}

	if want, err := os.ReadFile(filepath.Join(dir, "errors.txt")); err == nil {
		if code == 0 {
			t.Fatalf("want a failure, got exit 0; stderr:\n%s", stderr)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
			if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if !regexp.MustCompile(line).MatchString(stderr) {
				t.Errorf("stderr does not match %q:\n%s", line, stderr)
			}
		}
		if got, want := items(t, out), items(t, rl); got != want {
			t.Errorf("a failed run changed the items:\n%s", cmp.Diff(want, got))
		}
		if !strings.Contains(out, "severity: error") {
			t.Errorf("errors are missing from the results:\n%s", out)
		}
		return
	}
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	expectedFile := filepath.Join(dir, "expected.yaml")
	if *update {
		if err := os.WriteFile(expectedFile, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := mustRead(t, expectedFile); out != want {
		t.Errorf("output differs from %s (go test ./generators -update rewrites it):\n%s", expectedFile, cmp.Diff(want, out))
	}
	// Idempotency: render again from the output, plus the templates and
	// overlays the first run consumed (a kpt package keeps them on disk; a
	// kustomize build reads them again): the items must not change.
	again, stderr2, code2 := run(t, dir, resourceList(t, consumedSources(t, string(input), items(t, out))+items(t, out), cfg))
	if code2 != 0 {
		t.Fatalf("second run: exit %d; stderr:\n%s", code2, stderr2)
	}
	if got, want := items(t, again), items(t, out); got != want {
		t.Errorf("second run changed the output:\n%s", cmp.Diff(want, got))
	}
}

func run(t *testing.T, dir, rl string) (string, string, int) {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	var stdout, stderr bytes.Buffer
	code := fn.Run(&krm.Context{Root: root}, []byte(rl), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// resourceList wraps multi-document items and a config into a ResourceList.
func resourceList(t *testing.T, input, cfg string) string {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(input), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	fc, err := yaml.Parse(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, KeepReaderAnnotations: true, FunctionConfig: fc,
		WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if err := w.Write(nodes); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// items returns the items of a ResourceList as a multi-document string.
func items(t *testing.T, rl string) string {
	t.Helper()
	if !strings.Contains(rl, "kind: ResourceList") {
		return rl
	}
	parsed, err := krm.Read([]byte(rl))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b, KeepReaderAnnotations: true}).Write(parsed.Items); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// consumedSources returns the ScenarioTemplate and overlay documents of
// input that are not in output.
func consumedSources(t *testing.T, input, output string) string {
	t.Helper()
	in, err := (&kio.ByteReader{Reader: strings.NewReader(input), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	var keep []*yaml.RNode
	for _, n := range in {
		ov := n.GetAnnotations()[generators.AnnotationOverlay]
		source := n.GetKind() == generators.Kind || (ov != "" && ov != "false")
		if source && !strings.Contains(output, strings.TrimSpace(n.MustString())) {
			keep = append(keep, n)
		}
	}
	if len(keep) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b, KeepReaderAnnotations: true}).Write(keep); err != nil {
		t.Fatal(err)
	}
	return b.String() + "---\n"
}
