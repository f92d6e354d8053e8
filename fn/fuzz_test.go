package fn_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxFuzzInput bounds the inputs FuzzResourceList runs: large enough for
// every golden case, small enough that no input takes long.
const maxFuzzInput = 64 << 10

// fuzzRoot is the function's root while fuzzing: a package with template
// files (extends: [./platform/team.yaml] resolves).
const fuzzRoot = "../generators/testdata/chain-three-levels-from-files"

// goldenSeeds returns every golden case's input as a ResourceList: the
// generator's and the transformer's, error cases included.
func goldenSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, pattern := range []string{"../generators/testdata/*/config.yaml", "../transformers/testdata/*/config.yaml"} {
		configs, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range configs {
			dir := filepath.Dir(c)
			cfg, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			input, _ := os.ReadFile(filepath.Join(dir, "input.yaml"))
			if bytes.Contains(input, []byte("kind: ResourceList")) {
				seeds = append(seeds, input)
				continue
			}
			items, err := (&kio.ByteReader{Reader: bytes.NewReader(input), OmitReaderAnnotations: true}).Read()
			if err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			fc, err := yaml.Parse(string(cfg))
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			var b bytes.Buffer
			if err := (&krm.ResourceList{Items: items, FunctionConfig: fc}).Write(&b); err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			seeds = append(seeds, b.Bytes())
		}
	}
	if len(seeds) < 60 {
		t.Fatalf("only %d golden seeds", len(seeds))
	}
	return seeds
}

// FuzzResourceList runs the whole entry point, fn.Run, on arbitrary bytes
// (seeded with every golden case). Properties:
//   - no panic, recovered or not ("internal error" is a failure);
//   - stdout, when there is any, parses as a ResourceList, and a failed run
//     returns the input items unchanged;
//   - a successful generator run passes through every item it does not
//     own (no template, overlay or own output) unchanged, in order;
//   - running again on the output (with the consumed templates and
//     overlays put back) changes no item: the function is idempotent.
func FuzzResourceList(f *testing.F) {
	for _, s := range goldenSeeds(f) {
		f.Add(s)
	}
	for _, s := range aliasSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxFuzzInput {
			return
		}
		stdout, stderr, code := run(t, fuzzRoot, in)
		if strings.Contains(stderr, "internal error") {
			t.Fatalf("panic:\n%s", stderr)
		}
		if stdout == "" {
			if code == 0 {
				t.Fatalf("exit 0 without output; stderr:\n%s", stderr)
			}
			if _, err := krm.Read(in); err == nil && strings.Contains(stderr, "writing the ResourceList") {
				// kyaml cannot write what it read: the input passes krm.Read
				// but not the writer; krm.Read must refuse such items.
				t.Fatalf("readable input that cannot be written back:\n%s", stderr)
			}
			return
		}
		out, err := krm.Read([]byte(stdout))
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, stdout)
		}
		parsed, err := krm.Read(in)
		if err != nil {
			t.Fatalf("output for input that does not parse: %v", err)
		}
		if code != 0 {
			if a, b := writeNodes(t, parsed.Items), writeNodes(t, out.Items); a != b && !sameItems(parsed.Items, out.Items) {
				t.Fatalf("a failed run changed the items:\n--- in\n%s\n--- out\n%s\nstderr:\n%s", a, b, stderr)
			}
			return
		}
		kind := ""
		if fc := parsed.FunctionConfig; fc != nil && fc.YNode().Kind == yaml.MappingNode {
			kind = fc.GetKind()
		}
		if kind == generators.Kind {
			owner := ownerOf(parsed.FunctionConfig)
			if a, b := writeNodes(t, notOwned(parsed.Items, owner)), writeNodes(t, notOwned(out.Items, owner)); a != b && !sameItems(notOwned(parsed.Items, owner), notOwned(out.Items, owner)) {
				t.Fatalf("items the generator does not own changed:\n--- in\n%s\n--- out\n%s", a, b)
			}
		}
		// Idempotency.
		again := &krm.ResourceList{FunctionConfig: parsed.FunctionConfig}
		if kind == generators.Kind {
			again.Items = append(consumed(t, parsed.Items, out.Items), out.Items...)
		} else {
			again.Items = out.Items
		}
		var b bytes.Buffer
		if err := again.Write(&b); err != nil {
			t.Fatalf("writing the second input: %v", err)
		}
		stdout2, stderr2, code2 := run(t, fuzzRoot, b.Bytes())
		if code2 != 0 {
			t.Fatalf("the second run fails:\n%s\nfirst output:\n%s", stderr2, stdout)
		}
		out2, err := krm.Read([]byte(stdout2))
		if err != nil {
			t.Fatalf("second output does not parse: %v", err)
		}
		if a, b := writeNodes(t, out.Items), writeNodes(t, out2.Items); a != b {
			t.Fatalf("the second run changed the items:\n--- first\n%s\n--- second\n%s", a, b)
		}
	})
}

// ownerOf returns the instance annotation value of the generator's output.
func ownerOf(fc *yaml.RNode) string {
	m, _ := fc.GetMeta()
	ns := m.Namespace
	if ns == "" {
		ns = "default"
	}
	return ns + "/" + m.Name
}

// isSource tells templates and overlay items (the generator reads them).
func isSource(n *yaml.RNode) bool {
	if n.YNode().Kind != yaml.MappingNode {
		return false
	}
	ov := n.GetAnnotations()[generators.AnnotationOverlay]
	return n.GetKind() == generators.Kind || (ov != "" && ov != "false")
}

// notOwned keeps the items the generator neither reads nor owns: in the
// input, its earlier output is owned; in the output, what it generated.
func notOwned(items []*yaml.RNode, owner string) []*yaml.RNode {
	var out []*yaml.RNode
	for _, n := range items {
		if isSource(n) || (n.YNode().Kind == yaml.MappingNode && n.GetAnnotations()[generators.AnnotationInstance] == owner) {
			continue
		}
		out = append(out, n)
	}
	return out
}

// consumed returns the templates and overlays of in that out lacks.
func consumed(t *testing.T, in, out []*yaml.RNode) []*yaml.RNode {
	have := map[string]bool{}
	for _, n := range out {
		have[writeNodes(t, []*yaml.RNode{n})] = true
	}
	var back []*yaml.RNode
	for _, n := range in {
		if isSource(n) && !have[writeNodes(t, []*yaml.RNode{n})] {
			back = append(back, n)
		}
	}
	return back
}

// sameItems: the same items in the same order, each identical, or
// identical but for where yaml.v3 put a foot comment (nlCompare: comments
// after a nested block move to the innermost node on a re-read, and where
// depends on what follows the item).
func sameItems(a, b []*yaml.RNode) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if nlCompare(a[i], b[i]) == nlDifferent {
			return false
		}
	}
	return true
}

// aliasSeeds are ResourceLists with YAML anchors, aliases, merge keys,
// self-references and aliases across items and into the functionConfig:
// the bad-input rows about aliases, and small valid shapes to mutate.
func aliasSeeds() [][]byte {
	var out [][]byte
	for _, tc := range badCases() {
		if tc.memory || strings.Contains(tc.name, "alias") {
			if in := tc.input(); len(in) <= maxFuzzInput {
				out = append(out, in)
			}
		}
	}
	labels := strings.Replace(unrelated, "  namespace: shop\n", "  namespace: shop\n  labels: &lbl {team: a}\n", 1)
	for _, items := range [][]string{
		{labels, strings.NewReplacer("  namespace: shop\n", "  namespace: shop\n  labels: *lbl\n", "name: unrelated", "name: other").Replace(unrelated)},
		{strings.Replace(deployment, "- name: web\n        image: nginx:1.25 # pinned", "- &c {name: web, image: nginx:1.25}\n      - {<<: *c, name: side}", 1)},
		{strings.Replace(deployment, "- name: web\n        image: nginx:1.25 # pinned", "- &c {name: web, image: nginx:1.25}\n      - *c", 1)},
	} {
		out = append(out, resourceList(mirrorConfig, items...), resourceList(instance(webService), items...))
	}
	out = append(out, fcLast(resourceList(instance("extends: [web-service]\nvalues: {image: ghcr.io/acme/orders, gitRepository: https://github.com/acme/orders, fleet: *fleet}\n"),
		strings.Replace(unrelated, "key: value", "key: &fleet prod", 1))))
	return out
}
