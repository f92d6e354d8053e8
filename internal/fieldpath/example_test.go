package fieldpath_test

import (
	"fmt"

	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func Example() {
	var doc yaml.Node
	_ = yaml.Unmarshal([]byte(`metadata:
  annotations:
    example.com/team: web
spec:
  syncPolicies:
  - name: prod
    kustomization: {path: ./prod}
  - kustomization: {path: ./other}
`), &doc)

	// The one leaf walker, in the one spelling.
	fieldpath.Walk{}.Leaves(&doc, "", func(n *yaml.Node, path string) {
		fmt.Println(path, "=", n.Value)
	})

	// Parse reads it back; Lookup follows it.
	p, _ := fieldpath.Parse("spec.syncPolicies.[name=prod].kustomization.path")
	v, _ := p.Lookup(&doc)
	fmt.Println(p.Parent(), "has path", v.Value)

	// A field the document does not have.
	missing := fieldpath.MustParse("spec.syncPolicies.[name=dev].kustomization.path")
	fmt.Println("missing from", missing.HighestMissing(&doc))

	// Building one.
	fmt.Println(fieldpath.Keys("metadata", "annotations").Append(fieldpath.Key("config.kubernetes.io/index")))
	// Output:
	// metadata.annotations.[example.com/team] = web
	// spec.syncPolicies.[name=prod].name = prod
	// spec.syncPolicies.[name=prod].kustomization.path = ./prod
	// spec.syncPolicies.1.kustomization.path = ./other
	// spec.syncPolicies.[name=prod].kustomization has path ./prod
	// missing from spec.syncPolicies.[name=dev]
	// metadata.annotations.[config.kubernetes.io/index]
}
