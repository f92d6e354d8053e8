// Command compilecatalog writes the compiled form of the built-in catalog
// (generators.CompileCatalog: the parsed nodes of generators/catalog/*.yaml
// in internal/yamlbin's binary form) to the file it is given. `go generate
// ./generators` runs it; TestCompiledCatalog checks the file is current.
//
// Usage: compilecatalog OUT
package main

import (
	"fmt"
	"os"

	"github.com/kurator-scenario/scenario-fn/generators"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compilecatalog OUT")
		os.Exit(2)
	}
	data, err := generators.CompileCatalog()
	if err == nil {
		err = os.WriteFile(os.Args[1], data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compilecatalog:", err)
		os.Exit(1)
	}
}
