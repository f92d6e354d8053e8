package krm

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Code and Param are for programs: they do not change what is printed or
// reported.
func TestProblemCodeAndParamAreData(t *testing.T) {
	var ps Problems
	if ps.Last() != nil {
		t.Fatal("Last of no problems")
	}
	id := &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{Kind: "ScenarioTemplate"}, NameMeta: yaml.NameMeta{Name: "orders"}}
	ps.Errorf(id, "spec.values.fleet", Source{File: "orders.yaml"}, "add it", "missing required value %q", "fleet")
	plain := ps[0]
	ps.Last().Code, ps.Last().Param = "missing-value", "fleet"
	if ps[0].Code != "missing-value" || ps[0].Param != "fleet" {
		t.Fatalf("Last did not address the problem: %+v", ps[0])
	}
	if ps[0].String() != plain.String() {
		t.Errorf("printed %q, want %q", ps[0].String(), plain.String())
	}
	got, want := ps[0].Result(), plain.Result()
	if got.Message != want.Message || len(got.Tags) != len(want.Tags) {
		t.Errorf("result %+v, want %+v", got, want)
	}
}
