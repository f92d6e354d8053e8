// Command scenario-fn is a KRM function and CLI that renders Kurator
// resources from scenario templates and rewrites image registries.
package main

import (
	"os"

	"github.com/kurator-scenario/scenario-fn/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
