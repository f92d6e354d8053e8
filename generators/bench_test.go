package generators

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/internal/benchdata"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// benchInstances returns n instances of canary-service (chain:
// web-service -> progressive-delivery -> canary-service -> instance), each
// with its own values and an overlay, as one multi-document stream: the
// instances of benchdata.Scenario.
func benchInstances(n int) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("---\n" + benchdata.Instance(i, "canary-service"))
	}
	return []byte(b.String())
}

// renderAll parses the instances, renders each and serialises all output:
// what `scenario-fn render` does for a directory of instances.
func renderAll(b *testing.B, in []byte) []byte {
	docs, err := (&kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true}).Read()
	if err != nil {
		b.Fatal(err)
	}
	var out []*yaml.RNode
	rv := &Resolver{}
	for _, d := range docs {
		inst, problems := ParseTemplate(d, "", false)
		if problems.HasErrors() {
			b.Fatal(problems)
		}
		res, problems := rv.Render(inst, nil, false)
		if problems.HasErrors() {
			b.Fatal(problems)
		}
		out = append(out, res.Resources...)
	}
	var buf bytes.Buffer
	if err := (kio.ByteWriter{Writer: &buf}).Write(out); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkRender renders 1,000 instances of a 3-level chain.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{1000} {
		in := benchInstances(n)
		Catalog()
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				renderAll(b, in)
			}
		})
	}
}

// BenchmarkRenderFloor parses and serialises the same output with kyaml:
// the least any tool that reads and writes these resources must spend.
func BenchmarkRenderFloor(b *testing.B) {
	for _, n := range []int{1000} {
		out := renderAll(&testing.B{}, benchInstances(n))
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(out), OmitReaderAnnotations: true}).Read()
				if err != nil {
					b.Fatal(err)
				}
				var buf bytes.Buffer
				if err := (kio.ByteWriter{Writer: &buf}).Write(nodes); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderOneWarning renders one instance whose render reports one
// warning: a shadowed field (names its layer itself) and a Flux expression
// (located by provenance), as kustomize or kpt render a package.
func BenchmarkRenderOneWarning(b *testing.B) {
	for _, c := range []string{"warn-child-sets-parameterised-field", "flux-warns-invalid-variable"} {
		b.Run(c, func(b *testing.B) {
			dir := filepath.Join("testdata", c)
			in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
			if err != nil {
				b.Fatal(err)
			}
			cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				docs, err := (&kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true}).Read()
				if err != nil {
					b.Fatal(err)
				}
				rv := &Resolver{Package: map[string]*Template{}}
				for _, d := range docs {
					t, _ := ParseTemplate(d, "input.yaml", true)
					rv.Package[t.Name] = t
				}
				inst, _ := ParseTemplate(yaml.MustParse(string(cfg)), "config.yaml", true)
				if _, problems := rv.Render(inst, nil, false); len(problems) != 1 || problems.HasErrors() {
					b.Fatalf("want one warning, got %v", problems)
				}
			}
		})
	}
}

// BenchmarkRenderCold renders one canary-service instance with the
// process-wide chain memo emptied first: the render work of a one-instance
// KRM run (cold start), without the built-in parsing and schema decoding
// that a process pays once (warm here).
func BenchmarkRenderCold(b *testing.B) {
	docs, err := (&kio.ByteReader{Reader: bytes.NewReader(benchInstances(1)), OmitReaderAnnotations: true}).Read()
	if err != nil {
		b.Fatal(err)
	}
	Catalog()
	b.ReportAllocs()
	for b.Loop() {
		bases.mu.Lock()
		bases.m = map[string]*chainBase{}
		bases.mu.Unlock()
		inst, problems := ParseTemplate(docs[0].Copy(), "", false)
		if problems.HasErrors() {
			b.Fatal(problems)
		}
		res, problems := (&Resolver{}).Render(inst, nil, false)
		if problems.HasErrors() || len(res.Resources) == 0 {
			b.Fatal(problems)
		}
	}
}
