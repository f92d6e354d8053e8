package transformers

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kurator-scenario/scenario-fn/internal/crdcompact"
)

// TestCompactCRD: the compact CRD the function compiles is current
// (go generate ./transformers writes it) and has the CRD's schema minus descriptions.
func TestCompactCRD(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("crd", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRD in crd/: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := "crd/compact/" + crdcompact.Name(filepath.Base(f))
		got, err := crdFS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := crdcompact.Verify(data, got, name); err != nil {
			t.Error(err)
		}
	}
}
