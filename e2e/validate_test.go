package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	k8syaml "sigs.k8s.io/yaml"
)

// TestValidateExamples: `scenario-fn validate examples/` passes, having
// rendered every instance of every example (annotated instances and the
// configs kpt pipelines name), and it fails with the instance's file and
// line when an example is broken.
func TestValidateExamples(t *testing.T) {
	examples := filepath.Join(repo, "examples")
	want := 0
	_ = filepath.WalkDir(examples, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := os.ReadFile(p)
		if d.Name() == "Kptfile" {
			var k struct {
				Pipeline struct{ Mutators []struct{ ConfigPath string } }
			}
			_ = k8syaml.Unmarshal(data, &k)
			for _, m := range k.Pipeline.Mutators {
				c, _ := os.ReadFile(filepath.Join(filepath.Dir(p), m.ConfigPath))
				if strings.Contains(string(c), "kind: ScenarioTemplate") && !strings.Contains(string(c), "config.kubernetes.io/function") {
					want++
				}
			}
			return nil
		}
		for _, doc := range strings.Split(string(data), "\n---") {
			if strings.Contains(doc, "kind: ScenarioTemplate") && strings.Contains(doc, "config.kubernetes.io/function") {
				want++
			}
		}
		return nil
	})
	if want < 5 {
		t.Fatalf("found only %d instances in examples/", want)
	}
	cmd := exec.Command(fnBinary, "validate", "examples/")
	cmd.Dir = repo
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("validate examples/ failed (%v):\n%s%s", err, out, stderr.String())
	}
	m := regexp.MustCompile(`(\d+) instances rendered, \d+ other objects skipped, 0 errors, 0 warnings`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("unexpected summary: %s", out)
	}
	if n, _ := strconv.Atoi(m[1]); n != want {
		t.Errorf("validate rendered %d instances, examples/ has %d:\n%s", n, want, out)
	}

	// A broken copy of the quickstart: the error names the value's line.
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(examples, "quickstart", "orders.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "fleet: prod", "fleet: Prod_1", 1)
	if broken == string(src) {
		t.Fatal("examples/quickstart/orders.yaml no longer sets fleet: prod")
	}
	if err := os.WriteFile(filepath.Join(dir, "orders.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	line := strconv.Itoa(1 + strings.Count(broken[:strings.Index(broken, "fleet: Prod_1")], "\n"))
	cmd = exec.Command(fnBinary, "validate", "orders.yaml")
	cmd.Dir = dir
	all, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(all), "error: orders.yaml:"+line+": Application shop/orders: spec.destination.fleet: \"Prod_1\" cannot be the name of a Fleet") ||
		!strings.Contains(string(all), `such as "prod-1"`) {
		t.Fatalf("validate of a broken instance (exit %v):\n%s", err, all)
	}
}
