package generators

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A value that fails its format check is reported once, at the value: the
// output checks of the fields it wrote (an image reference with two tags)
// do not repeat it, while other errors of the run are still reported.
func TestFormatErrorReportedOnce(t *testing.T) {
	doc := `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata: {name: orders, namespace: shop}
spec:
  extends: [web-service]
  values:
    image: ghcr.io/acme/orders:v1
    tag: v1.4.2
    gitRepository: https://github.com/acme/orders
    fleet: Prod_1
    resources: {limits: {memory: 1Gb}}
`
	inst, ps := ParseTemplate(yaml.MustParse(doc), "orders.yaml", true)
	if ps.HasErrors() {
		t.Fatal(ps)
	}
	for _, trace := range []bool{false, true} {
		res, problems := (&Resolver{}).Render(inst, nil, trace)
		if res != nil {
			t.Fatalf("trace %v: a render with errors returned resources", trace)
		}
		var image, quantity, fleet int
		for _, p := range problems {
			switch {
			case strings.Contains(p.Message, "ghcr.io/acme/orders:v1"):
				image++
			case strings.Contains(p.Message, "1Gb"):
				quantity++
			case strings.Contains(p.Message, "Prod_1"):
				fleet++
			}
		}
		if image != 1 || quantity != 1 || fleet != 1 {
			t.Errorf("trace %v: image reported %d times, quantity %d, fleet name %d; want 1 each:\n%s", trace, image, quantity, fleet, problems.Error())
		}
	}
}
