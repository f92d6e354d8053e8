package krm_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kurator-scenario/scenario-fn/internal/benchdata"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/krm/krmtest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func listOf(items string) []byte {
	return []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + items + "functionConfig:\n  kind: K\n")
}

// spliceEdit changes the tree the way the transformer does (a scalar's
// value, pairs appended to a mapping) and says so in a Change.
type spliceEdit struct {
	path  []string // to a scalar value, or to the mapping appended to
	value string
	add   []string // key, value pairs appended
}

func (e spliceEdit) apply(t testing.TB, root *yaml.Node, c *krm.Change) {
	n := root
	for _, k := range e.path {
		if n.Kind == yaml.SequenceNode {
			i, _ := strconv.Atoi(k)
			n = n.Content[i]
			continue
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == k {
				next = n.Content[j+1]
			}
		}
		if next == nil {
			t.Fatalf("no %v", e.path)
		}
		n = next
	}
	c.Changed = true
	if e.add != nil {
		c.Appended = append(c.Appended, krm.AppendChange{Map: n, From: len(n.Content)})
		for j := 0; j+1 < len(e.add); j += 2 {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: e.add[j]},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: e.add[j+1]})
		}
		return
	}
	c.Scalars = append(c.Scalars, krm.ScalarChange{Node: n, Was: *n})
	n.Value = e.value
}

// TestSplice: what Splice writes for changes in each context, checked
// against what it must read back as and, for input in kyaml's style,
// against EncodeItem.
func TestSplice(t *testing.T) {
	for _, c := range []struct {
		name, item string
		edits      []spliceEdit
		want       string // "" = Splice refuses
	}{
		{"plain", "- a: x # keep\n  b: [y, z]\n", []spliceEdit{{path: []string{"a"}, value: "new/x:1"}},
			"- a: new/x:1 # keep\n  b: [y, z]\n"},
		{"flow value with a colon is quoted", "- a: {image: x}\n", []spliceEdit{{path: []string{"a", "image"}, value: "h/x:1"}},
			"- a: {image: 'h/x:1'}\n"},
		{"flow sequence", "- a: [x, y]\n", []spliceEdit{{path: []string{"a", "1"}, value: "q, r"}},
			"- a: [x, 'q, r']\n"},
		{"quoted styles kept", "- a: \"x\"\n  b: 'y'\n", []spliceEdit{{path: []string{"a"}, value: "n\"1"}, {path: []string{"b"}, value: "it's"}},
			"- a: \"n\\\"1\"\n  b: 'it''s'\n"},
		{"a value that reads as a number", "- a: x\n", []spliceEdit{{path: []string{"a"}, value: "1.25"}},
			"- a: \"1.25\"\n"},
		{"non-ASCII before the value", "- é: x\n  b: y\n", []spliceEdit{{path: []string{"é"}, value: "z"}},
			"- é: z\n  b: y\n"},
		{"append after a nested block", "- spec:\n    containers:\n    - name: a\n      image: x\n  other: 1\n",
			[]spliceEdit{{path: []string{"spec"}, add: []string{"imagePullSecrets", "s"}}, {path: []string{"spec", "containers", "0", "image"}, value: "h/x"}},
			"- spec:\n    containers:\n    - name: a\n      image: h/x\n    imagePullSecrets: s\n  other: 1\n"},
		{"append to nested and parent at one place", "- a:\n    b:\n      c: 1\n",
			[]spliceEdit{{path: []string{"a"}, add: []string{"x", "1"}}, {path: []string{"a", "b"}, add: []string{"y", "2"}}},
			"- a:\n    b:\n      c: 1\n      y: \"2\"\n    x: \"1\"\n"},
		{"append before blank lines and a block scalar", "- a:\n    s: |\n      text\n\n  b: 1\n", []spliceEdit{{path: []string{"a"}, add: []string{"k", "v"}}},
			"- a:\n    s: |\n      text\n    k: v\n\n  b: 1\n"},
		{"refused: comment before the next key", "- a:\n    s: x\n    # foot\n  b: 1\n", []spliceEdit{{path: []string{"a"}, add: []string{"k", "v"}}}, ""},
		{"refused: multi-line plain", "- a: x\n    y\n", []spliceEdit{{path: []string{"a"}, value: "z"}}, ""},
		{"refused: block scalar", "- a: |\n    x\n", []spliceEdit{{path: []string{"a"}, value: "z"}}, ""},
		{"refused: tagged", "- a: !!str x\n", []spliceEdit{{path: []string{"a"}, value: "z"}}, ""},
		{"refused: new value on several lines", "- a: x\n", []spliceEdit{{path: []string{"a"}, value: "y\nz"}}, ""},
		{"append to a flow mapping", "- a: {b: 1, c: \"}\"} # c\n", []spliceEdit{{path: []string{"a"}, add: []string{"k", "v:1"}}},
			"- a: {b: 1, c: \"}\", k: 'v:1'} # c\n"},
		{"append to an empty flow mapping in a flow sequence", "- a: [{}, {x: 'it''s'}]\n",
			[]spliceEdit{{path: []string{"a", "0"}, add: []string{"k", "v"}}, {path: []string{"a", "1"}, add: []string{"n", "1"}}},
			"- a: [{k: v}, {x: 'it''s', n: \"1\"}]\n"},
		{"refused: flow mapping on several lines", "- a: {b: 1,\n    c: 2}\n", []spliceEdit{{path: []string{"a"}, add: []string{"k", "v"}}}, ""},
		{"refused: empty annotations", "- metadata:\n    annotations: {}\n  a: x\n", []spliceEdit{{path: []string{"a"}, value: "z"}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, ok := krm.SplitResourceList(listOf(c.item), nil)
			if !ok {
				t.Fatal("does not split")
			}
			n, ok := s.Item(0)
			if !ok {
				t.Fatal("does not parse")
			}
			var ch krm.Change
			for _, e := range c.edits {
				e.apply(t, n.YNode(), &ch)
			}
			got, ok := s.Splice(0, n, &ch)
			if c.want == "" {
				if ok {
					t.Fatalf("spliced, want refused:\n%s", got)
				}
				return
			}
			if !ok || string(got) != c.want {
				t.Fatalf("got (ok=%v):\n%s\nwant:\n%s", ok, got, c.want)
			}
			if msg := checkSpliced(s, 0, n, got); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

// checkSpliced is Splice's contract (krmtest.SpliceProblem).
func checkSpliced(s *krm.Split, i int, changed *yaml.RNode, spliced []byte) string {
	msg, _ := krmtest.SpliceProblem(s, i, changed, spliced)
	return msg
}

// FuzzSplice replaces scalar values of the items (every pick-th value
// scalar, by the new value) and appends a pair to a mapping, then
// checks what Splice writes (when it does not refuse) as checkSpliced
// does.
func FuzzSplice(f *testing.F) {
	var lists [][]byte
	for _, s := range streamSeeds {
		lists = append(lists, []byte(s))
	}
	lists = append(lists, benchdata.ResourceList(12))
	files, _ := filepath.Glob("../fn/testdata/stream/*.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			lists = append(lists, b)
		}
	}
	values := []string{"harbor.corp.local/x:1.25", "a, b", "x: y", "- z", "#c", "1.5", "", "it's", "\"q\"", "y\nz", "true", "é", "{a}", "~"}
	for i, l := range lists {
		f.Add(l, values[i%len(values)], uint8(i%5+1), i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, in []byte, value string, pick uint8, add bool) {
		if len(in) > 64<<10 {
			return
		}
		s, ok := krm.SplitResourceList(in, nil)
		if !ok {
			return
		}
		for i := 0; i < s.Len(); i++ {
			n, ok := s.Item(i)
			if !ok {
				continue
			}
			before := krm.CopyTree(n.YNode())
			var ch krm.Change
			k := 0
			var maps []*yaml.Node
			var visit func(x *yaml.Node, key bool)
			visit = func(x *yaml.Node, key bool) {
				switch x.Kind {
				case yaml.ScalarNode:
					if !key && pick > 0 && k%int(pick) == 0 {
						ch.Scalars = append(ch.Scalars, krm.ScalarChange{Node: x, Was: *x})
						ch.Changed = true
					}
					k++
				case yaml.MappingNode:
					maps = append(maps, x)
					for j, c := range x.Content {
						visit(c, j%2 == 0)
					}
				default:
					for _, c := range x.Content {
						visit(c, false)
					}
				}
			}
			visit(n.YNode(), false)
			for _, sc := range ch.Scalars {
				sc.Node.Value, sc.Node.Tag, sc.Node.Style = value, yaml.NodeTagString, sc.Node.Style&^yaml.TaggedStyle
			}
			if add && len(maps) > 0 {
				m := maps[int(pick)%len(maps)]
				ch.Changed = true
				ch.Appended = append(ch.Appended, krm.AppendChange{Map: m, From: len(m.Content)})
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: "added-key"},
					&yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: []*yaml.Node{
						{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: "v"}, {Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: value}}})
			}
			if !ch.Changed {
				continue
			}
			got, ok := s.Splice(i, n, &ch)
			if ok {
				if msg := checkSpliced(s, i, n, got); msg != "" {
					t.Fatalf("item %d: %s", i, msg)
				}
			}
			// the same changes found by comparing the trees
			d := krm.Diff(before, n.YNode())
			got2, ok2 := s.Splice(i, n, &d)
			if ok2 {
				if msg := checkSpliced(s, i, n, got2); msg != "" {
					t.Fatalf("item %d, changes from Diff: %s", i, msg)
				}
			}
			if ok && ok2 && !bytes.Equal(got, got2) {
				t.Fatalf("item %d: Splice differs with the changes from Diff:\n%s\n%s", i, got, got2)
			}
		}
	})
}
