package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyTree copies src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readTree returns every file under dir by relative path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kptPackage lays the example out as in the repository (the Kptfile execs
// ../../bin/scenario-fn, resolved from kpt's working directory), without
// its rendered files, and returns the package directory.
func kptPackage(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	pkg := filepath.Join(root, "examples", "kpt-package")
	copyTree(t, filepath.Join(repo, "examples", "kpt-package"), pkg)
	for _, rendered := range []string{"generated", "mirror-list.yaml"} {
		if err := os.RemoveAll(filepath.Join(pkg, rendered)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fnBinary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "scenario-fn"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return pkg
}

// TestKptRender runs the Kptfile pipeline (generator, then registry swap)
// with the real kpt: the package must come out exactly as committed, and a
// second render must change nothing.
func TestKptRender(t *testing.T) {
	requireKpt(t)
	pkg := kptPackage(t)
	run(t, pkg, kpt, "fn", "render", ".", "--allow-exec")
	got := readTree(t, pkg)
	want := readTree(t, filepath.Join(repo, "examples", "kpt-package"))
	if *update {
		for _, f := range []string{"generated/orders.yaml", "mirror-list.yaml"} {
			if err := os.WriteFile(filepath.Join(repo, "examples", "kpt-package", f), []byte(got[f]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want = readTree(t, filepath.Join(repo, "examples", "kpt-package"))
	}
	for f, w := range want {
		if f == "README.md" {
			continue
		}
		if got[f] != w {
			t.Errorf("%s differs from the committed package:\n%s", f, diff(w, got[f]))
		}
	}
	for f := range got {
		if _, ok := want[f]; !ok {
			t.Errorf("render wrote %s, which the committed package does not have", f)
		}
	}
	objs := validateKurator(t, parse(t, got["generated/orders.yaml"]))
	app := objs["Application orders"]
	if app == nil || objs["Pipeline orders"] == nil {
		t.Fatalf("generated/orders.yaml lacks the Application or Pipeline: %v", keys(objs))
	}
	policies := field(t, app, "spec", "syncPolicies")
	for _, w := range []string{"name: default", "name: staging", "newName: harbor.corp.local/acme/orders"} {
		if !strings.Contains(policies, w) {
			t.Errorf("Application lacks %q:\n%s", w, policies)
		}
	}
	if !strings.Contains(got["mirror-list.yaml"], "ghcr.io/acme/orders:v1.4.2 harbor.corp.local/acme/orders:v1.4.2") {
		t.Errorf("mirror list lacks the service image:\n%s", got["mirror-list.yaml"])
	}
	for _, f := range []string{"Kptfile", "orders.yaml", "team-web.yaml", "staging-overlay.yaml", "registry.yaml"} {
		if got[f] != want[f] {
			t.Errorf("render changed %s", f)
		}
	}
	run(t, pkg, kpt, "fn", "render", ".", "--allow-exec")
	if again := readTree(t, pkg); !equalTrees(again, got) {
		t.Error("a second kpt fn render changed the package")
	}
}

// TestKptEval runs the generator alone with kpt fn eval --exec.
func TestKptEval(t *testing.T) {
	requireKpt(t)
	pkg := kptPackage(t)
	run(t, pkg, kpt, "fn", "eval", ".", "--exec", "../../bin/scenario-fn", "--fn-config", "orders.yaml")
	first := readTree(t, pkg)
	objs := validateKurator(t, parse(t, first["generated/orders.yaml"]))
	if objs["Application orders"] == nil || objs["Pipeline orders"] == nil {
		t.Fatalf("kpt fn eval produced %v", keys(objs))
	}
	if strings.Contains(first["generated/orders.yaml"], "harbor.corp.local") {
		t.Error("the generator alone must not swap registries")
	}
	run(t, pkg, kpt, "fn", "eval", ".", "--exec", "../../bin/scenario-fn", "--fn-config", "orders.yaml")
	if again := readTree(t, pkg); !equalTrees(again, first) {
		t.Error("a second kpt fn eval changed the package")
	}
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
