package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validateAliasSeeds are the YAML shapes behind hardening issue 9:
// anchors, aliases, merge keys, self-references, bombs.
var validateAliasSeeds = []string{
	"apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nmetadata: {name: a, namespace: b}\nspec: &a {clusters: [*a]}\n",
	"apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nmetadata: {name: a, namespace: b}\nspec: &a\n  clusters: []\n  plugin: {<<: *a}\n",
	"apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nmetadata: {name: a, namespace: b}\nspec:\n  clusters:\n  - &c {name: m1, kind: AttachedCluster}\n  - {<<: *c, name: m2}\n",
	"apiVersion: apps.kurator.dev/v1alpha1\nkind: Application\nmetadata: {name: a, labels: &l {x: y}, annotations: *l}\nspec:\n  source: {gitRepository: &g {url: 'https://x/y', interval: 1m}}\n  syncPolicies: [{name: a, kustomization: {interval: 1m, prune: true}}]\n",
	"l0: &l0 [x, x]\nl1: &l1 [*l0, *l0]\nl2: &l2 [*l1, *l1]\nl3: &l3 [*l2, *l2]\nl4: [*l3, *l3]\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: &d {a: *d}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {b: c}\n",
	"apiVersion: scenario.kurator.dev/v1alpha1\nkind: ScenarioTemplate\nmetadata: {name: t}\nspec:\n  parameters: &p [{name: a, default: *p}]\n",
}

// FuzzValidate runs validate on one file of arbitrary bytes, through the
// CLI's file reader (seeded with the validate goldens and alias shapes).
// Properties: no panic; exit 0 or 1; every problem line on stderr is an
// error or a warning; the summary names the file count; an exit of 1 comes
// with at least one error line.
func FuzzValidate(f *testing.F) {
	ins, _ := filepath.Glob("testdata/validate/*/in/*.yaml")
	for _, p := range ins {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range validateAliasSeeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	file := filepath.Join(dir, "in.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := Main([]string{"validate", file}, IO{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
		if code != exitOK && code != exitError {
			t.Fatalf("exit %d:\n%s", code, stderr.String())
		}
		errs := 0
		for _, l := range strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n") {
			switch {
			case l == "":
			case strings.HasPrefix(l, "error: "):
				errs++
			case strings.HasPrefix(l, "warning: "), strings.HasPrefix(l, "  "):
			default:
				t.Fatalf("stray stderr line %q:\n%s", l, stderr.String())
			}
		}
		if code == exitError && errs == 0 {
			t.Fatalf("exit 1 without an error line:\n%s", stderr.String())
		}
		if !strings.HasPrefix(stdout.String(), "1 file, ") {
			t.Fatalf("summary: %q", stdout.String())
		}
	})
}
