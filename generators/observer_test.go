package generators

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestObserverChangesNothing renders the instance of every golden case
// whose input is ScenarioTemplates only, without and with the provenance
// observer, twice each on one Resolver (the chain memo and the value plan
// in use the second time): resources and problems, their sources and
// messages included, must be the same. Problems that name the layer which
// set a field are located by the observer; unobserved, Render locates them
// from a second, observed render (see Render).
func TestObserverChangesNothing(t *testing.T) {
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	compared, located := 0, 0
	for _, d := range dirs {
		dir := filepath.Join("testdata", d.Name())
		inst, pkg := observerCase(t, dir)
		if inst == nil {
			continue
		}
		compared++
		rv := &Resolver{Package: pkg}
		if r := rv.render(inst, nil, nil); len(r.pending) > 0 {
			located++
		}
		want := renderedText(t, rv, inst, false)
		for _, trace := range []bool{true, false, true} {
			if got := renderedText(t, rv, inst, trace); got != want {
				t.Errorf("%s: the render with trace %v differs:\n%s", d.Name(), trace, cmp.Diff(want, got))
			}
		}
	}
	if compared < 20 || located == 0 {
		t.Fatalf("compared %d cases, %d with problems located by provenance: the test compares too little", compared, located)
	}
	t.Logf("compared %d cases, %d with problems located by provenance", compared, located)
}

// A warning that names no field's origin costs one render: nothing is
// left to locate.
func TestUnlocatedWarningRendersOnce(t *testing.T) {
	inst, pkg := observerCase(t, filepath.Join("testdata", "warn-child-sets-parameterised-field"))
	if inst == nil {
		t.Fatal("case not readable")
	}
	r := (&Resolver{Package: pkg}).render(inst, nil, nil)
	if len(r.problems) == 0 || r.problems.HasErrors() {
		t.Fatalf("want warnings only, got %v", r.problems)
	}
	if len(r.pending) != 0 {
		t.Fatalf("%d problems wait for provenance; the shadowed-field warning names its layer itself", len(r.pending))
	}
}

// observerCase reads a golden case as templates and an instance, or nil
// when its input holds other items or files.
func observerCase(t *testing.T, dir string) (*Template, map[string]*Template) {
	cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil {
		return nil, nil
	}
	in, _ := os.ReadFile(filepath.Join(dir, "input.yaml"))
	docs, err := (&kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, nil
	}
	pkg := map[string]*Template{}
	for _, n := range docs {
		if n.GetKind() != Kind {
			return nil, nil
		}
		tpl, ps := ParseTemplate(n, "input.yaml", true)
		if tpl == nil || ps.HasErrors() {
			return nil, nil
		}
		pkg[tpl.Name] = tpl
	}
	node, err := yaml.Parse(string(cfg))
	if err != nil || node.GetKind() != Kind {
		return nil, nil
	}
	inst, ps := ParseTemplate(node, "config.yaml", true)
	if inst == nil || ps.HasErrors() {
		return nil, nil
	}
	return inst, pkg
}

func renderedText(t *testing.T, rv *Resolver, inst *Template, trace bool) string {
	res, problems := rv.RenderInstance(inst, nil, trace)
	var b bytes.Buffer
	for _, p := range problems {
		fmt.Fprintf(&b, "%s %s %s %q %s | %s\n", p.Severity, krm.ResourceString(p.Resource), p.Field, p.Source.String(), p.Message, p.Hint)
	}
	if res != nil {
		if trace != (res.Trace != nil) {
			t.Fatalf("trace %v, Result.Trace %v", trace, res.Trace != nil)
		}
		if err := (kio.ByteWriter{Writer: &b}).Write(res.Resources); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// Renders of one chain share its memo, its origins and its value plan,
// concurrently too (`render DIR`): observed and unobserved renders in
// parallel give what one render alone gives (go test -race checks the
// sharing).
func TestObservedRendersShareTheMemoConcurrently(t *testing.T) {
	inst, pkg := observerCase(t, filepath.Join("testdata", "flux-warns-invalid-variable"))
	if inst == nil {
		t.Fatal("case not readable")
	}
	// Unobserved: the memo's origins are recorded by the concurrent
	// observed renders below.
	want := renderedText(t, &Resolver{Package: pkg}, inst, false)
	errs := make(chan string, 16)
	for i := 0; i < cap(errs); i++ {
		go func(trace bool) {
			errs <- renderedText(t, &Resolver{Package: pkg}, inst, trace)
		}(i%2 == 0)
	}
	for i := 0; i < cap(errs); i++ {
		if got := <-errs; got != want {
			t.Errorf("a concurrent render differs:\n%s", cmp.Diff(want, got))
		}
	}
}
