package transformers_test

import (
	"strings"
	"testing"
)

// TestDeepHelmValues: the README promises Helm values are rewritten "at any
// depth". Values nested deeper than the old recursive walker's limit (200)
// were skipped without a word (issue 9, defect 9); the walk is now
// iterative, so the image 600 levels down is rewritten, listed with its
// full field path, and a second run changes nothing.
func TestDeepHelmValues(t *testing.T) {
	const depth = 600
	var b strings.Builder
	b.WriteString(`apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig:
  apiVersion: scenario.kurator.dev/v1alpha1
  kind: ImageRegistryTransformer
  metadata: {name: mirror}
  spec:
    rules: [{from: "*", to: harbor.corp.local/mirror}]
items:
- apiVersion: helm.toolkit.fluxcd.io/v2
  kind: HelmRelease
  metadata: {name: deep, namespace: apps}
  spec:
    values:
      top: {image: "quay.io/x/top:1"}
      n: `)
	// alternate mappings and one-element lists: {a: [{a: [... {image: ...}]}]}
	for i := 0; i < depth; i++ {
		if i%2 == 0 {
			b.WriteString("{a: ")
		} else {
			b.WriteString("[")
		}
	}
	b.WriteString(`{image: "quay.io/x/deep:2@sha256:` + strings.Repeat("a", 64) + `"}`)
	for i := depth - 1; i >= 0; i-- {
		if i%2 == 0 {
			b.WriteString("}")
		} else {
			b.WriteString("]")
		}
	}
	b.WriteString("\n")
	stdout, stderr, code := run([]byte(b.String()))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `harbor.corp.local/mirror/quay.io/x/deep:2@sha256:`) {
		t.Fatalf("the image %d levels down was not rewritten; stderr:\n%s", depth, stderr)
	}
	if !strings.Contains(stdout, "harbor.corp.local/mirror/quay.io/x/top:1") {
		t.Errorf("the shallow image was not rewritten")
	}
	if items := itemsOnly(t, stdout); strings.Contains(items, "quay.io/x/deep:2") && !strings.Contains(items, "mirror/quay.io/x/deep:2") {
		t.Errorf("the original deep reference is still in the items")
	}
	// The mirror entry names the full path: spec.values.n.a.0.a.0...image
	wantPath := "spec.values.n" + strings.Repeat(".a.0", depth/2) + ".image"
	if !strings.Contains(stdout, "path: "+wantPath+"\n") {
		t.Errorf("no result names the deep field path %s...", wantPath[:60])
	}
	if !strings.Contains(stdout, "rewrote 2 image references") {
		t.Errorf("summary does not count both images:\n%s", lastLines(stdout, 8))
	}
	stdout2, stderr2, code2 := run([]byte(stdout))
	if code2 != 0 {
		t.Fatalf("second run: exit %d: %s", code2, stderr2)
	}
	if a, b := itemsOnly(t, stdout), itemsOnly(t, stdout2); a != b {
		t.Errorf("second run changed the items")
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
