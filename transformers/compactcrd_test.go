package transformers

import (
	"testing"

	"github.com/kurator-scenario/scenario-fn/internal/crdcompact"
)

// TestCompactCRD: the compact CRD the function compiles is current
// (go generate ./transformers writes it) and has the CRD's schema minus descriptions.
func TestCompactCRD(t *testing.T) {
	if err := crdcompact.VerifyEmbedded("crd", "*.yaml", crdFS, "crd/compact"); err != nil {
		t.Error(err)
	}
}
