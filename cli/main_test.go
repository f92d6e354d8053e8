package cli

import (
	"os"
	"testing"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/transformers"
)

// TestMain registers the function's kinds as main does.
func TestMain(m *testing.M) {
	fn.Register(generators.Kind, generators.Generator{})
	fn.Register(transformers.Kind, transformers.ImageRegistry{})
	os.Exit(m.Run())
}
