package krm

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func parseNode(t *testing.T, s string) *yaml.Node {
	t.Helper()
	n, err := yaml.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return n.YNode()
}

func TestAliasesCycle(t *testing.T) {
	for _, tc := range []struct{ doc, path string }{
		{"spec: &a {clusters: [*a]}\n", "spec.clusters.0"},
		{"&top {a: [x, {b: *top}]}\n", "a.1.b"},
		{"spec: &a\n  plugin: {<<: *a}\n", "spec.plugin.<<"},
		{"x: &a [[[[*a]]]]\n", "x.0.0.0.0"},
	} {
		uses, err := NewAliases(1000).Measure(parseNode(t, tc.doc))
		var cycle *AliasCycleError
		if !errors.As(err, &cycle) || !uses {
			t.Errorf("%q: got uses=%v err=%v, want a cycle", tc.doc, uses, err)
			continue
		}
		if cycle.Path != tc.path || !strings.Contains(err.Error(), "points into its own anchor") {
			t.Errorf("%q: path %q (want %q): %v", tc.doc, cycle.Path, tc.path, err)
		}
	}
}

func TestAliasesBudgetIsShared(t *testing.T) {
	// One stream: item 0 defines the anchor (7 nodes: the mapping, 3 keys,
	// 3 values), every other item aliases it: each adds 6 nodes.
	list := parseNode(t, "- &a {x: 1, y: 2, z: 3}\n- {v: *a}\n- {v: *a}\n- {v: *a}\n")
	m := NewAliases(13)
	var errs []error
	for _, it := range list.Content {
		_, err := m.Measure(it)
		errs = append(errs, err)
	}
	if errs[0] != nil || errs[1] != nil || errs[2] != nil {
		t.Fatalf("the first two aliases fit into 13 nodes: %v", errs)
	}
	var be *AliasBudgetError
	if !errors.As(errs[3], &be) || be.Expansion != 6 || be.Used != 18 || be.Limit != 13 {
		t.Fatalf("the third alias passes the budget: %v", errs[3])
	}
	if m.Used != 12 {
		t.Errorf("a refused document charged the budget: used %d", m.Used)
	}
}

func TestAliasesBombIsLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x]\n")
	for i := 1; i <= 60; i++ {
		b.WriteString("l" + strconv.Itoa(i) + ": &l" + strconv.Itoa(i) + " [*l" + strconv.Itoa(i-1) + ", *l" + strconv.Itoa(i-1) + "]\n")
	}
	_, err := NewAliases(DefaultAliasBudget).Measure(parseNode(t, b.String()))
	var be *AliasBudgetError
	if !errors.As(err, &be) || be.Expansion < 1<<40-1000 {
		t.Fatalf("2^60 nodes: %v", err)
	}
}

func TestAliasesWithoutAliases(t *testing.T) {
	uses, err := NewAliases(0).Measure(parseNode(t, "a: [1, 2, {b: c}]\n"))
	if uses || err != nil {
		t.Fatalf("uses=%v err=%v", uses, err)
	}
	uses, err = NewAliases(0).Measure(parseNode(t, "a: {<<: {b: c}}\n"))
	if !uses || err != nil {
		t.Fatalf("a merge key is a use: uses=%v err=%v", uses, err)
	}
}
