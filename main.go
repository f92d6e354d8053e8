package main

import (
	"os"

	"github.com/kurator-scenario/scenario-fn/cli"
	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/transformers"
)

// register makes the function's config kinds known; the KRM function and
// the CLI's render and explain dispatch on them.
func register() {
	fn.Register(generators.Kind, generators.Generator{})
	fn.Register(transformers.Kind, transformers.ImageRegistry{})
}

func main() {
	krm.LimitMemory(os.Stderr)
	register()
	os.Exit(cli.Main(os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
