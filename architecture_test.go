package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestArchitectureDoc keeps docs/architecture.md true: every directory and
// file it names in backquotes exists, and every Go package of the
// repository (both modules' package directories) is named in it.
func TestArchitectureDoc(t *testing.T) {
	data, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`([^`\\s]+)`").FindAllStringSubmatch(doc, -1) {
		p := m[1]
		if (!strings.Contains(p, "/") && !strings.HasSuffix(p, ".go")) || strings.Contains(p, "://") || strings.HasPrefix(p, "github.com/") {
			continue // an identifier, a command, or a module path
		}
		p = strings.TrimSuffix(p, "/")
		if strings.ContainsAny(p, "*<") {
			// a glob or a pattern: its directory must exist
			p = filepath.Dir(p[:strings.IndexAny(p, "*<")])
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("docs/architecture.md names %s, which does not exist", m[1])
		}
		named[p] = true
	}
	var missing []string
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", ".git", "bin", "dist", "node_modules", "examples", "hack", "docs", "build", "scripts":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		if dir == "." {
			return nil // main.go is named as a file
		}
		if !named[dir] && !contains(missing, dir) {
			missing = append(missing, dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(missing)
	for _, dir := range missing {
		t.Errorf("package directory %s/ is not named in docs/architecture.md (say what it owns)", dir)
	}
	if !named["main.go"] {
		t.Error("docs/architecture.md does not name main.go")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
