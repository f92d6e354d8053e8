package schema_test

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/kurator"
	"github.com/kurator-scenario/scenario-fn/schema"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// corpus returns Kurator objects: the rendered outputs in the generator's
// golden files.
func corpus(t *testing.T) []*yaml.RNode {
	files, _ := filepath.Glob("../generators/testdata/*/expected.yaml")
	var out []*yaml.RNode
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rl, err := (&kio.ByteReader{Reader: strings.NewReader(string(data))}).Read()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range rl {
			if kurator.Lookup(n.GetApiVersion(), n.GetKind()) != nil && n.GetAnnotations()["scenario.kurator.dev/templates"] != "" {
				out = append(out, n)
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("corpus too small: %d", len(out))
	}
	return out
}

// TestPrefilterNeverHidesAnError mutates valid Kurator objects at random
// and checks the one property the prefilter must have: when it says an
// object is valid, kube-openapi finds no error either.
func TestPrefilterNeverHidesAnError(t *testing.T) {
	docs := corpus(t)
	rnd := rand.New(rand.NewSource(7))
	fast, slowOnly, mutants := 0, 0, 0
	for _, d := range docs {
		typ := kurator.Lookup(d.GetApiVersion(), d.GetKind())
		if errs := schema.SlowValidate(typ, d); len(errs) != 0 {
			t.Fatalf("corpus object is invalid: %v", errs)
		}
		if schema.PrefilterValid(typ, d) {
			fast++
		} else {
			slowOnly++
		}
		for i := 0; i < 300; i++ {
			m := d.Copy()
			mutate(rnd, m.YNode())
			mutants++
			if schema.PrefilterValid(typ, m) {
				if errs := schema.SlowValidate(typ, m); len(errs) != 0 {
					t.Fatalf("prefilter accepted an object kube-openapi rejects (%v):\n%s", errs, m.MustString())
				}
			}
		}
	}
	if fast == 0 {
		t.Fatal("no valid object took the fast path")
	}
	t.Logf("%d valid objects (%d through the prefilter), %d mutants", fast+slowOnly, fast, mutants)
}

var junk = []*yaml.Node{
	{Kind: yaml.ScalarNode, Tag: "!!str", Value: "x y"},
	{Kind: yaml.ScalarNode, Tag: "!!str", Value: ""},
	{Kind: yaml.ScalarNode, Tag: "!!int", Value: "-3"},
	{Kind: yaml.ScalarNode, Tag: "!!int", Value: "99999999999"},
	{Kind: yaml.ScalarNode, Tag: "!!float", Value: "1.5"},
	{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"},
	{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"},
	{Kind: yaml.ScalarNode, Tag: "!!str", Value: "5 m"},
	{Kind: yaml.ScalarNode, Tag: "!!str", Value: "${VAR}"},
	{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.Repeat("a", 70)},
	{Kind: yaml.MappingNode},
	{Kind: yaml.SequenceNode},
}

// mutate changes one random node: replaces a value, removes or adds a key,
// or empties a list.
func mutate(rnd *rand.Rand, root *yaml.Node) {
	var all []*yaml.Node
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		all = append(all, n)
		for _, c := range n.Content {
			visit(c)
		}
	}
	visit(root)
	for tries := 0; tries < 10; tries++ {
		n := all[rnd.Intn(len(all))]
		switch {
		case n.Kind == yaml.MappingNode && len(n.Content) >= 2 && rnd.Intn(3) == 0:
			i := 2 * rnd.Intn(len(n.Content)/2)
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return
		case n.Kind == yaml.MappingNode && rnd.Intn(2) == 0:
			j := *junk[rnd.Intn(len(junk))]
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "unknownField"}, &j)
			return
		case n.Kind == yaml.MappingNode && len(n.Content) >= 2:
			i := 2*rnd.Intn(len(n.Content)/2) + 1
			j := *junk[rnd.Intn(len(junk))]
			n.Content[i] = &j
			return
		case n.Kind == yaml.SequenceNode && len(n.Content) > 0:
			if rnd.Intn(2) == 0 {
				n.Content = nil
			} else {
				j := *junk[rnd.Intn(len(junk))]
				n.Content[rnd.Intn(len(n.Content))] = &j
			}
			return
		}
	}
}
