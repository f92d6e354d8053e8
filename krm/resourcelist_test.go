package krm_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/kio"
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
