package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// cobra's help and version templates run through text/template, whose
// reflection (Value.MethodByName) makes the linker keep every exported
// method of every type: +5 MB on this binary. The CLI uses cobra's
// template-free defaults and writes its HTML without html/template; this
// keeps it that way.
func TestNoTemplateEngineLinked(t *testing.T) {
	out := symbolTable(t)
	syms := out
	if !strings.Contains(syms, " T github.com/spf13/cobra.(*Command).Execute") {
		t.Fatal("cobra.(*Command).Execute is not in the symbol table: the table was not read")
	}
	for _, sym := range []string{"text/template.(*state).evalField", "text/template.(*state).evalCall", "html/template.(*Template).Execute"} {
		if strings.Contains(syms, " T "+sym+"\n") {
			t.Errorf("the binary links %s: a template is executed somewhere (SetUsageTemplate, SetVersionTemplate, html/template?)", sym)
		}
	}
}

var symbols struct {
	once sync.Once
	nm   string
	err  error
}

// symbolTable returns `go tool nm` of the function built as `make build`
// builds it but not stripped (no -s -w), so that the symbol table is
// there to read. It is built once for every test that reads it.
func symbolTable(t *testing.T) string {
	t.Helper()
	symbols.once.Do(func() {
		dir, err := os.MkdirTemp("", "scenario-fn-nm-")
		if err != nil {
			symbols.err = err
			return
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "scenario-fn")
		build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
		build.Dir = repo
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			symbols.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		out, err := exec.Command("go", "tool", "nm", bin).Output()
		if err != nil {
			symbols.err = fmt.Errorf("go tool nm: %v", err)
			return
		}
		symbols.nm = string(out)
	})
	if symbols.err != nil {
		t.Fatal(symbols.err)
	}
	return symbols.nm
}
