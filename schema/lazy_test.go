package schema_test

import (
	"io/fs"
	"os"
	"sync"
	"testing"

	"github.com/kurator-scenario/scenario-fn/schema"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// countingFS counts the opens of each file.
type countingFS struct {
	fs.FS
	mu    sync.Mutex
	opens map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.mu.Lock()
	c.opens[name]++
	c.mu.Unlock()
	return c.FS.Open(name)
}

// TestAddLazy: a lazily registered CRD is read and compiled on the first
// Lookup of one of its kinds, once, also under concurrent lookups, and not
// before (a run that never meets the kind does not pay for it).
func TestAddLazy(t *testing.T) {
	fsys := &countingFS{FS: os.DirFS("../kurator/crds"), opens: map[string]int{}}
	set, err := schema.Load(fsys, "apps.kurator.dev_applications.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set.AddLazy(fsys, "backup.kurator.dev_backups.yaml", nil, schema.ParseGVK("backup.kurator.dev/v1alpha1", "Backup"))
	if n := fsys.opens["backup.kurator.dev_backups.yaml"]; n != 0 {
		t.Fatalf("lazy CRD read %d times before any lookup", n)
	}
	if set.Lookup("apps.kurator.dev/v1alpha1", "Application") == nil || fsys.opens["backup.kurator.dev_backups.yaml"] != 0 {
		t.Fatal("looking up an eager kind read the lazy CRD")
	}
	var wg sync.WaitGroup
	types := make([]*schema.Type, 8)
	for i := range types {
		wg.Add(1)
		go func() {
			defer wg.Done()
			types[i] = set.Lookup("backup.kurator.dev/v1alpha1", "Backup")
		}()
	}
	wg.Wait()
	for _, typ := range types {
		if typ == nil || typ != types[0] || typ.GVK.Kind != "Backup" {
			t.Fatalf("concurrent lookups returned %v", types)
		}
	}
	if n := fsys.opens["backup.kurator.dev_backups.yaml"]; n != 1 {
		t.Fatalf("lazy CRD read %d times, want once", n)
	}
	errs := types[0].Validate(yaml.MustParse("apiVersion: backup.kurator.dev/v1alpha1\nkind: Backup\nmetadata: {name: b}\nspec: {}\n"))
	if len(errs) != 1 || errs[0].Path != "spec.destination" || errs[0].Message != "required field is missing" {
		t.Fatalf("lazily compiled schema validates wrongly: %+v", errs)
	}
	if set.Lookup("backup.kurator.dev/v1alpha1", "Restore") != nil {
		t.Fatal("a kind that was not registered was found")
	}
}

// TestAPIServerSemantics: what the API server does before it validates,
// the schema does too: required fields with a default are not required,
// non-nullable nulls are absent, elements of lists that preserve unknown
// fields keep them.
func TestAPIServerSemantics(t *testing.T) {
	set, err := schema.Load(os.DirFS("../kurator/crds"), "*.kurator.dev_*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, doc, want string }{
		{"defaulted required key", "apiVersion: cluster.kurator.dev/v1alpha1\nkind: AttachedCluster\nspec: {kubeconfig: {name: m}}\n", ""},
		{"required name still required", "apiVersion: cluster.kurator.dev/v1alpha1\nkind: AttachedCluster\nspec: {kubeconfig: {key: k}}\n", "spec.kubeconfig.name: required field is missing"},
		{"null optional field", "apiVersion: pipeline.kurator.dev/v1alpha1\nkind: Pipeline\nspec: {description: , tasks: [{name: a}]}\n", ""},
		{"null required field", "apiVersion: pipeline.kurator.dev/v1alpha1\nkind: Pipeline\nspec: {tasks: }\n", "spec.tasks: required field is missing"},
		{"unknown field in an element of a preserving list", "apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nspec: {plugin: {distributedStorage: {storage: {storage: {devices: [{name: sdb, extra: 1}]}}}}}\n", ""},
		{"unknown field beside it is still unknown", "apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nspec: {plugin: {distributedStorage: {storage: {storage: {extra: 1}}}}}\n", "spec.plugin.distributedStorage.storage.storage.extra: unknown field (not in the CRD schema)"},
		{"root path", "apiVersion: pipeline.kurator.dev/v1alpha1\nkind: Pipeline\n", "spec: required field is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := yaml.MustParse(c.doc)
			var got string
			for _, e := range set.Lookup(n.GetApiVersion(), n.GetKind()).Validate(n) {
				got += e.Path + ": " + e.Message
			}
			if got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}
