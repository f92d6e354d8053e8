package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Lines must count from the top of the file in every document, so that
// messages and explain point at the right line of multi-document files.
func TestParseDocumentsAbsoluteLines(t *testing.T) {
	src := "# header\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# second\n\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  k: v\n--- # third\n---\nkind: X\n"
	docs, problems := parseDocuments([]byte(src), "f.yaml")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if len(docs) != 3 {
		t.Fatalf("want 3 documents (empty ones dropped), got %d", len(docs))
	}
	if got := lineOf(docs[0].Node, "metadata.name"); got != 5 {
		t.Errorf("doc 1 metadata.name: line %d, want 5", got)
	}
	if got := lineOf(docs[1].Node, "data.k"); got != 14 {
		t.Errorf("doc 2 data.k: line %d, want 14", got)
	}
	if got := lineOf(docs[2].Node, "kind"); got != 17 {
		t.Errorf("doc 3 kind: line %d, want 17", got)
	}
}

func TestParseDocumentsErrors(t *testing.T) {
	for name, c := range map[string]struct {
		src  string
		line int
		msg  string
	}{
		"bad indentation in the second document": {"a: 1\n---\nb:\n  c: 1\n   d: 2\n", 5, "invalid YAML"},
		"content after a separator":              {"a: 1\n--- b: 2\n", 2, "invalid document separator"},
		"unclosed flow":                          {"a: 1\n---\nx: [1, 2\n", 3, "invalid YAML"},
	} {
		t.Run(name, func(t *testing.T) {
			_, problems := parseDocuments([]byte(c.src), "f.yaml")
			if len(problems) != 1 {
				t.Fatalf("want one problem, got %v", problems)
			}
			p := problems[0]
			if p.Source.File != "f.yaml" || p.Source.Line != c.line || !strings.Contains(p.Message, c.msg) {
				t.Errorf("got %s, want f.yaml:%d: %s", p.String(), c.line, c.msg)
			}
		})
	}
}

func TestLineOf(t *testing.T) {
	n, err := yaml.Parse(`spec:
  syncPolicies:
  - name: a
    kustomization:
      interval: 5m
  - name: b.c
    helm: {}
stringData:
  objstore.yml: x
`)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{
		"":     1,
		"spec": 1,
		"spec.syncPolicies.[name=a].kustomization.interval": 5,
		"spec.syncPolicies.1.helm":                          7,
		"spec.syncPolicies.[name=b.c].helm":                 7,
		"spec.syncPolicies.[name=a].kustomization.unknown":  4, // nearest ancestor
		"spec.syncPolicies.[name=zz].x":                     2,
		"stringData.[objstore.yml]":                         9,
	} {
		if got := lineOf(n, path); got != want {
			t.Errorf("lineOf(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestListFilesSkipsHiddenAndOut(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.yaml", "a/c.yml", ".hidden.yaml", ".git/x.yaml", "out/d.yaml", "notes.txt", "a/.cache/e.yaml"} {
		writeFile(t, filepath.Join(dir, f), "kind: X\n")
	}
	abs, _ := filepath.Abs(filepath.Join(dir, "out"))
	root, files, err := listFiles(dir, abs)
	if err != nil {
		t.Fatal(err)
	}
	if root != dir || !reflect.DeepEqual(files, []string{"a/c.yml", "b.yaml"}) {
		t.Errorf("got %s %v", root, files)
	}
	root, files, err = listFiles(filepath.Join(dir, "b.yaml"))
	if err != nil || root != dir || !reflect.DeepEqual(files, []string{"b.yaml"}) {
		t.Errorf("file: got %s %v %v", root, files, err)
	}
	if _, _, err := listFiles(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing path: %v", err)
	}
}

func TestStripRunnerAnnotations(t *testing.T) {
	n := yaml.MustParse(`metadata:
  annotations:
    internal.config.kubernetes.io/path: a.yaml
    config.kubernetes.io/index: "0"
    config.kubernetes.io/path: a.yaml
`)
	stripRunnerAnnotations(n)
	if s := n.MustString(); s != "metadata: {}\n" {
		t.Errorf("got %q", s)
	}
	n = yaml.MustParse("metadata:\n  annotations:\n    keep: me\n    internal.config.kubernetes.io/path: a\n")
	stripRunnerAnnotations(n)
	if got := n.GetAnnotations(); !reflect.DeepEqual(got, map[string]string{"keep": "me"}) {
		t.Errorf("got %v", got)
	}
}

func TestPaletteOnlyOnTerminals(t *testing.T) {
	if paletteFor(&strings.Builder{}).on {
		t.Error("colour on a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if paletteFor(f).on {
		t.Error("colour on a regular file")
	}
	if got := (palette{on: true}).red("x"); got != "\x1b[31mx\x1b[0m" {
		t.Errorf("red: %q", got)
	}
	if got := (palette{}).red("x"); got != "x" {
		t.Errorf("no colour: %q", got)
	}
}
