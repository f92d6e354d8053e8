package e2e

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the examples' expected output")

var (
	repo      string // repository root
	fnBinary  string // bin/scenario-fn, the binary the examples exec
	kustomize string
	kpt       string
)

func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	if repo, err = filepath.Abs(".."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fnBinary = filepath.Join(repo, "bin", "scenario-fn")
	if env := os.Getenv("SCENARIO_FN"); env != "" && env != fnBinary {
		fmt.Fprintf(os.Stderr, "e2e: SCENARIO_FN=%s, but the examples exec %s; run `make e2e`\n", env, fnBinary)
		os.Exit(1)
	}
	// Always test the binary built from this checkout.
	build := exec.Command("go", "build", "-trimpath", "-o", fnBinary, ".")
	build.Dir, build.Stdout, build.Stderr = repo, os.Stderr, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building scenario-fn: %v\n", err)
		os.Exit(1)
	}
	kustomize = os.Getenv("KUSTOMIZE")
	if kustomize == "" {
		kustomize = filepath.Join(repo, "bin", "kustomize")
	}
	if _, err := os.Stat(kustomize); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: kustomize not found at %s: run `make tools` (it installs kustomize v5.8.2 into ./bin)\n", kustomize)
		os.Exit(1)
	}
	if p, err := exec.LookPath("kpt"); err == nil {
		kpt = p
	} else if _, err := os.Stat("/usr/bin/kpt"); err == nil {
		kpt = "/usr/bin/kpt"
	}
	if kpt == "" {
		fmt.Fprint(os.Stderr, "\n*** e2e: kpt is NOT installed: every kpt test will be SKIPPED ***\n\n")
	}
	os.Exit(m.Run())
}

// requireKpt skips loudly when kpt is missing.
func requireKpt(t *testing.T) {
	t.Helper()
	if kpt == "" {
		t.Skip("SKIPPED: kpt is not installed (/usr/bin/kpt); the kpt path is NOT tested on this machine")
	}
}

// run executes a tool and returns stdout; it fails the test on a non-zero
// exit, printing stderr.
func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	out, stderr, err := runErr(dir, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstderr:\n%s", name, strings.Join(args, " "), err, stderr)
	}
	return out
}

func runErr(dir string, name string, args ...string) (string, string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// kustomizeBuild renders a kustomization with exec functions enabled.
func kustomizeBuild(t *testing.T, dir string) string {
	t.Helper()
	return run(t, repo, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
}

// golden compares got with the file, or rewrites it with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test ./e2e -update writes it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", file, diff(string(want), got))
	}
}

// diff shows the first differing lines.
func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y)
		}
	}
	return ""
}
