package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The function runs on packages its users did not write: it must not start
// processes or reach the network. Two checks, one static and one at run
// time:
//
//   - the linker keeps only reachable code, so a symbol missing from the
//     binary cannot be called: no process start and no HTTP client;
//   - under strace, rendering and rewriting a real package makes no socket
//     call, starts nothing and writes no file (so it runs on the read-only
//     root filesystem the Dockerfile documents).

// forbiddenSymbols are the entry points to starting a process and to
// sending an HTTP request.
var forbiddenSymbols = []string{
	"os.StartProcess",
	"os.startProcess",
	"syscall.forkExec",
	"syscall.StartProcess",
	"os/exec.(*Cmd).Start",
	"net/http.(*Client).do",
	"net/http.(*Client).Do",
	"net/http.(*Transport).roundTrip",
}

func TestBinaryLinksNoProcessStartNorHTTPClient(t *testing.T) {
	out := symbolTable(t)
	linked := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[1] == "T" {
			linked[f[2]] = true
		}
	}
	// The table is read correctly: functions the binary does run are there.
	for _, sym := range []string{"main.main", "github.com/kurator-scenario/scenario-fn/fn.Run", "os.(*Root).OpenFile"} {
		if !linked[sym] {
			t.Fatalf("symbol %s not found in the binary: the symbol table was not read (%d symbols)", sym, len(linked))
		}
	}
	for _, sym := range forbiddenSymbols {
		if linked[sym] {
			t.Errorf("the binary links %s: some code path can start a process or send an HTTP request", sym)
		}
	}
}

// writeFlags are the open flags of a file opened to be written: a
// function that opens none runs on a read-only root filesystem.
var writeFlags = regexp.MustCompile(`O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND`)

// syscallLine is one traced call in strace -f output: "PID name(...".
var syscallLine = regexp.MustCompile(`^(?:\[pid\s+)?\d+\]?\s+(\w+)\(`)

func TestNoNetworkNoProcessesAtRunTime(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("SKIPPED: strace is not installed; the run-time check of no network and no processes did NOT run (the link-time check did)")
	}
	if out, err := exec.Command(strace, "-f", "-qq", "-e", "trace=execve", "-o", os.DevNull, "true").CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: strace cannot trace here (%v: %s); the run-time check did NOT run", err, bytes.TrimSpace(out))
	}
	pkg := filepath.Join(repo, "examples", "kpt-package")
	quickstart := filepath.Join(repo, "examples", "quickstart")
	var items []string
	for _, f := range []string{"team-web.yaml", "staging-overlay.yaml", "generated/orders.yaml"} {
		b, err := os.ReadFile(filepath.Join(pkg, f))
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, string(b))
	}
	instance, err := os.ReadFile(filepath.Join(pkg, "orders.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	registry, err := os.ReadFile(filepath.Join(pkg, "registry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	runs := []struct {
		name  string
		args  []string
		stdin string
		want  string // in stdout: the run did its work
	}{
		{"generator", nil, resourceList(string(instance), items), "kind: Pipeline"},
		{"transformer", nil, resourceList(string(registry), items), "harbor.corp.local/acme"},
		{"cli render", []string{"render", quickstart}, "", "kind: Pipeline"},
		{"cli validate", []string{"validate", filepath.Join(pkg, "generated")}, "", "0 errors"},
		{"cli explain", []string{"explain", quickstart}, "", "canary-service"},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			trace := filepath.Join(t.TempDir(), "strace.out")
			args := append([]string{"-f", "-qq", "-o", trace,
				"-e", "trace=socket,connect,bind,listen,sendto,execve,execveat,fork,vfork,openat,open,creat,mkdir,mkdirat,unlink,unlinkat,rename,renameat,renameat2", fnBinary}, r.args...)
			cmd := exec.Command(strace, args...)
			cmd.Dir = pkg
			cmd.Stdin = strings.NewReader(r.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
			}
			if !strings.Contains(stdout.String(), r.want) {
				t.Fatalf("the run did not do its work (no %q in its output):\n%s", r.want, stdout.String())
			}
			log, err := os.ReadFile(trace)
			if err != nil {
				t.Fatal(err)
			}
			execs := 0
			for _, line := range strings.Split(string(log), "\n") {
				m := syscallLine.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				switch {
				case m[1] == "execve" && execs == 0:
					execs++ // strace starting the function itself
					continue
				case (m[1] == "openat" || m[1] == "open") && !writeFlags.MatchString(line):
					continue // reading the package, the CRDs are embedded
				}
				t.Errorf("forbidden system call: %s", line)
			}
			if execs != 1 {
				t.Errorf("the trace does not show the function starting (%d execve): strace output not understood:\n%s", execs, log)
			}
		})
	}
}

// resourceList wraps items and a functionConfig the way kpt and kustomize
// send them.
func resourceList(config string, docs []string) string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, d := range docs {
		for _, doc := range strings.Split(d, "\n---\n") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			b.WriteString(indentDoc(doc))
		}
	}
	b.WriteString("functionConfig:\n")
	b.WriteString(strings.ReplaceAll("  "+strings.TrimRight(config, "\n"), "\n", "\n  ") + "\n")
	return b.String()
}

func indentDoc(doc string) string {
	lines := strings.Split(strings.TrimRight(strings.TrimPrefix(doc, "---\n"), "\n"), "\n")
	for i, l := range lines {
		if i == 0 {
			lines[i] = "- " + l
		} else {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
