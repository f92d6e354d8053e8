// Command compactcrd writes the compact form of the embedded Kurator CRDs
// that the function compiles: for each crds/*.kurator.dev_*.yaml, the
// group, kind and versions' OpenAPI schemas as JSON, without the schema
// descriptions (documentation no validation reads). Decoding JSON is
// several times cheaper than YAML, and a render pays it on every process
// start for each kind it emits (one instance under kustomize or kpt is one
// process). `go generate ./kurator` runs it; a test checks the files are
// current.
//
// Usage: compactcrd CRD_DIR OUT_DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kurator-scenario/scenario-fn/kurator/internal/crdcompact"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: compactcrd CRD_DIR OUT_DIR")
		os.Exit(2)
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.kurator.dev_*.yaml"))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no CRD in %s", os.Args[1])
	}
	for _, f := range files {
		if err != nil {
			break
		}
		var data, out []byte
		if data, err = os.ReadFile(f); err != nil {
			break
		}
		if out, err = crdcompact.Compact(data); err != nil {
			err = fmt.Errorf("%s: %w", f, err)
			break
		}
		err = os.WriteFile(filepath.Join(os.Args[2], crdcompact.Name(filepath.Base(f))), out, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compactcrd:", err)
		os.Exit(1)
	}
}
