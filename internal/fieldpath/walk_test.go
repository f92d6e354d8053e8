package fieldpath

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func leavesOf(t *testing.T, w Walk, doc string) string {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	var out []string
	w.Leaves(&n, "", func(n *yaml.Node, path string) {
		v := n.Value
		switch n.Kind {
		case yaml.MappingNode:
			v = "{}"
		case yaml.SequenceNode:
			v = "[]"
		}
		out = append(out, path+"="+v)
	})
	return strings.Join(out, " ")
}

func TestLeaves(t *testing.T) {
	const doc = `
spec:
  empty: {}
  none: []
  list: [{name: prod, path: ./p}, {path: ./x}, plain]
  annotations: {example.com/team: web}
  base: &b {a: 1}
  copy: *b
  nil: null
`
	cases := []struct {
		name string
		w    Walk
		want string
	}{
		{"scalars only", Walk{},
			"spec.list.[name=prod].name=prod spec.list.[name=prod].path=./p spec.list.1.path=./x spec.list.2=plain spec.annotations.[example.com/team]=web spec.base.a=1 spec.nil=null"},
		{"empty maps and lists", Walk{Empty: true},
			"spec.empty={} spec.none=[] spec.list.[name=prod].name=prod spec.list.[name=prod].path=./p spec.list.1.path=./x spec.list.2=plain spec.annotations.[example.com/team]=web spec.base.a=1 spec.nil=null"},
		{"aliases followed", Walk{Aliases: true},
			"spec.list.[name=prod].name=prod spec.list.[name=prod].path=./p spec.list.1.path=./x spec.list.2=plain spec.annotations.[example.com/team]=web spec.base.a=1 spec.copy.a=1 spec.nil=null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := leavesOf(t, c.w, doc); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// An alias back into its own anchor ends the walk there instead of
// looping.
func TestLeavesAliasCycle(t *testing.T) {
	got := leavesOf(t, Walk{Aliases: true, Empty: true}, "a: &a {b: 1, c: [*a]}\n")
	if want := "a.b=1 a.c.0.b=1"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestLeavesEmptyDocument(t *testing.T) {
	if got := leavesOf(t, Walk{Empty: true}, "{}\n"); got != "={}" {
		t.Errorf("got %q", got)
	}
	if got := leavesOf(t, Walk{}, "[]\n"); got != "" {
		t.Errorf("got %q", got)
	}
}
