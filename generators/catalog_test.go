package generators

import (
	"fmt"
	"testing"

	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// sampleValue is a valid value for a parameter of the built-in catalog.
func sampleValue(p *Param) string {
	switch p.Name {
	case "image":
		return "ghcr.io/acme/app"
	case "gitRepository":
		return "https://github.com/acme/app"
	case "clusters":
		return "[{name: member1, kind: AttachedCluster}]"
	}
	switch p.Type {
	case "integer":
		return "3"
	case "boolean":
		return "true"
	case "object":
		return "{a: b}"
	case "array":
		return "[x]"
	}
	return "sample"
}

// TestCatalogRendersValidResources renders every built-in template that an
// instance may extend, with every required parameter set, and validates the
// output against the embedded CRDs and controller rules.
func TestCatalogRendersValidResources(t *testing.T) {
	for _, name := range CatalogNames() {
		tpl := Catalog()[name]
		if tpl.Node.GetAnnotations()[AnnotationAbstract] == "true" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			if tpl.Description == "" {
				t.Error("template has no description")
			}
			rv := &Resolver{}
			chain, problems := rv.Chain(&Template{Extends: []string{name}, Node: yaml.MustParse("{}")})
			if problems.HasErrors() {
				t.Fatal(problems)
			}
			params, _ := Parameters(chain)
			values := ""
			for _, p := range params {
				if p.Description == "" {
					t.Errorf("parameter %q is undocumented", p.Name)
				}
				if p.Required {
					values += fmt.Sprintf("    %s: %s\n", p.Name, sampleValue(p))
				}
			}
			if values != "" {
				values = "  values:\n" + values
			}
			doc := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata: {name: sample, namespace: team}\nspec:\n  extends: [%s]\n%s", APIVersion, Kind, name, values)
			inst, problems := ParseTemplate(yaml.MustParse(doc), "sample.yaml", false)
			if problems.HasErrors() {
				t.Fatal(problems)
			}
			res, problems := rv.Render(inst, nil, false)
			if problems.HasErrors() {
				t.Fatalf("render:\n%s", problems)
			}
			if len(res.Resources) == 0 {
				t.Fatal("no resources")
			}
			for _, n := range res.Resources {
				for _, f := range kurator.Validate(n) {
					t.Errorf("%s %s: %s", n.GetKind(), f.Path, f.Message)
				}
				if kurator.IsKurator(n.GetApiVersion()) && kurator.Lookup(n.GetApiVersion(), n.GetKind()) == nil {
					t.Errorf("%s is not a known Kurator kind", n.GetKind())
				}
			}
		})
	}
}
