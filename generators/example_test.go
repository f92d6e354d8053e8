package generators_test

import (
	"fmt"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A package template: an Application whose fleet is a required parameter.
const webApp = `
apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata: {name: web-app}
spec:
  parameters:
  - name: fleet
    type: string
    required: true
    targets:
    - select: {kind: Application}
      fieldPaths: [spec.destination.fleet]
      options: {create: true}
  resources:
  - apiVersion: apps.kurator.dev/v1alpha1
    kind: Application
    spec:
      source: {gitRepository: {url: https://github.com/acme/orders, interval: 1m0s}}
      syncPolicies:
      - {name: default, kustomization: {path: ./deploy, interval: 1m0s, prune: true}}
`

// An instance: it extends the template, sets the parameter and refines one
// field by merge (the sync policy is found by its merge key, name).
const orders = `
apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata: {name: orders, namespace: shop}
spec:
  extends: [web-app]
  values: {fleet: prod}
  resources:
  - apiVersion: apps.kurator.dev/v1alpha1
    kind: Application
    spec:
      syncPolicies:
      - {name: default, kustomization: {path: ./deploy/prod}}
`

// Render one instance with a Resolver that knows the package's templates:
// the layers merge, the parameter is written, the result is named after
// the instance and validated against the Kurator CRDs.
func ExampleResolver_Render() {
	tmpl, problems := generators.ParseTemplate(yaml.MustParse(webApp), "web-app.yaml", false)
	if problems.HasErrors() {
		fmt.Println(problems.Error())
		return
	}
	inst, problems := generators.ParseTemplate(yaml.MustParse(orders), "orders.yaml", false)
	if problems.HasErrors() {
		fmt.Println(problems.Error())
		return
	}
	rv := &generators.Resolver{Package: map[string]*generators.Template{tmpl.Name: tmpl}}
	res, problems := rv.Render(inst, nil, false)
	if problems.HasErrors() {
		fmt.Println(problems.Error())
		return
	}
	for _, r := range res.Resources {
		fmt.Print(r.MustString())
	}
	// Output:
	// apiVersion: apps.kurator.dev/v1alpha1
	// kind: Application
	// metadata:
	//   name: orders
	//   namespace: shop
	//   annotations:
	//     scenario.kurator.dev/instance: shop/orders
	//     scenario.kurator.dev/templates: web-app
	// spec:
	//   source: {gitRepository: {url: 'https://github.com/acme/orders', interval: 1m0s}}
	//   syncPolicies:
	//   - {name: default, kustomization: {path: ./deploy/prod, interval: 1m0s, prune: true}}
	//   destination:
	//     fleet: prod
}

// The KRM entry point: the instance is the functionConfig, the package's
// items (here its template) are the input, and the output replaces them.
func ExampleGenerator_Process() {
	rl := &krm.ResourceList{
		FunctionConfig: yaml.MustParse(orders),
		Items:          []*yaml.RNode{yaml.MustParse(webApp)},
	}
	items, problems := generators.Generator{}.Process(&krm.Context{}, rl)
	for _, p := range problems {
		fmt.Println(p.Severity, p.Message)
	}
	for _, it := range items {
		fmt.Println(it.GetKind(), it.GetNamespace()+"/"+it.GetName())
	}
	// Output:
	// info rendered 1 resources from web-app -> orders
	// Application shop/orders
}

// Bad input is a problem that names the resource, the field path and the
// file it came from, with a hint.
func ExampleResolver_Render_problem() {
	tmpl, _ := generators.ParseTemplate(yaml.MustParse(webApp), "web-app.yaml", false)
	inst, _ := generators.ParseTemplate(yaml.MustParse(`
apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata: {name: orders, namespace: shop}
spec:
  extends: [web-app]
  values: {fleet: [prod]}
`), "orders.yaml", false)
	rv := &generators.Resolver{Package: map[string]*generators.Template{tmpl.Name: tmpl}}
	_, problems := rv.Render(inst, nil, false)
	for _, p := range problems {
		fmt.Println(p)
	}
	// Output:
	// error: orders.yaml: ScenarioTemplate shop/orders: spec.values.fleet: value "[prod]" is an array, but parameter "fleet" is a string (fix: write a string, e.g. fleet: <fleet>)
}
