package generators

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const maxFuzzInput = 16 << 10 // bounded inputs: no hangs on huge documents

func fuzzDoc(s string) *yaml.RNode {
	if len(s) > maxFuzzInput {
		return nil
	}
	n, err := yaml.Parse(s)
	if err != nil || n.YNode().Kind != yaml.MappingNode {
		return nil
	}
	return n
}

// FuzzMerge merges a patch into a base Application. Properties: no panic;
// when the layer check passes, no directive reaches the output; and the
// descent optimisation gives exactly what kyaml's merge walker gives.
func FuzzMerge(f *testing.F) {
	f.Add(`spec: {syncPolicies: [{name: a, kustomization: {path: x}}], source: {gitRepository: {url: u}}}`,
		`spec: {syncPolicies: [{name: b}, {name: a, kustomization: {path: y}}]}`)
	f.Add(`spec: {syncPolicies: [{name: a}, {name: b}]}`, `spec: {syncPolicies: [{name: a, $patch: delete}]}`)
	f.Add(`spec: {syncPolicies: [{name: a}]}`, `spec: {syncPolicies: [{$patch: replace}, {name: c}]}`)
	f.Add(`metadata: {labels: {a: b}}`, `metadata: {labels: {$patch: replace, c: d}}`)
	f.Add(`spec: {source: {gitRepository: {ref: {branch: m}}}}`, `spec: {source: {gitRepository: {ref: null}}}`)
	f.Add(`spec: {destination: {fleet: a}}`, `spec: {destination: {$patch: delete}}`)
	f.Add(`spec: {syncPolicies: [{name: a, kustomization: {images: [{name: i, newTag: "1"}]}}]}`,
		`spec: {syncPolicies: [{name: a, kustomization: {images: [{name: i, $patch: delete}, {name: j}]}}]}`)
	f.Add(`spec: {syncPolicies: [{name: a}, {name: b}, {name: c}]}`, `spec: {syncPolicies: [{name: d, $position: {after: a}}, {name: c, $position: {before: a}}]}`)
	f.Add(`spec: {syncPolicies: [{name: a}, {name: b}, {name: c}, {name: d}]}`,
		`spec: {$setElementOrder/syncPolicies: [{name: c}, {name: e}, {name: a}], syncPolicies: [{name: e}]}`)
	f.Add(`spec: {syncPolicies: [{name: a, kustomization: {images: [{name: x}, {name: y}]}}]}`,
		`spec: {syncPolicies: [{name: a, kustomization: {images: [{name: y, $position: {before: x}}]}}]}`)
	f.Fuzz(func(t *testing.T, base, patch string) {
		b, p := fuzzDoc(base), fuzzDoc(patch)
		if b == nil || p == nil {
			return
		}
		for _, n := range []*yaml.RNode{b, p} {
			_ = n.PipeE(yaml.SetField("apiVersion", yaml.NewStringRNode(kurator.ApplicationAPIVersion)))
			_ = n.PipeE(yaml.SetField("kind", yaml.NewStringRNode("Application")))
		}
		if len(checkLayer(b, kurator.ApplicationAPIVersion, "Application")) > 0 ||
			len(checkLayer(p, kurator.ApplicationAPIVersion, "Application")) > 0 {
			return
		}
		// The ordering directives leave the patch before either merge path
		// sees it; the base (an earlier merge's output) has none.
		if _, bad := takeOrders(b, kurator.ApplicationAPIVersion, "Application"); len(bad) > 0 {
			return
		}
		orders, bad := takeOrders(p, kurator.ApplicationAPIVersion, "Application")
		if len(bad) > 0 {
			return
		}
		s := kurator.Lookup(kurator.ApplicationAPIVersion, "Application").MergeSchema()
		// A render's destination is always the result of an earlier merge
		// (layers are merged into an empty resource), never raw input.
		empty := yaml.MustParse("apiVersion: " + kurator.ApplicationAPIVersion + "\nkind: Application\n")
		b, err := walkMerge(empty, b, s)
		if err != nil || b == nil {
			return
		}
		want, errWant := walkMerge(b.Copy(), p.Copy(), s)
		got, errGot := mergeResourceRaw(b.Copy(), p.Copy(), kurator.ApplicationAPIVersion, "Application")
		if (errWant == nil) != (errGot == nil) {
			t.Fatalf("walker error %v, descent error %v", errWant, errGot)
		}
		if errGot != nil || want == nil || got == nil {
			return
		}
		if a, b := canonical(want), canonical(got); a != b {
			t.Fatalf("descent differs from the walker:\nwalker:\n%s\ndescent:\n%s", a, b)
		}
		settled, err := mergeResource(b.Copy(), p.Copy(), kurator.ApplicationAPIVersion, "Application")
		if err != nil {
			t.Fatal(err)
		}
		if settled != nil {
			if d := findDirective(settled.YNode(), ""); d != "" {
				t.Fatalf("directive %s reached the output:\n%s", d, settled.MustString())
			}
		}
		if len(orders) > 0 && settled != nil {
			checkOrdered(t, b, p, settled, orders)
		}
	})
}

// checkOrdered checks the ordering directives' effect: merged with them,
// every list they name holds the same elements as merged without them
// (settled), only placed; and the last directive on a list holds in the
// result ($position: next to its anchor; $setElementOrder: the named
// elements in its order).
func checkOrdered(t *testing.T, b, p, settled *yaml.RNode, orders []listOrder) {
	t.Helper()
	ordered, findings, err := mergeOrdered(b.Copy(), p.Copy(), kurator.ApplicationAPIVersion, "Application", append([]listOrder(nil), orders...))
	if err != nil {
		t.Fatalf("merge failed with the ordering directives only: %v", err)
	}
	if len(findings) > 0 || ordered == nil {
		return // an unknown key, or a list the merge removed
	}
	if d := findDirective(ordered.YNode(), ""); d != "" {
		t.Fatalf("directive %s reached the output:\n%s", d, ordered.MustString())
	}
	last := map[string]listOrder{}
	for _, o := range orders {
		last[fmt.Sprint(o.steps, o.list)] = o
	}
	for _, o := range last {
		got := listKeys(findList(ordered.YNode(), &o), o.key)
		plain := listKeys(findList(settled.YNode(), &o), o.key)
		if a, b := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(plain)); !slices.Equal(a, b) {
			t.Fatalf("ordering changed the elements of %s: %v, without it %v", o.list, got, plain)
		}
		if o.setOrder {
			var named []string
			for _, k := range got {
				if slices.Contains(o.order, k) {
					named = append(named, k)
				}
			}
			if !slices.Equal(named, o.order) {
				t.Fatalf("$setElementOrder %v, list %v", o.order, got)
			}
			continue
		}
		i := slices.Index(got, o.elem)
		want := slices.Index(got, o.after) + 1
		if o.before != "" {
			want = slices.Index(got, o.before) - 1
		}
		if i < 0 || i != want {
			t.Fatalf("$position of %s (after %q, before %q): list %v", o.elem, o.after, o.before, got)
		}
	}
}

// canonical serialises with sorted keys: the walker adds new fields in
// sorted order, the descent in patch order, and field order carries no
// meaning for the merge result.
func canonical(n *yaml.RNode) string {
	m, err := n.Map()
	if err != nil {
		return n.MustString()
	}
	b, _ := yaml.Marshal(m)
	return string(b)
}

// FuzzParseTemplate parses arbitrary documents as ScenarioTemplates: never
// a panic, and either a template or errors.
func FuzzParseTemplate(f *testing.F) {
	for _, name := range CatalogNames() {
		f.Add(Catalog()[name].Node.MustString())
	}
	f.Add("apiVersion: scenario.kurator.dev/v1alpha1\nkind: ScenarioTemplate\nmetadata: {name: x}\nspec: {parameters: [{name: 1}]}")
	f.Add("apiVersion: scenario.kurator.dev/v1alpha1\nkind: ScenarioTemplate\nspec: {values: [], extends: {a: b}}")
	f.Fuzz(func(t *testing.T, doc string) {
		n := fuzzDoc(doc)
		if n == nil {
			return
		}
		tpl, problems := ParseTemplate(n, "fuzz.yaml", true)
		if tpl == nil && !problems.HasErrors() {
			t.Fatal("no template and no error")
		}
	})
}

// FuzzRenderValues renders canary-service (a 3-level chain) with arbitrary
// values: never a panic, errors or valid output, and the same output twice.
func FuzzRenderValues(f *testing.F) {
	f.Add("image: ghcr.io/a/b\ngitRepository: https://x\nfleet: f\n")
	f.Add("image: localhost:5000/a\ntag: v1\ngitRepository: https://x\nfleet: f\nreplicas: 3\nhosts: [a]\n")
	f.Add("image: ${IMG}\ngitRepository: ${REPO}\nfleet: ${FLEET}\nport: ${PORT}\n")
	f.Add("image: [1]\ngitRepository: {a: b}\nfleet: null\nresources: x\n")
	f.Fuzz(func(t *testing.T, values string) {
		v := fuzzDoc(values)
		if v == nil {
			return
		}
		doc := "apiVersion: scenario.kurator.dev/v1alpha1\nkind: ScenarioTemplate\nmetadata: {name: fz, namespace: ns}\nspec:\n  extends: [canary-service]\n"
		inst, problems := ParseTemplate(yaml.MustParse(doc), "", false)
		if problems.HasErrors() {
			t.Fatal(problems)
		}
		inst.Values, inst.ValueOrder = map[string]*yaml.RNode{}, nil
		_ = v.VisitFields(func(m *yaml.MapNode) error {
			k := m.Key.YNode().Value
			if _, dup := inst.Values[k]; !dup {
				inst.ValueOrder = append(inst.ValueOrder, k)
			}
			inst.Values[k] = m.Value
			return nil
		})
		rv := &Resolver{}
		render := func() (string, bool) {
			res, problems := rv.Render(inst, nil, false)
			if problems.HasErrors() {
				if strings.Contains(problems.Error(), "internal") {
					t.Fatalf("internal error: %s", problems.Error())
				}
				return problems.Error(), false
			}
			var b strings.Builder
			for _, n := range res.Resources {
				b.WriteString(n.MustString())
				if d := findDirective(n.YNode(), ""); d != "" {
					t.Fatalf("directive in output at %s", d)
				}
			}
			return b.String(), true
		}
		first, ok1 := render()
		second, ok2 := render()
		if ok1 != ok2 || first != second {
			t.Fatalf("two renders differ:\n%s\n---\n%s", first, second)
		}
	})
}
