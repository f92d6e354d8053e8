package generators_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

const scenariosDir = "testdata/scenarios"

// scenario is one documented Kurator scenario: an instance of a built-in
// template and the reference object(s) written after Kurator's docs.
type scenario struct {
	name, family string
	// outOfReach says why the instance cannot express the scenario yet; the
	// render must then differ from the reference.
	outOfReach string
	// notes says why a scenario needs overlays (notes.txt).
	notes string

	instanceLines, handLines, overlayLines int
	valuesOnly, matches                    bool
}

// TestScenarios renders every testdata/scenarios/<name>/instance.yaml
// through the KRM path and compares the output with reference.yaml, the
// object(s) Kurator's docs have the user write by hand: same kinds, same
// content modulo names (see normalise). It prints the measurement: lines of
// the instance against hand-written lines, and whether values suffice or
// overlays are needed. Run it with -v to see the table (make test does).
func TestScenarios(t *testing.T) {
	dirs, err := os.ReadDir(scenariosDir)
	if err != nil {
		t.Fatal(err)
	}
	var all []*scenario
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		s := &scenario{name: d.Name()}
		all = append(all, s)
		t.Run(s.name, func(t *testing.T) { runScenario(t, s) })
	}
	if len(all) < 20 {
		t.Errorf("%d scenarios; the measurement needs at least 20", len(all))
	}
	t.Log("\n" + scenarioTable(all))
}

func runScenario(t *testing.T, s *scenario) {
	dir := filepath.Join(scenariosDir, s.name)
	instance := mustRead(t, filepath.Join(dir, "instance.yaml"))
	reference := mustRead(t, filepath.Join(dir, "reference.yaml"))
	s.family = strings.TrimSpace(mustRead(t, filepath.Join(dir, "family.txt")))
	if b, err := os.ReadFile(filepath.Join(dir, "out-of-reach.txt")); err == nil {
		s.outOfReach = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err == nil {
		s.notes = strings.TrimSpace(string(b))
	}
	s.instanceLines = countLines(instance)
	s.handLines = countLines(reference)
	var err error
	if s.overlayLines, err = overlayLines(instance); err != nil {
		t.Fatal(err)
	}
	s.valuesOnly = s.overlayLines == 0

	out := renderInstance(t, instance)
	validateAll(t, out.Items)
	refs, err := (&kio.ByteReader{Reader: strings.NewReader(reference), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		for _, f := range kurator.Validate(r) {
			if f.Severity == kurator.Error {
				t.Errorf("reference %s %s: %s: %s", r.GetKind(), r.GetName(), f.Path, f.Message)
			}
		}
	}
	got, want := normaliseAll(t, out.Items), normaliseAll(t, refs)
	diff := cmp.Diff(want, got)
	s.matches = diff == ""
	switch {
	case s.outOfReach == "" && !s.matches:
		t.Errorf("rendered output differs from the reference (-reference +rendered):\n%s", diff)
	case s.outOfReach != "" && s.matches:
		t.Errorf("the scenario is marked out of reach (%s) but now renders the reference: remove out-of-reach.txt", s.outOfReach)
	}
	if !s.valuesOnly && s.outOfReach == "" && s.notes == "" {
		t.Errorf("the instance needs overlays: say why in %s/notes.txt", dir)
	}
}

// countLines counts the lines a person writes: neither blank nor comments.
func countLines(doc string) int {
	n := 0
	for _, l := range strings.Split(doc, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			n++
		}
	}
	return n
}

// overlayLines counts the written lines of the instance's spec.overlays and
// spec.resources (what values alone could not say).
func overlayLines(doc string) (int, error) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		return 0, err
	}
	lines := strings.Split(doc, "\n")
	spec := yaml.NewRNode(&root).Field("spec")
	if spec == nil {
		return 0, nil
	}
	n := 0
	for _, f := range []string{"overlays", "resources"} {
		fld := spec.Value.Field(f)
		if fld == nil {
			continue
		}
		first, last := fld.Key.YNode().Line, lastLine(fld.Value.YNode())
		n += countLines(strings.Join(lines[first-1:last], "\n"))
	}
	return n, nil
}

func lastLine(n *yaml.Node) int {
	l := n.Line
	if n.Kind == yaml.ScalarNode && (n.Style == yaml.LiteralStyle || n.Style == yaml.FoldedStyle) {
		l += strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	}
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

// normaliseAll turns objects into comparable JSON documents, sorted by kind
// (objects of a kind keep their order). "Modulo names" means:
//   - metadata is left out (generated names, namespace, our annotations),
//     but for its labels (AttachedCluster labels are what Applications select);
//   - a field that names another object of the same set (a Fleet's
//     object-store Secret, a Backup's Fleet) names it by kind and position;
//   - an Application's spec.destination is moved into each sync policy that
//     has none (Kurator's webhook: it is the policies' default) and sync
//     policy names are dropped (Kurator names unnamed policies itself);
//   - strings of a Secret's stringData that hold YAML are compared as YAML.
func normaliseAll(t *testing.T, objs []*yaml.RNode) []string {
	t.Helper()
	names := map[string]string{} // "Kind/name" -> "Kind#i"
	count := map[string]int{}
	for _, o := range objs {
		k := o.GetKind()
		names[k+"/"+o.GetName()] = fmt.Sprintf("%s#%d", k, count[k])
		count[k]++
	}
	var out []string
	for _, o := range objs {
		var m map[string]any
		s, err := o.String()
		if err != nil {
			t.Fatal(err)
		}
		if err := k8syaml.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		md, _ := m["metadata"].(map[string]any)
		delete(m, "metadata")
		if labels, ok := md["labels"]; ok {
			m["labels"] = labels
		}
		kind, _ := m["kind"].(string)
		for _, path := range referencePaths(kind) {
			rewriteRef(m, strings.Split(path, "."), func(v string) string {
				for target := range names {
					if strings.SplitN(target, "/", 2)[1] == v && strings.HasPrefix(target, referenceKind(kind, path)+"/") {
						return names[target]
					}
				}
				return v
			})
		}
		switch kind {
		case "Application":
			normaliseApplication(m)
		case "Secret":
			if sd, ok := m["stringData"].(map[string]any); ok {
				for k, v := range sd {
					var parsed map[string]any
					if str, ok := v.(string); ok && k8syaml.Unmarshal([]byte(str), &parsed) == nil && parsed != nil {
						sd[k] = parsed
					}
				}
			}
		}
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	sort.SliceStable(out, func(i, j int) bool { return kindOf(out[i]) < kindOf(out[j]) })
	return out
}

func kindOf(doc string) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(doc), &m)
	k, _ := m["kind"].(string)
	return k
}

// referencePaths are the fields of kind that name another object: the
// project's table (kurator/crds/merge-keys.yaml) plus Backup's fleet.
func referencePaths(kind string) []string {
	var out []string
	for _, r := range kurator.References(kind) {
		out = append(out, strings.ReplaceAll(r.Path, ".[]", ".*"))
	}
	if kind == "Backup" {
		out = append(out, "spec.destination.fleet")
	}
	if kind == "Fleet" {
		out = append(out, "spec.clusters.*.name") // the members
	}
	return out
}

func referenceKind(kind, path string) string {
	for _, r := range kurator.References(kind) {
		if strings.ReplaceAll(r.Path, ".[]", ".*") == path {
			return r.TargetKind
		}
	}
	if path == "spec.clusters.*.name" {
		return "AttachedCluster" // a Fleet's members
	}
	return "Fleet" // Backup's spec.destination.fleet
}

func rewriteRef(v any, path []string, f func(string) string) {
	if len(path) == 0 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if len(path) == 1 {
			if s, ok := x[path[0]].(string); ok {
				x[path[0]] = f(s)
			}
			return
		}
		if path[0] == "*" {
			return
		}
		rewriteRef(x[path[0]], path[1:], f)
	case []any:
		if path[0] == "*" {
			for _, e := range x {
				rewriteRef(e, path[1:], f)
			}
		}
	}
}

func normaliseApplication(m map[string]any) {
	spec, _ := m["spec"].(map[string]any)
	if spec == nil {
		return
	}
	def, hasDefault := spec["destination"]
	delete(spec, "destination")
	pols, _ := spec["syncPolicies"].([]any)
	for _, p := range pols {
		pol, _ := p.(map[string]any)
		if pol == nil {
			continue
		}
		delete(pol, "name")
		if _, own := pol["destination"]; !own && hasDefault {
			pol["destination"] = def
		}
	}
}

// scenarioTable prints the measurement and its summary.
func scenarioTable(all []*scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Scenario measurement (%d scenarios from Kurator's docs and examples, kurator-dev/kurator b6339412)\n", len(all))
	fmt.Fprintf(&b, "%-30s %-12s %-11s %8s %8s %8s %6s\n", "scenario", "family", "needs", "instance", "overlay", "by hand", "ratio")
	var ratios []float64
	valuesOnly := 0
	type fam struct{ n, values, reach int }
	families := map[string]*fam{}
	var order []string
	for _, s := range all {
		needs := "values"
		switch {
		case s.outOfReach != "":
			needs = "out of reach"
		case !s.valuesOnly:
			needs = "overlays"
		}
		f := families[s.family]
		if f == nil {
			f = &fam{}
			families[s.family] = f
			order = append(order, s.family)
		}
		f.n++
		ratio := "-"
		if s.outOfReach == "" && s.matches && s.handLines > 0 {
			r := float64(s.instanceLines) / float64(s.handLines)
			ratios = append(ratios, r)
			ratio = fmt.Sprintf("%.2f", r)
			f.reach++
			if s.valuesOnly {
				valuesOnly++
				f.values++
			}
		}
		fmt.Fprintf(&b, "%-30s %-12s %-11s %8d %8d %8d %6s\n", s.name, s.family, needs, s.instanceLines, s.overlayLines, s.handLines, ratio)
	}
	sort.Float64s(ratios)
	median := 0.0
	if n := len(ratios); n > 0 {
		median = ratios[n/2]
		if n%2 == 0 {
			median = (ratios[n/2-1] + ratios[n/2]) / 2
		}
	}
	pct := 0.0
	if len(all) > 0 {
		pct = 100 * float64(valuesOnly) / float64(len(all))
	}
	fmt.Fprintf(&b, "summary: %d scenarios, %d rendered exactly, values only %d (%.0f%%, target >= 80%%), overlays %d, out of reach %d; median ratio %.2f (target <= 0.40)\n",
		len(all), len(ratios), valuesOnly, pct, len(ratios)-valuesOnly, len(all)-len(ratios), median)
	for _, s := range all {
		switch {
		case s.outOfReach != "":
			fmt.Fprintf(&b, "  %s: out of reach: %s\n", s.name, s.outOfReach)
		case s.notes != "":
			fmt.Fprintf(&b, "  %s: %s\n", s.name, s.notes)
		}
	}
	for _, name := range order {
		f := families[name]
		fmt.Fprintf(&b, "  family %-12s %2d scenarios: %2d values only, %2d overlays, %2d out of reach\n", name, f.n, f.values, f.reach-f.values, f.n-f.reach)
	}
	return b.String()
}

// TestScenarioComparison: the comparison ignores names and where the
// default destination is written, and nothing else.
func TestScenarioComparison(t *testing.T) {
	parse := func(doc string) []*yaml.RNode {
		nodes, err := (&kio.ByteReader{Reader: strings.NewReader(doc), OmitReaderAnnotations: true}).Read()
		if err != nil {
			t.Fatal(err)
		}
		return nodes
	}
	base := `apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a, namespace: x}
spec:
  source: {gitRepository: {url: https://g/r, interval: 3m0s}}
  syncPolicies:
  - destination: {fleet: f}
    kustomization: {path: ./d, interval: 5m0s, prune: true}
---
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f}
spec: {plugin: {metric: {thanos: {objectStoreConfig: {secretName: s}}}}}
---
apiVersion: v1
kind: Secret
metadata: {name: s}
stringData: {objstore.yml: "type: S3\nconfig: {bucket: b}\n"}
`
	same := `apiVersion: v1
kind: Secret
metadata: {name: inst-s, annotations: {scenario.kurator.dev/instance: x/inst}}
stringData:
  objstore.yml: |
    config:
      bucket: "b"
    type: S3
---
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: inst, namespace: y}
spec:
  source: {gitRepository: {url: https://g/r, interval: 3m0s}}
  destination: {fleet: f}
  syncPolicies:
  - name: default
    kustomization: {path: ./d, interval: 5m0s, prune: true}
---
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f}
spec: {plugin: {metric: {thanos: {objectStoreConfig: {secretName: inst-s}}}}}
`
	want := normaliseAll(t, parse(base))
	if d := cmp.Diff(want, normaliseAll(t, parse(same))); d != "" {
		t.Errorf("equal modulo names, but compared different:\n%s", d)
	}
	for name, change := range map[string][2]string{
		"value":           {"path: ./d", "path: ./e"},
		"fleet":           {"destination: {fleet: f}", "destination: {fleet: g}"},
		"secret content":  {"bucket: \"b\"", "bucket: \"c\""},
		"secret not ours": {"secretName: inst-s", "secretName: other"},
		"extra field":     {"prune: true}", "prune: true, timeout: 2m0s}"},
		"labels":          {"metadata: {name: inst, namespace: y}", "metadata: {name: inst, namespace: y, labels: {env: test}}"},
		"extra object":    {"---\napiVersion: fleet", "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: fleet"},
	} {
		changed := strings.Replace(same, change[0], change[1], 1)
		if changed == same {
			t.Fatalf("%s: %q not found", name, change[0])
		}
		if cmp.Equal(want, normaliseAll(t, parse(changed))) {
			t.Errorf("%s: a changed object compared equal", name)
		}
	}
}
