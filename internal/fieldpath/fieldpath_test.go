package fieldpath

import (
	"math/rand"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestSpelling(t *testing.T) {
	cases := []struct {
		p    Path
		want string
	}{
		{nil, ""},
		{Keys("spec", "replicas"), "spec.replicas"},
		{Build(Key("spec"), Key("syncPolicies"), Select("name", "prod"), Key("kustomization"), Key("path")),
			"spec.syncPolicies.[name=prod].kustomization.path"},
		{Keys("metadata", "annotations", "config.kubernetes.io/local-config"),
			"metadata.annotations.[config.kubernetes.io/local-config]"},
		{Keys("metadata", "labels", "example/team"), "metadata.labels.example/team"},
		{Build(Key("spec"), Key("rules"), Index(0), Key("from")), "spec.rules.0.from"},
		{Keys("data", "0"), "data.[0]"},
		{Keys("data", "00"), "data.00"},
		{Keys("data", ""), "data.[]"},
		{Keys("[x]"), `[[x\]]`},
		{Keys("a.b=c"), `[a.b\=c]`},
		{Build(Select("name", "a.b=c]")), `[name=a.b=c\]]`},
		{Build(Select("name", `back\slash`)), `[name=back\\slash]`},
		{Keys("a=b"), "a=b"},
	}
	for _, c := range cases {
		if got := c.p.String(); got != c.want {
			t.Errorf("%#v: got %q, want %q", c.p, got, c.want)
		}
		back, err := Parse(c.want)
		if err != nil || !back.Equal(c.p) {
			t.Errorf("Parse(%q) = %#v, %v; want %#v", c.want, back, err, c.p)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{".spec", "spec.", "spec..x", "spec.[name=x", "spec.[name=x]y", "[a]b.c"} {
		if p, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) = %#v, want an error", s, p)
		}
	}
}

// Parse reads what users type, too: an unbracketed key after a selector,
// dots inside brackets.
func TestParseTyped(t *testing.T) {
	p := MustParse("spec.syncPolicies.[name=a.b].x")
	want := Build(Key("spec"), Key("syncPolicies"), Select("name", "a.b"), Key("x"))
	if !p.Equal(want) {
		t.Errorf("got %#v", p)
	}
	p = MustParse("a.[name=b.c].d.[x.y]")
	if want := Build(Key("a"), Select("name", "b.c"), Key("d"), Key("x.y")); !p.Equal(want) {
		t.Errorf("got %#v", p)
	}
}

// randomPath draws paths with the segments that need care: dots,
// brackets, backslashes, equals signs, digits, empty strings.
func randomPath(r *rand.Rand) Path {
	const alphabet = "ab.[]=\\0 9/-"
	str := func() string {
		var b strings.Builder
		for n := r.Intn(5); n > 0; n-- {
			b.WriteByte(alphabet[r.Intn(len(alphabet))])
		}
		return b.String()
	}
	var p Path
	for n := r.Intn(6); n > 0; n-- {
		switch r.Intn(3) {
		case 0:
			p = append(p, Key(str()))
		case 1:
			p = append(p, Index(r.Intn(100)))
		default:
			p = append(p, Select(str(), str()))
		}
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		p := randomPath(r)
		s := p.String()
		back, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) of %#v: %v", s, p, err)
		}
		if !back.Equal(p) {
			t.Fatalf("Parse(%q) = %#v, want %#v", s, back, p)
		}
		for _, seg := range p {
			if got := seg.len(); got != len(seg.String()) {
				t.Fatalf("%#v: len %d, spelled %q", seg, got, seg.String())
			}
		}
		// Join spells what Append spells.
		if len(p) > 0 {
			if got := Join(p.Parent().String(), p[len(p)-1]); got != s {
				t.Fatalf("Join gives %q, String %q", got, s)
			}
		}
	}
}

// FuzzParse: whatever Parse accepts, String spells so that Parse reads
// back the same path.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "spec.syncPolicies.[name=prod].kustomization.path", "metadata.annotations.[a.b/c]",
		"spec.rules.0.from", `[a\]b]`, `[a\=b=c]`, "data.[0]", "a..b", "[x", "[]", "a.[b]c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		out := p.String()
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) (String of Parse(%q)): %v", out, s, err)
		}
		if !back.Equal(p) {
			t.Fatalf("Parse(String(Parse(%q))) = %#v, want %#v", s, back, p)
		}
		if again := back.String(); again != out {
			t.Fatalf("String not stable: %q then %q", out, again)
		}
	})
}

const doc = `spec:
  syncPolicies:
  - name: prod
    kustomization:
      path: ./prod
  - kustomization:
      path: ./other
  annotations:
    example.com/team: web
data:
  "0": zero
`

func node(t *testing.T) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

func TestLookup(t *testing.T) {
	n := node(t)
	for path, want := range map[string]string{
		"spec.syncPolicies.[name=prod].kustomization.path": "./prod",
		"spec.syncPolicies.0.kustomization.path":           "./prod",
		"spec.syncPolicies.1.kustomization.path":           "./other",
		"spec.annotations.[example.com/team]":              "web",
		"data.[0]":                                         "zero",
		"data.0":                                           "zero",
	} {
		v, ok := MustParse(path).Lookup(n)
		if !ok || v.Value != want {
			t.Errorf("Lookup(%s) = %v, %v; want %q", path, v, ok, want)
		}
	}
	for _, path := range []string{"spec.syncPolicies.[name=dev]", "spec.syncPolicies.2", "spec.missing.x", "spec.annotations.[name=x]", "data.0.x"} {
		if v, ok := MustParse(path).Lookup(n); ok {
			t.Errorf("Lookup(%s) = %v, want none", path, v)
		}
	}
}

func TestReach(t *testing.T) {
	n := node(t)
	found, _, line := MustParse("spec.syncPolicies.[name=prod].kustomization.path").Reach(n)
	if found != 5 || line != 5 {
		t.Errorf("full path: found %d, line %d; want 5, 5", found, line)
	}
	found, _, line = MustParse("spec.syncPolicies.[name=prod].missing.deeper").Reach(n)
	if found != 3 || line != 3 {
		t.Errorf("missing field: found %d, line %d; want 3 (the element), 3", found, line)
	}
	if got := MustParse("spec.syncPolicies.[name=prod].missing.deeper").HighestMissing(n).String(); got != "spec.syncPolicies.[name=prod].missing" {
		t.Errorf("HighestMissing = %s", got)
	}
	if got := MustParse("spec.annotations").HighestMissing(n).String(); got != "spec.annotations" {
		t.Errorf("HighestMissing of an existing path = %s", got)
	}
}

func TestParentLast(t *testing.T) {
	p := MustParse("spec.tasks.[name=build]")
	if last, ok := p.Last(); !ok || last != Select("name", "build") {
		t.Errorf("Last = %v, %v", last, ok)
	}
	parent := p.Parent()
	if parent.String() != "spec.tasks" {
		t.Errorf("Parent = %s", parent)
	}
	// Appending to a parent never writes into the child's array.
	_ = parent.Append(Key("x"))
	if p.String() != "spec.tasks.[name=build]" {
		t.Errorf("Append changed the original: %s", p)
	}
	if _, ok := Path(nil).Last(); ok || len(Path(nil).Parent()) != 0 {
		t.Error("empty path has a last segment or a parent")
	}
	if !p.HasPrefix(parent) || parent.HasPrefix(p) {
		t.Error("HasPrefix")
	}
}

func TestElement(t *testing.T) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("[{name: a}, {name: ''}, {id: x}, plain, {name: {x: 1}}]"), &n); err != nil {
		t.Fatal(err)
	}
	list := n.Content[0]
	var got []string
	for i, el := range list.Content {
		got = append(got, Element(el, i).String())
	}
	if s := strings.Join(got, " "); s != "[name=a] 1 2 3 4" {
		t.Errorf("Element: %s", s)
	}
	if s := ElementBy(list.Content[2], 2, "id").String(); s != "[id=x]" {
		t.Errorf("ElementBy: %s", s)
	}
}
