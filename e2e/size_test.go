package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cobra's help and version templates run through text/template, whose
// reflection (Value.MethodByName) makes the linker keep every exported
// method of every type: +5 MB on this binary. The CLI uses cobra's
// template-free defaults and writes its HTML without html/template; this
// keeps it that way.
func TestNoTemplateEngineLinked(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "scenario-fn")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Dir = repo
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	syms := string(out)
	if !strings.Contains(syms, " T github.com/spf13/cobra.(*Command).Execute") {
		t.Fatal("cobra.(*Command).Execute is not in the symbol table: the table was not read")
	}
	for _, sym := range []string{"text/template.(*state).evalField", "text/template.(*state).evalCall", "html/template.(*Template).Execute"} {
		if strings.Contains(syms, " T "+sym+"\n") {
			t.Errorf("the binary links %s: a template is executed somewhere (SetUsageTemplate, SetVersionTemplate, html/template?)", sym)
		}
	}
}
