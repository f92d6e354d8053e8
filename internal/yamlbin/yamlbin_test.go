package yamlbin

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// repoYAML parses every YAML file of the repository that yaml.v3 reads
// without aliases, as sections named by path.
func repoYAML(t testing.TB) []Section {
	var out []Section
	root := filepath.Join("..", "..")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == ".git" || d.Name() == "bin" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) > 1<<20 {
			return nil
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		var docs []*yaml.Node
		for {
			var n yaml.Node
			if dec.Decode(&n) != nil {
				break
			}
			if _, err := count(&n); err != nil {
				return nil // aliases: not encodable
			}
			docs = append(docs, &n)
		}
		if len(docs) > 0 {
			out = append(out, Section{Name: p, Docs: docs})
		}
		return nil
	})
	return out
}

func TestRoundTrip(t *testing.T) {
	sections := repoYAML(t)
	if len(sections) < 100 {
		t.Fatalf("only %d YAML files found", len(sections))
	}
	data, err := Encode(sections)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Names) != len(sections) {
		t.Fatalf("%d sections, want %d", len(f.Names), len(sections))
	}
	nodes := 0
	for _, s := range sections {
		got, ok, err := f.Section(s.Name)
		if err != nil || !ok {
			t.Fatalf("%s: ok %v, %v", s.Name, ok, err)
		}
		if !reflect.DeepEqual(got, s.Docs) {
			t.Fatalf("%s: decoded nodes differ from the parsed ones", s.Name)
		}
		for _, d := range s.Docs {
			c, _ := count(d)
			nodes += c
		}
	}
	t.Logf("%d files, %d nodes: %d bytes", len(sections), nodes, len(data))
	if _, ok, _ := f.Section("no such section"); ok {
		t.Error("an unknown section was found")
	}
}

func TestEncodeRefusesAliases(t *testing.T) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("a: &x 1\nb: *x\n"), &n); err != nil {
		t.Fatal(err)
	}
	if _, err := Encode([]Section{{Name: "a", Docs: []*yaml.Node{&n}}}); err == nil {
		t.Error("an alias was encoded")
	}
}

// FuzzOpen: a damaged file is an error, never a panic, hang or a huge
// allocation.
func FuzzOpen(f *testing.F) {
	var n yaml.Node
	_ = yaml.Unmarshal([]byte("apiVersion: v1\nkind: ConfigMap # c\ndata:\n  a: [1, 2]\n"), &n)
	good, _ := Encode([]Section{{Name: "s", Docs: []*yaml.Node{&n}}})
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		file, err := Open(data)
		if err != nil {
			return
		}
		for _, name := range file.Names {
			_, _, _ = file.Section(name)
		}
	})
}
