package generators_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kurator-scenario/scenario-fn/generators"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const paramsDir = "testdata/catalog-params"

// catalogCase is one template's entry in testdata/catalog-params/values.yaml.
type catalogCase struct {
	Template string
	Minimal  *yaml.RNode
	Effects  []effect
	// With are values an effect needs besides its own (a repository type
	// needs a URL of that type).
	With map[string]*yaml.RNode
}

type effect struct {
	Param string
	Value *yaml.RNode
}

func loadCatalogCases(t *testing.T) map[string]*catalogCase {
	t.Helper()
	doc, err := yaml.ReadFile(filepath.Join(paramsDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]*catalogCase{}
	err = doc.VisitFields(func(n *yaml.MapNode) error {
		c := &catalogCase{Template: n.Key.YNode().Value, Minimal: yaml.NewMapRNode(nil)}
		if m := n.Value.Field("minimal"); m != nil {
			c.Minimal = m.Value
		}
		c.With = map[string]*yaml.RNode{}
		if w := n.Value.Field("with"); w != nil {
			_ = w.Value.VisitFields(func(p *yaml.MapNode) error {
				c.With[p.Key.YNode().Value] = p.Value
				return nil
			})
		}
		if e := n.Value.Field("effects"); e != nil {
			_ = e.Value.VisitFields(func(p *yaml.MapNode) error {
				c.Effects = append(c.Effects, effect{p.Key.YNode().Value, p.Value})
				return nil
			})
		}
		cases[c.Template] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

func isAbstract(tpl *generators.Template) bool {
	return tpl.Node.GetAnnotations()[generators.AnnotationAbstract] == "true"
}

// chainOf returns the names of the templates in name's chain, name included.
func chainOf(t *testing.T, name string) []string {
	t.Helper()
	rv := &generators.Resolver{}
	chain, problems := rv.Chain(&generators.Template{Extends: []string{name}, Node: yaml.MustParse("{}")})
	if problems.HasErrors() {
		t.Fatalf("%s: %v", name, problems)
	}
	var out []string
	for _, c := range chain {
		out = append(out, c.Name)
	}
	return out
}

// withValue returns a copy of values with name set to v.
func withValue(values *yaml.RNode, name string, v *yaml.RNode) *yaml.RNode {
	c := values.Copy()
	_ = c.PipeE(yaml.SetField(name, v.Copy()))
	return c
}

// TestCatalogParameters renders every template an instance may extend with
// only its required values (minimal.yaml, valid for all Kurator kinds), and
// every parameter on top of them (<parameter>.diff: the lines its value
// changes, which must not be empty). Every parameter a template declares or
// refines must have such a case in a template whose chain includes it.
func TestCatalogParameters(t *testing.T) {
	cases := loadCatalogCases(t)
	catalog := generators.Catalog()
	covered := map[string]bool{} // "<declaring template>/<param>"
	for _, name := range generators.CatalogNames() {
		tpl := catalog[name]
		c, ok := cases[name]
		if isAbstract(tpl) {
			if ok {
				t.Errorf("%s is abstract: its parameters are covered through a template that extends it", name)
			}
			continue
		}
		if !ok {
			t.Errorf("template %s has no entry in %s/values.yaml", name, paramsDir)
			continue
		}
		chain := chainOf(t, name)
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(paramsDir, name)
			minimal := renderInstance(t, instanceYAML("sample", "team", name, c.Minimal))
			validateAll(t, minimal.Items)
			if len(minimal.Items) == 0 {
				t.Fatal("no resources")
			}
			checkGolden(t, filepath.Join(dir, "minimal.yaml"), minimal.YAML)
			want := map[string]bool{"minimal.yaml": true}
			for _, e := range c.Effects {
				want[e.Param+".diff"] = true
				t.Run(e.Param, func(t *testing.T) {
					values := withValue(c.Minimal, e.Param, e.Value)
					if w := c.With[e.Param]; w != nil {
						_ = w.VisitFields(func(p *yaml.MapNode) error {
							values = withValue(values, p.Key.YNode().Value, p.Value)
							return nil
						})
					}
					r := renderInstance(t, instanceYAML("sample", "team", name, values))
					validateAll(t, r.Items)
					d := lineDiff(minimal.YAML, r.YAML)
					if d == "" {
						t.Errorf("value %s changes nothing", strings.TrimSpace(e.Value.MustString()))
					}
					checkGolden(t, filepath.Join(dir, e.Param+".diff"), d)
				})
				for _, decl := range chain {
					for _, p := range catalog[decl].Parameters {
						if p.Name == e.Param {
							covered[decl+"/"+p.Name] = true
						}
					}
				}
			}
			files, _ := os.ReadDir(dir)
			for _, f := range files {
				if !want[f.Name()] {
					t.Errorf("%s: stale case file (no such effect in values.yaml)", filepath.Join(dir, f.Name()))
				}
			}
		})
	}
	var missing []string
	for _, name := range generators.CatalogNames() {
		for _, p := range catalog[name].Parameters {
			if !covered[name+"/"+p.Name] {
				missing = append(missing, name+"/"+p.Name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("parameters without a case that shows their effect (add one to %s/values.yaml):\n  %s",
			paramsDir, strings.Join(missing, "\n  "))
	}
}

// checkGolden compares got with the file, or rewrites it with -update.
func checkGolden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Errorf("%v (go test ./generators -run %s -update writes it)", err, t.Name())
		return
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./generators -update rewrites it):\n%s", file, cmp.Diff(string(want), got))
	}
}

// lineDiff is a line diff of a and b (longest common subsequence), with two
// lines of context around each change and "@@ line N" headers; "" when a
// and b are equal.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
		at   int // line number in a
	}
	var ops []line
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			ops = append(ops, line{' ', x[i], i + 1})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, line{'-', x[i], i + 1})
			i++
		default:
			ops = append(ops, line{'+', y[j], i + 1})
			j++
		}
	}
	const context = 2
	show := make([]bool, len(ops))
	changed := false
	for k, o := range ops {
		if o.op != ' ' {
			changed = true
			for d := max(0, k-context); d <= min(len(ops)-1, k+context); d++ {
				show[d] = true
			}
		}
	}
	if !changed {
		return ""
	}
	var out strings.Builder
	for k, o := range ops {
		if !show[k] {
			continue
		}
		if k == 0 || !show[k-1] {
			fmt.Fprintf(&out, "@@ line %d\n", o.at)
		}
		fmt.Fprintf(&out, "%c %s\n", o.op, o.text)
	}
	return out.String()
}
