// Command scenario-fn is a KRM function and CLI that renders Kurator
// resources from scenario templates and rewrites image registries.
package main

import (
	"os"

	"github.com/kurator-scenario/scenario-fn/cli"
	"github.com/kurator-scenario/scenario-fn/krm"
)

func main() {
	krm.LimitMemory(os.Stderr)
	os.Exit(cli.Main(os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
