package kurator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// FuzzValidate: whatever a document holds, Validate and ValidatePartial
// return findings (never panic), every finding has a message and a hint,
// and every rule it names is documented.
func FuzzValidate(f *testing.F) {
	files, _ := filepath.Glob("../e2e/testdata/crd-corpus/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, doc := range strings.Split(string(data), "\n---\n") {
			f.Add(doc)
		}
	}
	for _, doc := range validDocs {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		nodes, err := (&kio.ByteReader{Reader: strings.NewReader(doc), OmitReaderAnnotations: true}).Read()
		if err != nil || len(nodes) == 0 {
			return
		}
		for _, n := range nodes {
			for _, fs := range [][]Finding{Validate(n), ValidatePartial(n)} {
				for _, fd := range fs {
					if fd.Message == "" {
						t.Fatalf("finding without a message: %+v", fd)
					}
					if fd.Rule != "" && Rules[fd.Rule] == "" {
						t.Fatalf("undocumented rule %q", fd.Rule)
					}
				}
			}
		}
	})
}
