package generators

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The built-in Kubernetes schema is off while only Kurator kinds are
// merged, and a kind that needs it, merged after them, still merges its
// lists by the Kubernetes API's keys (containers by name). The check runs
// in a fresh process, since the registry's state is global.
func TestKyamlSchemaSwitchesOnForOtherKinds(t *testing.T) {
	if os.Getenv("KYAML_SCHEMA_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKyamlSchemaSwitchesOnForOtherKinds$", "-test.count=1")
		cmd.Env = append(os.Environ(), "KYAML_SCHEMA_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "PASS") {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	merge := func(apiVersion, kind, dest, patch string) string {
		t.Helper()
		out, err := mergeResource(yaml.MustParse(dest), yaml.MustParse(patch), apiVersion, kind)
		if err != nil {
			t.Fatal(err)
		}
		return out.MustString()
	}
	got := merge(kurator.ApplicationAPIVersion, "Application",
		"spec:\n  syncPolicies:\n  - name: a\n    kustomization: {path: ./a}\n",
		"spec:\n  syncPolicies:\n  - name: b\n    kustomization: {path: ./b}\n")
	if !strings.Contains(got, "name: a") || !strings.Contains(got, "name: b") {
		t.Fatalf("Kurator keyed list not merged by name:\n%s", got)
	}
	if !kyamlSchema.decided || kyamlSchema.builtin {
		t.Fatalf("after a Kurator merge: decided=%v builtin=%v, want the built-in schema off", kyamlSchema.decided, kyamlSchema.builtin)
	}
	got = merge("apps/v1", "Deployment",
		"apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, image: a:1}\n      - {name: sidecar, image: s:1}\n",
		"apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, image: a:2}\n")
	if !strings.Contains(got, "a:2") || !strings.Contains(got, "name: sidecar") {
		t.Fatalf("Deployment containers not merged by name after a Kurator merge:\n%s", got)
	}
	if !kyamlSchema.builtin {
		t.Fatal("the built-in schema was not switched on for a Deployment")
	}
}
