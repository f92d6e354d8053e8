package transformers_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/transformers"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const fuzzProcessConfig = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ImageRegistryTransformer
metadata: {name: fuzz}
spec:
  rules:
  - {from: docker.io/bitnami, to: harbor.corp.local/bitnami}
  - {from: docker.io, to: harbor.corp.local/dockerhub}
  - {from: "*", to: harbor.corp.local/mirror}
  chartRules:
  - {from: "https://kyverno.github.io/kyverno", to: "oci://harbor.corp.local/charts"}
  imagePullSecrets: [harbor-pull]
  fieldSpecs:
  - {kind: Widget, path: spec/runner/image}
  mirrorList: {}
`

// FuzzProcess runs the whole transformer on arbitrary items (the golden
// inputs as seeds): it must not panic, and running it on its own output
// must not change the items.
func FuzzProcess(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/input.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range aliasSeeds {
		f.Add(s)
	}
	cfg := yaml.MustParse(fuzzProcessConfig)
	f.Fuzz(func(t *testing.T, in string) {
		items, err := (&kio.ByteReader{Reader: bytes.NewBufferString(in), OmitReaderAnnotations: true}).Read()
		if err != nil {
			return
		}
		if write(items) == "" {
			return // not something a runner can send
		}
		if hasDuplicateKeys(items) {
			return // fn refuses these before any processor sees them (fn/badinput_test.go)
		}
		if items = asFnGivesThem(items); items == nil {
			return
		}
		once := func(items []*yaml.RNode) string {
			rl := &krm.ResourceList{Items: items, FunctionConfig: cfg.Copy()}
			out, problems := transformers.ImageRegistry{}.Process(&krm.Context{}, rl)
			if problems.HasErrors() {
				// only item content may fail a valid config: a reference
				// holding invisible characters; then no item is returned
				if !strings.Contains(problems.Error(), "references must be plain text") || out != nil {
					t.Fatalf("error on a valid config: %v", problems.Error())
				}
				return ""
			}
			return write(out)
		}
		first := once(items)
		if first == "" {
			return
		}
		again, err := krm.Read([]byte(first))
		if err != nil {
			return
		}
		if second := once(again.Items); second != first {
			t.Fatalf("second run changed the items:\n%s", diff(first, second))
		}
	})
}

// write serialises items, or returns "" where kyaml's writer fails or
// panics (it panics on items whose metadata is not a mapping: a defect of
// the wire layer, outside the transformer, reported separately).
func write(items []*yaml.RNode) (out string) {
	defer func() {
		if recover() != nil {
			out = ""
		}
	}()
	var buf bytes.Buffer
	if err := (&krm.ResourceList{Items: items}).Write(&buf); err != nil {
		return ""
	}
	return buf.String()
}

// hasDuplicateKeys reports a mapping with the same key twice anywhere in
// the items. kyaml's writer drops one of two empty duplicate `metadata`
// keys per write, so such items are not stable by themselves.
func hasDuplicateKeys(items []*yaml.RNode) bool {
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.MappingNode {
			seen := map[string]bool{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				if seen[k] {
					return true
				}
				seen[k] = true
			}
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	for _, it := range items {
		if walk(it.YNode()) {
			return true
		}
	}
	return false
}

// aliasSeeds are YAML anchors, aliases, merge keys, self-references and
// aliases across items (a ResourceList is one document), the shapes behind
// hardening issue 9.
var aliasSeeds = []string{
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - &c {name: a, image: nginx}\n      - *c\n",
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - &c {name: a, image: nginx}\n      - {<<: *c, name: b}\n",
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: &s {template: {spec: {containers: [*s]}}}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a, labels: &l {app: a}}\n  spec: {containers: [&c {name: a, image: redis}]}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b, labels: *l}\n  spec: {containers: [*c]}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: &l0 [{name: a, image: busybox}]\n  initContainers: &l1 [*l0, *l0]\n  ephemeralContainers: [*l1, *l1]\n",
}

// asFnGivesThem returns the items as fn hands them to a processor, or nil
// for what fn refuses before any processor runs: items that are not
// objects in shape (krm.Read), alias cycles and alias bombs (krm.Aliases).
// Items with aliases are expanded, as fn expands them.
func asFnGivesThem(items []*yaml.RNode) []*yaml.RNode {
	rl, err := krm.Read([]byte(write(items)))
	if err != nil || len(rl.Invalid) > 0 {
		return nil
	}
	measure := krm.NewAliases(krm.DefaultAliasBudget)
	out := make([]*yaml.RNode, 0, len(items))
	for _, it := range items {
		uses, err := measure.Measure(it.YNode())
		if err != nil {
			return nil
		}
		if uses { // in place: the fuzz input is not used again
			if it.DeAnchor() != nil {
				return nil
			}
		}
		out = append(out, it)
	}
	return out
}
