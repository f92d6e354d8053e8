package generators

import (
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The observer locates what explain shows: the line of an overriding
// field in the layer document that overrode it, the line of the null
// that removed a field, and a list element a value re-keyed (renamed, not
// removed).
func TestTraceLocatesFieldsAndRekeys(t *testing.T) {
	const base = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: base
spec:
  parameters:
  - name: image
    targets:
    - select: {kind: Application}
      fieldPaths:
      - spec.syncPolicies.[name=default].kustomization.images.0.name
  resources:
  - apiVersion: apps.kurator.dev/v1alpha1
    kind: Application
    spec:
      source:
        gitRepository:
          url: https://github.com/acme/orders
          interval: 3m0s
          timeout: 1m0s
      syncPolicies:
      - name: default
        kustomization:
          path: ./deploy
          interval: 5m0s
          prune: true
          images:
          - name: set-by-the-image-parameter
            newName: mirror.example.com/orders
      destination:
        fleet: prod
`
	const inst = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  namespace: shop
spec:
  extends: [base]
  values:
    image: ghcr.io/acme/orders
  resources:
  - apiVersion: apps.kurator.dev/v1alpha1
    kind: Application
    spec:
      source:
        gitRepository:
          interval: 5m0s
          timeout: null
`
	parse := func(text, file string) *Template {
		tpl, ps := ParseTemplate(yaml.MustParse(text), file, true)
		if tpl == nil || ps.HasErrors() {
			t.Fatalf("%s: %v", file, ps)
		}
		return tpl
	}
	rv := &Resolver{Package: map[string]*Template{"base": parse(base, "base.yaml")}}
	res, ps := rv.RenderInstance(parse(inst, "orders.yaml"), nil, true)
	if ps.HasErrors() || res == nil || len(res.Resources) != 1 {
		t.Fatalf("render: %v", ps)
	}
	id := krm.ResourceString(krm.IDOf(res.Resources[0]))
	fields := res.Trace.Fields(id)
	// interval is overridden by the instance's document (line 11), on line 16.
	if o := fields["spec.source.gitRepository.interval"]; o.String() != "instance orders (orders.yaml:16)" {
		t.Errorf("interval: %s, want the overriding line orders.yaml:16", o)
	}
	// The re-keyed element's other fields keep their origin.
	if o := fields["spec.syncPolicies.[name=default].kustomization.images.[name=ghcr.io/acme/orders].newName"]; o.Source.File != "base.yaml" {
		t.Errorf("newName under the re-keyed element: %s", o)
	}
	deleted := res.Trace.Deleted(id)
	if o := deleted["spec.source.gitRepository.timeout"]; o.Source.String() != "orders.yaml:17" {
		t.Errorf("timeout removed at %s, want the null's line orders.yaml:17 (the document is on line 11)", o.Source)
	}
	var got []string
	for _, r := range res.Trace.Removed(id, res.Resources[0].YNode(), "") {
		var by []string
		for _, o := range r.By {
			by = append(by, o.String())
		}
		got = append(got, r.Path+" renamed:"+r.RenamedTo+" by "+strings.Join(by, "; "))
	}
	want := []string{
		"spec.source.gitRepository.timeout renamed: by instance orders (orders.yaml:17)",
		`spec.syncPolicies.[name=default].kustomization.images.[name=set-by-the-image-parameter] renamed:[name=ghcr.io/acme/orders] by value "image" (value in instance orders) (orders.yaml:9)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Removed:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A prefix selects the removals at, under or above it.
	if r := res.Trace.Removed(id, res.Resources[0].YNode(), "spec.source"); len(r) != 1 || r[0].Path != "spec.source.gitRepository.timeout" {
		t.Errorf("Removed under spec.source: %+v", r)
	}
}
