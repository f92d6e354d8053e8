package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// shCommands returns the commands of the ```sh blocks of a Markdown file,
// without trailing comments.
func shCommands(t *testing.T, file string) []string {
	t.Helper()
	var out []string
	in := false
	for _, line := range strings.Split(readFile(t, file), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```sh"):
			in = true
		case strings.HasPrefix(trimmed, "```"):
			in = false
		case in && trimmed != "" && !strings.HasPrefix(trimmed, "#"):
			if i := strings.Index(trimmed, "  #"); i > 0 {
				trimmed = strings.TrimSpace(trimmed[:i])
			}
			out = append(out, trimmed)
		}
	}
	return out
}

var makeTarget = regexp.MustCompile(`(?m)^([a-z-]+):`)

// TestReadmeCommands runs every command the README and the examples'
// READMEs show, as a new user would, and checks what it prints.
func TestReadmeCommands(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repo, "examples", "*", "README.md"))
	files = append([]string{filepath.Join(repo, "README.md")}, files...)
	targets := map[string]bool{}
	for _, m := range makeTarget.FindAllStringSubmatch(readFile(t, filepath.Join(repo, "Makefile")), -1) {
		targets[m[1]] = true
	}
	seen := 0
	for _, f := range files {
		for _, cmd := range shCommands(t, f) {
			seen++
			rel, _ := filepath.Rel(repo, f)
			t.Run(rel+": "+cmd, func(t *testing.T) { runReadmeCommand(t, cmd, targets) })
		}
	}
	if seen < 8 {
		t.Fatalf("found only %d commands in the READMEs", seen)
	}
}

func runReadmeCommand(t *testing.T, cmd string, targets map[string]bool) {
	fields := strings.Fields(cmd)
	switch {
	case fields[0] == "make":
		target := fields[1]
		if !targets[target] {
			t.Fatalf("the Makefile has no target %q", target)
		}
		switch target {
		case "demo":
			// As a user types it: `make demo > out.yaml` must be YAML only.
			out := run(t, repo, "make", "demo", "KUSTOMIZE="+kustomize)
			if !strings.Contains(out, "kind: Application") || !strings.Contains(out, "name: production") {
				t.Fatalf("make demo printed:\n%s", out)
			}
			for _, n := range parse(t, out) {
				if n.GetKind() == "" || n.GetApiVersion() == "" {
					t.Fatalf("make demo's stdout is not only resources:\n%s", out)
				}
			}
		case "build":
			run(t, repo, "make", "-s", "build")
		case "test", "image", "release-snapshot", "bench", "fuzz":
			t.Skipf("%s: not run here (test is this run; TestImage and TestReleaseSnapshot run image and release-snapshot; bench and fuzz are long)", cmd)
		}
	case fields[0] == "bin/kustomize":
		args, redirect := fields[1:], ""
		for i, a := range args {
			if a == ">" && i+1 < len(args) {
				redirect, args = args[i+1], args[:i]
				break
			}
		}
		out := run(t, repo, kustomize, args...)
		if !strings.Contains(out, "kind: ") {
			t.Fatalf("%s printed no resources", cmd)
		}
		if redirect != "" && out != readFile(t, filepath.Join(repo, redirect)) {
			t.Fatalf("%s: the committed %s is not what it renders", cmd, redirect)
		}
	case fields[0] == "bin/scenario-fn":
		out := run(t, repo, fnBinary, fields[1:]...)
		if strings.TrimSpace(out) == "" {
			t.Fatalf("%s printed nothing", cmd)
		}
	case strings.Join(fields, " ") == "scenario-fn < resourcelist.yaml > out.yaml":
		// The transformer as a runner calls it, on the air-gapped example's
		// own registry config and workload: every image moves.
		cfg, err := yaml.ReadFile(filepath.Join(repo, "examples/air-gapped-fleet/registry.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		items := parse(t, readFile(t, filepath.Join(repo, "examples/air-gapped-fleet/workloads/ingress-probe.yaml")))
		var in bytes.Buffer
		if err := (kio.ByteWriter{Writer: &in, FunctionConfig: cfg, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}).Write(items); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(fnBinary)
		cmd.Stdin = &in
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(fields, " "), err, stderr.String())
		}
		out := stdout.String()
		for _, want := range []string{"kind: ResourceList", "image: harbor.site-a.local/dockerhub/library/busybox:1.36", "image: harbor.site-a.local/mirror/quay.io/curl/curl:8.8.0@sha256:4026b29997dc7c823b51c164b71e2b51e0fd95cce4601f78202c513d97da2922"} {
			if !strings.Contains(out, want) {
				t.Fatalf("%s: the output lacks %q:\n%s", strings.Join(fields, " "), want, out)
			}
		}
	case fields[0] == "cd" && len(fields) > 3 && fields[2] == "&&" && fields[3] == "kpt":
		requireKpt(t)
		if fields[1] != "examples/kpt-package" {
			t.Fatalf("no scratch copy for %s", fields[1])
		}
		pkg := kptPackage(t)
		before := readTree(t, pkg)
		out := run(t, pkg, kpt, fields[4:]...)
		if strings.Contains(cmd, "-o unwrap") {
			// Printed, and the package left as it was.
			if !strings.Contains(out, "kind: Application") || !equalTrees(before, readTree(t, pkg)) {
				t.Fatalf("%s changed the package or printed no Application:\n%s", cmd, out)
			}
			return
		}
		if _, err := os.Stat(filepath.Join(pkg, "generated", "orders.yaml")); err != nil {
			t.Fatalf("%s wrote no generated/orders.yaml", cmd)
		}
	default:
		t.Fatalf("the README shows %q, which no end-to-end test runs: add it here", cmd)
	}
}

// Every error line the README shows in a text block is one the binary
// prints: it is in the stderr of a CLI golden case (which runs the real
// command) or, after a "$ " command line, what that command prints.
func TestReadmeErrorSamplesAreReal(t *testing.T) {
	readme := readFile(t, filepath.Join(repo, "README.md"))
	goldens, _ := filepath.Glob(filepath.Join(repo, "cli", "testdata", "*", "*", "stderr"))
	var known strings.Builder
	for _, g := range goldens {
		known.WriteString(readFile(t, g))
	}
	in, command, checked := false, "", 0
	for _, line := range strings.Split(readme, "\n") {
		switch {
		case strings.HasPrefix(line, "```text"):
			in, command = true, ""
		case strings.HasPrefix(line, "```"):
			in = false
		case in && strings.HasPrefix(line, "$ scenario-fn "):
			command = strings.TrimPrefix(line, "$ scenario-fn ")
		case in && strings.HasPrefix(line, "error: "):
			checked++
			if command != "" {
				_, stderr, _ := runErr(repo, fnBinary, strings.Fields(command)...)
				if !strings.Contains(stderr, line+"\n") {
					t.Errorf("README: scenario-fn %s prints\n%s\nnot\n%s", command, stderr, line)
				}
				continue
			}
			if !strings.Contains(known.String(), line+"\n") {
				t.Errorf("README shows an error no golden case prints:\n%s", line)
			}
		}
	}
	if checked < 2 {
		t.Errorf("found only %d error samples in the README", checked)
	}
}
