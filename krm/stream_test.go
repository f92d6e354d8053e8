package krm_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/internal/benchdata"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// streamSeeds are ResourceLists in the forms runners send and the forms
// the split must refuse.
var streamSeeds = []string{
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\nfunctionConfig:\n  apiVersion: x/v1\n  kind: K\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: x/v1\n  kind: K\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  # between\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: b\n    data:\n      s: |+\n        keep\n\n",
	"---\napiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\nfunctionConfig: {apiVersion: x/v1, kind: K}\nresults:\n- message: old\n",
	"# c\n---\napiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: ConfigMap}\nfunctionConfig: {apiVersion: x/v1, kind: K}\n",
	"{\"apiVersion\": \"config.kubernetes.io/v1\", \"kind\": \"ResourceList\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"}], \"functionConfig\": {\"apiVersion\": \"x/v1\", \"kind\": \"K\"}}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: {apiVersion: x/v1, kind: K}\n",
	"apiVersion: config.kubernetes.io/v1\r\nkind: ResourceList\r\nitems:\r\n- {apiVersion: v1, kind: ConfigMap}\r\nfunctionConfig: {apiVersion: x/v1, kind: K}\r\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- &a {apiVersion: v1, kind: ConfigMap}\n- *a\nfunctionConfig: {apiVersion: x/v1, kind: K}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- a: \"x\n- b: y\"\nfunctionConfig: {apiVersion: x/v1, kind: K}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- a: [1,\n- 2]\nfunctionConfig: {apiVersion: x/v1, kind: K}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap}\nfunctionConfig: {apiVersion: x/v1, kind: K}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n---\nfunctionConfig: {apiVersion: x/v1, kind: K}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  data:\n    a: b\n    # foot\nfunctionConfig: {apiVersion: x/v1, kind: K}\n",
}

func fuzzStreamSeeds(f *testing.F) {
	for _, s := range streamSeeds {
		f.Add([]byte(s))
	}
	f.Add(benchdata.ResourceList(12))
	files, _ := filepath.Glob("../fn/testdata/stream/*.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	corpus, _ := filepath.Glob("../fn/testdata/fuzz/FuzzResourceList/*")
	for _, p := range corpus {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		lines := strings.SplitN(string(b), "\n", 3)
		if len(lines) < 2 {
			continue
		}
		v := strings.TrimSpace(lines[1])
		if open := strings.IndexByte(v, '('); open >= 0 && strings.HasSuffix(v, ")") {
			if s, err := strconv.Unquote(v[open+1 : len(v)-1]); err == nil {
				f.Add([]byte(s))
			}
		}
	}
}

// FuzzSplitResourceList: on any bytes the split never panics, and either
// refuses (the runner then reads the whole list) or cuts exactly what
// krm.Read reads: when every item parses on its own, Read accepts the
// input and finds the same items (trees and comments) and the same
// functionConfig. The item ranges are in order, inside the input, and
// Write with nothing replaced gives back the items' bytes.
func FuzzSplitResourceList(f *testing.F) {
	fuzzStreamSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 64<<10 {
			return
		}
		s, ok := krm.SplitResourceList(in, nil)
		if !ok {
			return
		}
		items := make([]*yaml.RNode, s.Len())
		offsets := make([]int, s.Len())
		prev := -1
		for i := range items {
			raw := s.Raw(i)
			at := bytes.Index(in[prev+1:], raw)
			if at < 0 {
				t.Fatalf("item %d is not in the input after item %d", i, i-1)
			}
			prev += 1 + at
			offsets[i] = prev
			n, ok := s.Item(i)
			if !ok {
				return // the runner reads the whole list
			}
			items[i] = n
		}
		rl, err := krm.Read(in)
		if err != nil {
			t.Fatalf("split into %d items, but Read refuses the input: %v", s.Len(), err)
		}
		if len(rl.Items) != s.Len() {
			t.Fatalf("split into %d items, Read reads %d", s.Len(), len(rl.Items))
		}
		for i, n := range items {
			a, errA := encode(rl.Items[i].YNode())
			b, errB := encode(n.YNode())
			if gapComment(in, s, offsets, i) {
				// a comment between items stays where it is in the bytes;
				// Read attaches it to a neighbouring item's nodes
				a, errA = encode(uncommented(rl.Items[i].YNode()))
				b, errB = encode(uncommented(n.YNode()))
			}
			if errA != nil || errB != nil {
				continue
			}
			if a != b {
				t.Fatalf("item %d differs:\n--- Read\n%s\n--- split\n%s", i, a, b)
			}
		}
		if a, _ := encode(rl.FunctionConfig.YNode()); a != mustEncode(t, s.FunctionConfig.YNode()) {
			t.Fatalf("functionConfig differs")
		}
		var out bytes.Buffer
		if err := s.Write(&out, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		again, ok := krm.SplitResourceList(out.Bytes(), nil)
		if !ok || again.Len() != s.Len() {
			t.Fatalf("the written list does not split into %d items:\n%s", s.Len(), out.String())
		}
		for i := 0; i < s.Len(); i++ {
			if !bytes.Equal(again.Raw(i), s.Raw(i)) {
				t.Fatalf("item %d: written %q, read %q", i, again.Raw(i), s.Raw(i))
			}
		}
	})
}

// TestSplitForms checks the seeds' verdicts: the forms runners send are
// split, the others refused.
func TestSplitForms(t *testing.T) {
	want := []bool{true, true, true, false, false, false, false, true, true, true, false, false, true}
	for i, s := range streamSeeds {
		_, ok := krm.SplitResourceList([]byte(s), nil)
		if ok != want[i] {
			t.Errorf("seed %d: split %v, want %v:\n%s", i, ok, want[i], s)
		}
	}
}

// gapComment reports a comment in the bytes around item i that are not
// part of any item.
func gapComment(in []byte, s *krm.Split, offsets []int, i int) bool {
	at := func(j int) int { return offsets[j] }
	start, end := 0, len(in)
	if i > 0 {
		start = at(i-1) + len(s.Raw(i-1))
	}
	if i+1 < s.Len() {
		end = at(i + 1)
	}
	me := at(i)
	return bytes.Contains(in[start:me], []byte("#")) || bytes.Contains(in[me+len(s.Raw(i)):max(end, me+len(s.Raw(i)))], []byte("#"))
}

// uncommented is a copy of n without comments.
func uncommented(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.HeadComment, c.LineComment, c.FootComment = "", "", ""
	c.Content = nil
	for _, ch := range n.Content {
		c.Content = append(c.Content, uncommented(ch))
	}
	return &c
}

func encode(n *yaml.Node) (s string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = os.ErrInvalid
		}
	}()
	b, err := yaml.Marshal(n)
	return string(b), err
}

func mustEncode(t *testing.T, n *yaml.Node) string {
	s, err := encode(n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
