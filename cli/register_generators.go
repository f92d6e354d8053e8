package cli

import (
	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
)

func init() { fn.Register(generators.Kind, generators.Generator{}) }
