package v1alpha1_test

import (
	"fmt"

	"github.com/kurator-scenario/scenario-fn/api/v1alpha1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Decode an instance (validated against the CRD first, as
// generators.ParseTemplate does). Free-form values keep their lines.
func ExampleDecodeScenarioTemplate() {
	doc := yaml.MustParse(`apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
spec:
  extends: [web-service]
  values:
    image: ghcr.io/acme/orders
    replicas: 3
`)
	st, err := v1alpha1.DecodeScenarioTemplate(doc.YNode())
	if err != nil {
		panic(err)
	}
	fmt.Println(st.Metadata.Name, "extends", st.Spec.Extends)
	c := st.Spec.Values.Content
	for i := 0; i+1 < len(c); i += 2 {
		fmt.Printf("line %d: %s = %s\n", c[i].Line, c[i].Value, c[i+1].Value)
	}
	// Output:
	// orders extends [web-service]
	// line 8: image = ghcr.io/acme/orders
	// line 9: replicas = 3
}
