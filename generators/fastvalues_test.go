package generators

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestMemoisedTargetsMatchTheFilter renders instances of every built-in
// chain with random values twice, the two ways of writing values: through
// the chain's memoised value plan (as a normal render of a second instance
// does) and through the replacement filter alone (a Resolver with
// filterValues). The outputs must be byte-identical.
func TestMemoisedTargetsMatchTheFilter(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	words := []string{"a", "b-c", "true", "1.10", "042", "${VAR}", "x:y", "localhost:5000/p", "null-ish", "🙂"}
	rv, filter := &Resolver{}, &Resolver{filterValues: true}
	fastUsed, unset := 0, 0
	chains := map[string]bool{} // chainKey of every chain rendered here
	for _, name := range CatalogNames() {
		if Catalog()[name].Node.GetAnnotations()[AnnotationAbstract] == "true" {
			continue
		}
		for i := 0; i < 25; i++ {
			chain, _ := rv.Chain(&Template{Extends: []string{name}, Node: yaml.MustParse("{}")})
			chains[chainKey(chain)] = true
			params, _ := Parameters(chain)
			values := ""
			for _, p := range params {
				if !p.Required && rnd.Intn(2) == 0 {
					continue
				}
				v := fmt.Sprintf("%q", words[rnd.Intn(len(words))])
				switch p.Type {
				case "integer":
					v = fmt.Sprint(rnd.Intn(100))
				case "boolean":
					v = fmt.Sprint(rnd.Intn(2) == 0)
				case "object":
					v = fmt.Sprintf("{k%d: %s}", rnd.Intn(3), v)
				case "array":
					v = fmt.Sprintf("[%s]", v)
				}
				if !p.Required && rnd.Intn(6) == 0 {
					v = "null" // unsets the parameter: what it writes is removed
				}
				switch p.Name {
				case "gitRepository":
					v = "https://github.com/acme/x"
				case "clusters":
					v = "[{name: m1, kind: Cluster}]"
				case "provider":
					v = "istio"
				}
				values += fmt.Sprintf("    %s: %s\n", p.Name, v)
			}
			if values == "" {
				values = "    {}\n" // a template without required parameters
			}
			doc := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata: {name: i%d}\nspec:\n  extends: [%s]\n  values:\n%s", APIVersion, Kind, i, name, values)
			inst, problems := ParseTemplate(yaml.MustParse(doc), "", false)
			if problems.HasErrors() {
				t.Fatal(problems)
			}
			rv.Render(inst, nil, false) // fills the memo
			if r := rv.render(inst, nil, nil); r.plan == nil && r.result != nil {
				t.Fatalf("%s: the second render used no value plan", doc)
			}
			fast, p1 := rv.Render(inst, nil, false)
			slow, p2 := filter.Render(inst, nil, false)
			if p1.HasErrors() != p2.HasErrors() {
				t.Fatalf("%s: problems differ:\nmemoised: %s\nfilter:   %s", doc, p1.Error(), p2.Error())
			}
			if fast == nil || slow == nil {
				continue
			}
			for _, p := range fast.Params {
				if p.Unset {
					unset++
				}
			}
			if a, b := serialise(t, fast.Resources), serialise(t, slow.Resources); a != b {
				t.Fatalf("%s\nmemoised:\n%s\nfilter:\n%s", doc, a, b)
			}
		}
	}
	if unset == 0 {
		t.Fatal("no render unset a parameter: the test compares no removal")
	}
	rewrites, hits := 0, 0
	for k := range chains {
		bases.mu.Lock()
		b := bases.m[k]
		bases.mu.Unlock()
		if b == nil {
			continue
		}
		if plan := b.plan.Load(); plan != nil {
			fastUsed += len(plan.fast)
			rewrites += len(plan.rewrites)
			for _, rw := range plan.rewrites {
				hits += len(rw.cache)
			}
		}
	}
	if fastUsed == 0 || rewrites == 0 || hits == 0 {
		t.Fatalf("memoised targets %d, rewrites %d, memo entries %d: the test compares nothing", fastUsed, rewrites, hits)
	}
	t.Logf("compared %d memoised targets and %d memoised rewrites (%d memo entries)", fastUsed, rewrites, hits)
}

func serialise(t *testing.T, nodes []*yaml.RNode) string {
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b}).Write(nodes); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
