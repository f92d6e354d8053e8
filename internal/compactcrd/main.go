// Command compactcrd writes the compact form of the CRDs the function
// embeds and compiles: for each CRD file in CRD_DIR matching GLOB, the
// group, kind and versions' OpenAPI schemas as JSON, without the schema
// descriptions (documentation no validation reads). Decoding JSON is
// several times cheaper than YAML, and a run pays it on every process
// start for each kind it meets (one instance under kustomize or kpt is one
// process). `go generate ./kurator ./generators ./transformers` runs it;
// tests (crdcompact.Verify) check the files are current.
//
// Usage: compactcrd CRD_DIR OUT_DIR GLOB
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kurator-scenario/scenario-fn/internal/crdcompact"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: compactcrd CRD_DIR OUT_DIR GLOB")
		os.Exit(2)
	}
	if err := os.MkdirAll(os.Args[2], 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "compactcrd:", err)
		os.Exit(1)
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], os.Args[3]))
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
