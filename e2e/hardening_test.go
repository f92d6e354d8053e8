package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Hardening issue 9 under the real kpt: a hand-kept Secret that carries the
// instance annotation (copied from generated output) was deleted from the
// package while kpt reported PASS; it must stay, byte for byte, with a
// warning naming its file. A package file whose alias points into its own
// anchor must fail the render (exit non-zero, no crash), the package
// unchanged.
func TestKptKeepsForgedAnnotationAndRefusesAliasCycles(t *testing.T) {
	requireKpt(t)
	pkg := kptPackage(t)
	secret := `apiVersion: v1
kind: Secret
metadata:
  name: db-password # hand-kept
  namespace: shop
  annotations:
    scenario.kurator.dev/instance: shop/orders
    scenario.kurator.dev/templates: team-web
stringData:
  password: ${DB_PASSWORD}
`
	if err := os.WriteFile(filepath.Join(pkg, "db-secret.yaml"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runErr(pkg, kpt, "fn", "render", ".", "--allow-exec")
	if err != nil {
		t.Fatalf("kpt fn render: %v\n%s", err, stderr)
	}
	got := readTree(t, pkg)
	if got["db-secret.yaml"] != secret {
		t.Errorf("the hand-kept Secret changed or was deleted:\n%q", got["db-secret.yaml"])
	}
	if !strings.Contains(stderr, "db-secret.yaml") || !strings.Contains(stderr, "but the instance did not generate it") {
		t.Errorf("no warning naming the file:\n%s", stderr)
	}
	if !strings.Contains(got["generated/orders.yaml"], "kind: Application") {
		t.Errorf("the render did not run:\n%s", got["generated/orders.yaml"])
	}

	// An alias cycle in a package file.
	pkg = kptPackage(t)
	loop := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loop, namespace: shop}\ndata: &a {x: *a}\n"
	if err := os.WriteFile(filepath.Join(pkg, "loop.yaml"), []byte(loop), 0o644); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, pkg)
	out, stderr, err := runErr(pkg, kpt, "fn", "render", ".", "--allow-exec")
	if err == nil {
		t.Fatalf("kpt fn render passed on an alias cycle:\n%s%s", out, stderr)
	}
	for _, bad := range []string{"fatal error", "stack overflow", "goroutine "} {
		if strings.Contains(stderr, bad) {
			t.Errorf("%q in kpt's output:\n%s", bad, stderr)
		}
	}
	if !strings.Contains(stderr, "points into its own anchor") && !strings.Contains(stderr, "alias") {
		t.Errorf("the error does not say what is wrong:\n%s", stderr)
	}
	if after := readTree(t, pkg); !equalTrees(before, after) {
		t.Error("a failed render changed the package")
	}
}
