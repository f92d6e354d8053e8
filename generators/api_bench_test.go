package generators

import (
	"io/fs"
	"testing"

	"github.com/kurator-scenario/scenario-fn/internal/benchdata"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// BenchmarkParseTemplate parses (validates and decodes) one instance, and
// every built-in template: the decode that ParseTemplate adds to schema
// validation. The documents are parsed once, outside the loop.
func BenchmarkParseTemplate(b *testing.B) {
	inst := yaml.MustParse(benchdata.Instance(0, "canary-service"))
	b.Run("instance", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ps := ParseTemplate(inst, "", false); ps.HasErrors() {
				b.Fatal(ps)
			}
		}
	})
	files, err := fs.Glob(catalogFS, "catalog/*.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var docs []*yaml.RNode
	for _, f := range files {
		data, err := fs.ReadFile(catalogFS, f)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, yaml.MustParse(string(data)))
	}
	b.Run("catalog", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range docs {
				if _, ps := ParseTemplate(d, "catalog", true); ps.HasErrors() {
					b.Fatal(ps)
				}
			}
		}
	})
}
