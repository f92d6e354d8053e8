package fn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The bad-input matrix through the built binary, on every entry path: the
// KRM function (a ResourceList on stdin) for the cases that could exhaust
// memory or the stack, and the render, validate and explain commands for
// the cases that reach them through files. Each run is a child process
// under a virtual-memory limit (ulimit -v), so that a regression fails
// the test instead of the machine; its peak resident memory must stay
// under binaryRSSLimit.

const (
	// binaryVMLimitKB is the child's address-space limit; the Go runtime
	// reserves far less than this for a small heap.
	binaryVMLimitKB = 3 << 20 // 3 GiB
	// binaryRSSLimitKB bounds the peak resident memory of every run.
	binaryRSSLimitKB = 512 << 10 // 512 MiB
	binaryTimeout    = 60 * time.Second
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds scenario-fn once per test run, the way `make build` does.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if _, err := exec.LookPath("sh"); err != nil {
			binErr = fmt.Errorf("SKIPPED: no sh to set ulimit -v for the child processes: %v", err)
			return
		}
		if p := os.Getenv("SCENARIO_FN_TEST_BINARY"); p != "" {
			binPath = p // another build, e.g. an older one to show a row failing
			return
		}
		dir, err := os.MkdirTemp("", "scenario-fn-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "scenario-fn")
		cmd := exec.Command("go", "build", "-trimpath", "-o", binPath, "..")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		if strings.HasPrefix(binErr.Error(), "SKIPPED") {
			t.Skip(binErr)
		}
		t.Fatal(binErr)
	}
	return binPath
}

type binRun struct {
	stdout, stderr string
	code           int
	maxRSSKB       int64
	elapsed        time.Duration
}

// runBinary runs the binary in dir with args and stdin under the memory
// limit, with extra environment variables env.
func runBinary(t *testing.T, dir string, stdin []byte, env []string, args ...string) binRun {
	t.Helper()
	bin := binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), binaryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", append([]string{"-c", fmt.Sprintf(`ulimit -v %d && exec "$0" "$@"`, binaryVMLimitKB), bin}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %v: %v", args, err)
	}
	// The peak resident memory of the binary: VmHWM of its own address
	// space (sh execs it), polled until it exits. (The rusage of the child
	// would count the test process, whose address space the child shares
	// until exec.)
	peak := make(chan int64)
	done := make(chan struct{})
	go func() {
		var max int64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			if hwm := vmHWM(cmd.Process.Pid); hwm > max {
				max = hwm
			}
			select {
			case <-done:
				peak <- max
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	r := binRun{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start), maxRSSKB: <-peak}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running %v: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%v did not end within %v", args, binaryTimeout)
	}
	return r
}

// vmHWM reads the peak resident set size (kB) of a running process, 0
// when it cannot (the process has ended, or there is no /proc).
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb
		}
	}
	return 0
}

// checkRun asserts what every run must satisfy: no crash, bounded memory
// and time.
func checkRun(t *testing.T, label string, r binRun) {
	t.Helper()
	for _, bad := range []string{"panic:", "fatal error:", "goroutine ", "internal error"} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("%s: %q on stderr:\n%s", label, bad, clipped(r.stderr))
		}
	}
	if r.maxRSSKB > binaryRSSLimitKB {
		t.Errorf("%s: peak resident memory %d MiB, more than %d MiB", label, r.maxRSSKB>>10, binaryRSSLimitKB>>10)
	}
	if r.elapsed > 2*maxCaseTime() {
		t.Errorf("%s: took %v", label, r.elapsed)
	}
	t.Logf("%s: exit %d, %v, peak RSS %d MiB", label, r.code, r.elapsed.Round(time.Millisecond), r.maxRSSKB>>10)
}

// TestBadInputBinary runs the memory-sensitive rows of the matrix through
// the binary in KRM mode.
func TestBadInputBinary(t *testing.T) {
	n := 0
	for _, tc := range badCases() {
		if !tc.memory {
			continue
		}
		n++
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			input := tc.input()
			r := runBinary(t, dir, input, nil)
			checkRun(t, "KRM", r)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.code, clipped(r.stderr))
			}
			for _, re := range tc.stderr {
				if !regexp.MustCompile("(?m)" + re).MatchString(r.stderr) {
					t.Errorf("stderr does not match %s:\n%s", re, clipped(r.stderr))
				}
			}
			in, _ := itemsOf(t, input)
			out, ok := itemsOf(t, []byte(r.stdout))
			if !ok {
				t.Fatalf("no ResourceList on stdout:\n%s", clipped(r.stdout))
			}
			if !tc.processed && in != out {
				t.Errorf("the items changed:\n%s", clipped(cmp.Diff(in, out)))
			}
		})
	}
	if n < 6 {
		t.Errorf("%d memory-sensitive rows, want at least 6", n)
	}
}

// cliCase is a package directory and the commands to run on it.
type cliCase struct {
	name  string
	files map[string]string
	links map[string]string // name -> target; OUTSIDE is a directory outside the package
	fifos []string
	env   []string
	// cmds are the command lines; each must exit with code and print
	// every stderr expression.
	cmds   [][]string
	code   int
	stderr []string
	// changes are files a command may write (render --out); everything
	// else in the directory must be unchanged afterwards.
	changes []string
	// stdout and notStdout are texts stdout must and must not contain.
	stdout, notStdout []string
	// stdin is what the commands read on standard input.
	stdin string
}

const cliInstance = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  namespace: shop
  annotations:
    config.kubernetes.io/function: |
      exec: {path: ../bin/scenario-fn}
spec:
`

func cliInst(spec string) string { return cliInstance + indent(spec, "  ", "  ") }

var (
	renderDot   = []string{"render", "."}
	explainDot  = []string{"explain", "."}
	validateDot = []string{"validate", "."}
)

func cliCases() []cliCase {
	selfFleet := "apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nmetadata: {name: a, namespace: shop}\nspec: &a {clusters: [*a]}\n"
	bombFile := func(depth int) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol, namespace: shop}\ndata:\n" + aliasBomb(depth, "  ")
	}
	return []cliCase{
		{name: "self-referencing alias in a Fleet file",
			files:  map[string]string{"orders.yaml": cliInst(webService), "fleet.yaml": selfFleet},
			cmds:   [][]string{{"validate", "fleet.yaml"}, validateDot, renderDot, explainDot},
			code:   1,
			stderr: []string{`^error: (\./)?fleet.yaml:4: Fleet shop/a: spec.clusters.0: the alias \*a at spec.clusters.0 points into its own anchor &a: the document would contain itself and never end; the document is skipped \(fix: write the values out without anchors`}},
		{name: "self-referencing alias in the instance",
			files:  map[string]string{"orders.yaml": cliInst(webService + "resources: &r\n- apiVersion: v1\n  kind: ConfigMap\n  data: {x: *r}\n")},
			cmds:   [][]string{validateDot, renderDot, explainDot},
			code:   1,
			stderr: []string{`^error: (\./)?orders.yaml:19: ScenarioTemplate shop/orders: spec.resources.0.data.x: the alias \*r at spec.resources.0.data.x points into its own anchor &r`}},
		{name: "alias bomb in a file",
			files:  map[string]string{"orders.yaml": cliInst(webService), "lol.yaml": bombFile(40)},
			cmds:   [][]string{{"validate", "lol.yaml"}, validateDot, renderDot, explainDot},
			code:   1,
			stderr: []string{`^error: (\./)?lol.yaml:1: ConfigMap shop/lol: YAML aliases expand it by \d+ nodes, which takes the input to \d+ \(more than 65536, for all documents together\): refused as a billion-laughs document \(set SCENARIO_FN_MAX_ALIAS_NODES to raise the limit\); the document is skipped`}},
		{name: "files each under the alias budget, over it together",
			files:  map[string]string{"orders.yaml": cliInst(webService), "a/lol.yaml": bombFile(12), "b/lol.yaml": bombFile(12), "c/lol.yaml": bombFile(12)},
			cmds:   [][]string{validateDot, renderDot},
			code:   1,
			stderr: []string{`^error: (\./)?c/lol.yaml:1: ConfigMap shop/lol: YAML aliases expand it by \d+ nodes, which takes the input to \d+ \(more than 65536`}},
		{name: "validate - reading an alias cycle",
			stdin:  selfFleet,
			cmds:   [][]string{{"validate", "-"}},
			code:   1,
			stderr: []string{`^error: <stdin>:4: Fleet shop/a: spec.clusters.0: the alias \*a at spec.clusters.0 points into its own anchor &a`}},
		{name: "validate - over the input limit",
			stdin:  selfFleet + "# " + strings.Repeat("x", 5000) + "\n",
			env:    []string{"SCENARIO_FN_MAX_INPUT_BYTES=4000"},
			cmds:   [][]string{{"validate", "-"}},
			code:   1,
			stderr: []string{`^error: reading stdin: standard input is larger than 4000 bytes, the input limit \(set SCENARIO_FN_MAX_INPUT_BYTES to raise it\)`}},
		{name: "extends names a FIFO",
			files:  map[string]string{"orders.yaml": cliInst("extends: [./pipe.yaml]\n")},
			fifos:  []string{"pipe.yaml"},
			cmds:   [][]string{renderDot, explainDot},
			code:   1,
			stderr: []string{`orders.yaml(:\d+)?: ScenarioTemplate shop/orders: spec.extends.0: template path "./pipe.yaml" is not a regular file \(a named pipe\) \(fix: name a template file`}},
		{name: "validate names a FIFO",
			fifos:  []string{"pipe.yaml"},
			cmds:   [][]string{{"validate", "pipe.yaml"}, {"render", "pipe.yaml"}, {"explain", "pipe.yaml"}},
			code:   1,
			stderr: []string{`^error: pipe.yaml is not a regular file \(a named pipe\): only regular files are read`}},
		{name: "render --out through a committed symlink",
			files:  map[string]string{"orders.yaml": cliInst(webService)},
			links:  map[string]string{"rendered/shop": "OUTSIDE"},
			cmds:   [][]string{{"render", ".", "--out", "rendered"}},
			code:   1,
			stderr: []string{`^error: render rendered/shop/orders.yaml: rendered/shop is a symbolic link \(to .+\): render does not write through links \(fix: remove the link, or choose another --out\)`}},
		{name: "render --out naming a symlink",
			files:  map[string]string{"orders.yaml": cliInst(webService)},
			links:  map[string]string{"rendered": "OUTSIDE"},
			cmds:   [][]string{{"render", ".", "--out", "rendered"}, {"render", ".", "--out", "rendered/sub"}},
			code:   1,
			stderr: []string{`^error: --out rendered(/sub)?: rendered is a symbolic link \(to .+\): render does not write through links`}},
		{name: "render --out a symlink inside the package",
			files:  map[string]string{"orders.yaml": cliInst(webService)},
			links:  map[string]string{"rendered/shop/orders.yaml": "../../orders.yaml"},
			cmds:   [][]string{{"render", ".", "--out", "rendered"}},
			code:   1,
			stderr: []string{`^error: render rendered/shop/orders.yaml: rendered/shop/orders.yaml is a symbolic link \(to \.\./\.\./orders.yaml\)`}},
		{name: "render --out leaving the working directory",
			files:  map[string]string{"orders.yaml": cliInst(webService)},
			cmds:   [][]string{{"render", ".", "--out", "../rendered"}, {"render", ".", "--out", "a/../../rendered"}},
			code:   1,
			stderr: []string{`^error: --out (a/\.\./)?\.\./rendered leaves the working directory \(fix: write inside it, or give an absolute path to write elsewhere\)`}},
		{name: "render DIR --out DIR over the instance file",
			files:  map[string]string{"shop/orders.yaml": cliInst(webService)},
			cmds:   [][]string{{"render", ".", "--out", "."}, {"render", "shop/orders.yaml", "--out", "."}},
			code:   1,
			stderr: []string{`^error: render would write the output of the instance in (shop/)?orders.yaml to shop/orders.yaml, which is the input file shop/orders.yaml: it never overwrites its input \(fix: choose an --out directory that holds no input`}},
		{name: "render with a copied instance annotation",
			files:     map[string]string{"orders.yaml": cliInst(webService), "secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-password\n  namespace: shop\n  annotations: {scenario.kurator.dev/instance: shop/orders}\nstringData: {password: x}\n"},
			cmds:      [][]string{renderDot},
			code:      0,
			stderr:    []string{`^warning: secret.yaml: Secret shop/db-password: metadata.annotations.\[scenario.kurator.dev/instance\]: Secret shop/db-password is annotated scenario.kurator.dev/instance: shop/orders, but the instance did not generate it`},
			stdout:    []string{"kind: Application", "kind: Pipeline"},
			notStdout: []string{"db-password"}},
		{name: "instance output path outside the package",
			files:  map[string]string{"orders.yaml": cliInst(webService + "output: {path: ../../etc/x.yaml}\n")},
			cmds:   [][]string{renderDot, explainDot, validateDot},
			code:   1,
			stderr: []string{`orders.yaml(:\d+)?: ScenarioTemplate shop/orders: spec.output.path: output path "../../etc/x.yaml" leaves the package`}},
		{name: "overlay annotation * in a file",
			files:  map[string]string{"orders.yaml": cliInst(webService), "overlay.yaml": "apiVersion: apps.kurator.dev/v1alpha1\nkind: Application\nmetadata:\n  name: orders\n  annotations: {scenario.kurator.dev/overlay: \"*\"}\nspec: {}\n"},
			cmds:   [][]string{renderDot},
			code:   0,
			stderr: []string{`^warning: overlay.yaml: Application orders: metadata.annotations.\[scenario.kurator.dev/overlay\]: overlay annotation scenario.kurator.dev/overlay: "\*" matches no instance`},
			stdout: []string{"kind: Application"}},
		{name: "labels aliasing an anchor in the same file",
			files:  map[string]string{"orders.yaml": cliInst(webService), "cms.yaml": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a, labels: &l {team: a}}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b, labels: *l}\n"},
			cmds:   [][]string{renderDot, validateDot},
			code:   0,
			stdout: []string{""}},
		{name: "input over the input limit",
			files:  map[string]string{"orders.yaml": cliInst(webService), "big.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {x: " + strings.Repeat("x", 5000) + "}\n"},
			env:    []string{"SCENARIO_FN_MAX_INPUT_BYTES=4000"},
			cmds:   [][]string{validateDot, renderDot, explainDot},
			code:   1,
			stderr: []string{`^error: \. \(at (big|orders).yaml\) is larger than 4000 bytes, the input limit \(set SCENARIO_FN_MAX_INPUT_BYTES to raise it\)`}},
	}
}

func TestBadInputCommands(t *testing.T) {
	for _, tc := range cliCases() {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				writeFile(t, filepath.Join(dir, name), content)
			}
			outside := t.TempDir()
			for name, target := range tc.links {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(strings.Replace(target, "OUTSIDE", outside, 1), p); err != nil {
					t.Fatal(err)
				}
			}
			for _, name := range tc.fifos {
				if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
					t.Skipf("SKIPPED: cannot create a FIFO here: %v", err)
				}
			}
			before := snapshot(t, dir)
			for _, args := range tc.cmds {
				label := strings.Join(args, " ")
				r := runBinary(t, dir, []byte(tc.stdin), tc.env, args...)
				checkRun(t, label, r)
				if r.code != tc.code {
					t.Errorf("%s: exit %d, want %d; stderr:\n%s", label, r.code, tc.code, clipped(r.stderr))
				}
				for _, re := range tc.stderr {
					if !regexp.MustCompile("(?m)" + re).MatchString(r.stderr) {
						t.Errorf("%s: stderr does not match %s:\n%s", label, re, clipped(r.stderr))
					}
				}
				for _, want := range tc.stdout {
					if !strings.Contains(r.stdout, want) {
						t.Errorf("%s: stdout lacks %q:\n%s", label, want, clipped(r.stdout))
					}
				}
				for _, bad := range tc.notStdout {
					if strings.Contains(r.stdout, bad) {
						t.Errorf("%s: stdout has %q:\n%s", label, bad, clipped(r.stdout))
					}
				}
				after := snapshot(t, dir)
				for _, c := range tc.changes {
					delete(after, c)
				}
				if d := cmp.Diff(before, after); d != "" {
					t.Errorf("%s changed the package:\n%s", label, d)
				}
				if entries, _ := os.ReadDir(outside); len(entries) > 0 {
					t.Errorf("%s wrote outside the package: %v", label, entries)
				}
			}
		})
	}
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot maps every path under dir to its content, link target or kind.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch m := info.Mode(); {
		case m&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		case m.IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(data)
		default:
			out[rel] = m.Type().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMemoryLimit runs the binary on a package that needs more memory than
// SCENARIO_FN_MEMORY_LIMIT allows: it must stop with an error naming the
// limit and how to raise it, and write back the input items unchanged (or
// nothing, when the limit was hit while reading), without a crash.
func TestMemoryLimit(t *testing.T) {
	items := []string{unrelated}
	for i := 0; i < 3000; i++ {
		items = append(items, strings.Replace(strings.Replace(deployment, "name: web\n", fmt.Sprintf("name: web-%d\n", i), 1), "nginx:1.25", fmt.Sprintf("nginx:1.%d", i), 1))
	}
	input := resourceList(mirrorConfig, items...)
	r := runBinary(t, t.TempDir(), input, []string{"SCENARIO_FN_MEMORY_LIMIT=16MiB"})
	checkRun(t, "KRM under a 16 MiB limit", r)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (the run needs more than 16 MiB); stderr:\n%s", r.code, clipped(r.stderr))
	}
	if !regexpMatch(`^error: scenario-fn used \d+ MiB of memory, more than its limit of 16 MiB: the input is too large or too complex \(set SCENARIO_FN_MEMORY_LIMIT, e.g. SCENARIO_FN_MEMORY_LIMIT=4GiB, to raise the limit\)`, r.stderr) {
		t.Errorf("stderr:\n%s", clipped(r.stderr))
	}
	if r.stdout != "" && r.stdout != string(input) {
		t.Errorf("stdout is neither empty nor the input (%d bytes of %d)", len(r.stdout), len(input))
	}
	if r.maxRSSKB > 16<<10+64<<10 {
		t.Errorf("peak RSS %d MiB: the watchdog let it grow far past the limit", r.maxRSSKB>>10)
	}
	t.Logf("stdout: %d bytes (the input: %d)", len(r.stdout), len(input))
	// The same input with the default limit succeeds.
	r = runBinary(t, t.TempDir(), input, nil)
	if r.code != 0 || !strings.Contains(r.stdout, "harbor.corp.local/dockerhub/library/nginx:1.2999") {
		t.Errorf("the default limit: exit %d, stderr:\n%s", r.code, clipped(r.stderr))
	}
}

// TestInputLimit: a ResourceList on stdin over SCENARIO_FN_MAX_INPUT_BYTES
// is refused before it is parsed, with the limit and the variable named.
func TestInputLimit(t *testing.T) {
	input := resourceList(mirrorConfig, unrelated, deployment)
	r := runBinary(t, t.TempDir(), input, []string{fmt.Sprintf("SCENARIO_FN_MAX_INPUT_BYTES=%d", len(input)-1)})
	checkRun(t, "KRM over the input limit", r)
	want := fmt.Sprintf(`^error: reading stdin: the ResourceList on stdin is larger than %d bytes, the input limit \(set SCENARIO_FN_MAX_INPUT_BYTES to raise it\)`, len(input)-1)
	if r.code != 1 || r.stdout != "" || !regexpMatch(want, r.stderr) {
		t.Errorf("exit %d, %d bytes on stdout, stderr:\n%s", r.code, len(r.stdout), r.stderr)
	}
	r = runBinary(t, t.TempDir(), input, []string{fmt.Sprintf("SCENARIO_FN_MAX_INPUT_BYTES=%d", len(input))})
	if r.code != 0 || !strings.Contains(r.stdout, "harbor.corp.local/dockerhub/library/nginx:1.25") {
		t.Errorf("at the limit: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
