package krm_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestWriteIsAFixedPoint: what Write emits reads back and writes again to
// the same bytes, also where yaml.v3 would move a foot comment on the way
// (a comment after a nested block in an item that is not the last one).
func TestWriteIsAFixedPoint(t *testing.T) {
	cases := map[string]string{
		"foot comment after a nested block": "a: 1\nb:\n  c:\n# after b\n---\nx: 1\n",
		"foot comment in the last item":     "x: 1\n---\na: 1\nb:\n  c:\n# after b\n",
		"foot comment after a nested list":  "a: [1]\nb:\n- c: 1\n  d:\n    e: 2\n  # in the list\n# after b\n---\nx: 1\n",
		"deeply nested":                     "a:\n  b:\n    c:\n      d: 1\n    # c\n  # b\n# a\n---\nx: 1\n---\ny: 2\n",
		"no foot comment":                   "# head\na: 1 # line\n---\nx: 1\n",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			items, err := (&kio.ByteReader{Reader: strings.NewReader(in), OmitReaderAnnotations: true}).Read()
			if err != nil {
				t.Fatal(err)
			}
			var first bytes.Buffer
			if err := (&krm.ResourceList{Items: items}).Write(&first); err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(in, "\n") {
				if i := strings.Index(line, "#"); i >= 0 && !strings.Contains(first.String(), line[i:]) {
					t.Errorf("comment %q lost:\n%s", line[i:], first.String())
				}
			}
			rl, err := krm.Read(first.Bytes())
			if err != nil {
				t.Fatalf("reading our own output: %v", err)
			}
			var second bytes.Buffer
			if err := rl.Write(&second); err != nil {
				t.Fatal(err)
			}
			if first.String() != second.String() {
				t.Errorf("second write differs:\n--- first\n%s--- second\n%s", first.String(), second.String())
			}
		})
	}
}

// TestWriteKeepsNulls: an empty null inside a flow collection or as a key
// comes back as a null, not as the empty string yaml.v3 would quote it to,
// and the caller's nodes are left as they were.
func TestWriteKeepsNulls(t *testing.T) {
	for _, in := range []string{
		"a: {b: 1, c}\n",
		"a: {b: 1, c: }\n",
		"a: [1, {c: }]\n",
		"a: {b: {c: }}\n",
		"a:\n  c:\n",
		"a: {c: ~}\n",
		"a: {c: null}\n",
	} {
		t.Run(in, func(t *testing.T) {
			items, err := (&kio.ByteReader{Reader: strings.NewReader(in), OmitReaderAnnotations: true}).Read()
			if err != nil {
				t.Fatal(err)
			}
			before := items[0].MustString()
			var out bytes.Buffer
			if err := (&krm.ResourceList{Items: items}).Write(&out); err != nil {
				t.Fatal(err)
			}
			if after := items[0].MustString(); after != before {
				t.Errorf("Write changed the caller's node:\n%s---\n%s", before, after)
			}
			rl, err := krm.Read(out.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			var nulls int
			var walk func(n *yaml.Node)
			walk = func(n *yaml.Node) {
				if n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagNull {
					nulls++
				}
				if n.Kind == yaml.ScalarNode && n.Value == "" && n.ShortTag() == yaml.NodeTagString {
					t.Errorf("a null came back as an empty string:\n%s", out.String())
				}
				for _, c := range n.Content {
					walk(c)
				}
			}
			walk(rl.Items[0].YNode())
			if nulls != 1 {
				t.Errorf("%d nulls read back, want 1:\n%s", nulls, out.String())
			}
		})
	}
}
