package fn_test

import (
	"os"
	"testing"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/transformers"
)

// TestMain registers both processors, as main does, so these tests run
// the function the way the binary runs it.
func TestMain(m *testing.M) {
	fn.Register(generators.Kind, generators.Generator{})
	fn.Register(transformers.Kind, transformers.ImageRegistry{})
	os.Exit(m.Run())
}
