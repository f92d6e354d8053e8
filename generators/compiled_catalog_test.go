package generators

import (
	"bytes"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"testing"
)

// TestCompiledCatalog: the compiled catalog the function decodes is
// current (go generate ./generators writes it) and decodes, for every
// catalog file, to exactly the nodes its YAML parses to.
func TestCompiledCatalog(t *testing.T) {
	want, err := CompileCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(catalogBin, want) {
		t.Fatal("catalog.yamlbin is not the compiled form of catalog/*.yaml: run go generate ./generators")
	}
	files, _ := fs.Glob(catalogFS, "catalog/*.yaml")
	if len(compiledCatalog().Names) != len(files) {
		t.Fatalf("%d compiled templates for %d files", len(compiledCatalog().Names), len(files))
	}
	for _, f := range files {
		data, _ := fs.ReadFile(catalogFS, f)
		nodes, err := readTemplateNodes(data)
		if err != nil {
			t.Fatal(err)
		}
		docs, ok, err := compiledCatalog().Section(strings.TrimSuffix(path.Base(f), ".yaml"))
		if !ok || err != nil || len(docs) != len(nodes) {
			t.Fatalf("%s: compiled: ok %v, %d documents, %v; parsed %d", f, ok, len(docs), err, len(nodes))
		}
		for i := range nodes {
			if !reflect.DeepEqual(docs[i], nodes[i].YNode()) {
				t.Errorf("%s: document %d decodes to other nodes than the YAML parses to", f, i)
			}
		}
	}
}
