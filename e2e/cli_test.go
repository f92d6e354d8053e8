package e2e

import (
	"encoding/json"
	"github.com/kurator-scenario/scenario-fn/generators"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The bash completion script, sourced into a real bash and asked the way
// bash asks when TAB is pressed: it calls the binary back and offers the
// template names, the subcommands, and the values of --runner.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("SKIPPED: no bash: shell completion is NOT tested here")
	}
	// cobra's bash script needs the bash-completion package, as every
	// cobra CLI does (kubectl, helm, flux).
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(bashCompletion); err != nil {
		t.Skip("SKIPPED: the bash-completion package is not installed (apt-get install bash-completion; .ci/run does): shell completion is NOT tested here")
	}
	cases := []struct {
		line string
		want []string
	}{
		{"scenario-fn templates show ", generators.CatalogNames()},
		{"scenario-fn templates ", []string{"docs", "graph", "list", "show"}},
		{"scenario-fn init orders --runner ", []string{"flux", "kpt", "kustomize"}},
		{"scenario-fn val", []string{"validate"}},
	}
	script := run(t, repo, fnBinary, "completion", "bash")
	file := filepath.Join(t.TempDir(), "scenario-fn.bash")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		// COMP_WORDS as bash splits the line; an empty last word when the
		// line ends in a space.
		words := strings.Fields(c.line)
		if strings.HasSuffix(c.line, " ") {
			words = append(words, "")
		}
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		prog := `source ` + bashCompletion + `; source "$1"; COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(` + strings.Join(quoted, " ") + `);` +
			` COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMP_TYPE=9; __start_scenario-fn; printf '%s\n' "${COMPREPLY[@]}" | sort`
		cmd := exec.Command(bash, "--norc", "-c", prog, "bash", file, c.line)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(fnBinary)+string(os.PathListSeparator)+os.Getenv("PATH"))
		// stderr has compopt's complaint that no completion is running.
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		got := strings.Fields(string(out))
		if err != nil || strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%q<TAB>: %v, offered %q, want %q\n%s", c.line, err, got, c.want, stderr.String())
		}
	}
}

// `go build` in a git checkout (as `go install` from a checkout does)
// stamps the tag and the commit into the build info, and `version` prints
// them: no -ldflags needed.
func TestVersionFromBuildInfo(t *testing.T) {
	clone := filepath.Join(t.TempDir(), "scenario-fn")
	run(t, repo, "git", "clone", "--quiet", "--no-hardlinks", repo, clone)
	commit := strings.TrimSpace(run(t, clone, "git", "rev-parse", "HEAD"))
	run(t, clone, "git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.com", "tag", "-a", "v0.9.1", "-m", "v0.9.1")
	bin := filepath.Join(t.TempDir(), "scenario-fn")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = clone
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=true")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var v struct {
		Version, Commit, GoVersion string
		Modified                   bool
	}
	out := run(t, repo, bin, "version", "-o", "json")
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Version != "v0.9.1" || v.Commit != commit || v.Modified || !strings.HasPrefix(v.GoVersion, "go1.") {
		t.Errorf("version of a build at tag v0.9.1 (%s): %s", commit, out)
	}
	text := run(t, repo, bin, "version")
	if !strings.HasPrefix(text, "scenario-fn v0.9.1 (commit "+commit) {
		t.Errorf("version: %q", text)
	}
}
