package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lineNumber returns the 1-based line of file (under dir) that contains
// text after skipping the lines before the first line containing after
// ("" for none). It fails the test when there is no such line, so that the
// expectations below follow the fixture files instead of hard-coded
// numbers.
func lineNumber(t *testing.T, dir, file, after, text string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	seen := after == ""
	for i, l := range strings.Split(string(data), "\n") {
		if !seen && strings.Contains(l, after) {
			seen = true
		}
		if seen && strings.Contains(l, text) {
			return i + 1
		}
	}
	t.Fatalf("%s: no line %q after %q", file, text, after)
	return 0
}

// TestExplainThreeLevelChain checks explain against a chain of three
// levels read from files: platform/base.yaml <- platform/team.yaml <-
// orders.yaml, with an override, a null delete, a $patch: delete of a
// keyed list element, parameter values and defaults, an overlay in the
// instance and an overlay item. Every origin must name the exact file and
// line of the layer that set or removed the field.
func TestExplainThreeLevelChain(t *testing.T) {
	dir := "testdata/explain/chain/in"
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"explain", dir}, IO{Out: &stdout, Err: &stderr}); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	out := stdout.String()
	at := func(file, after, text string) string {
		return fmt.Sprintf("%s:%d)", file, lineNumber(t, dir, file, after, text))
	}
	want := []struct{ line, origin string }{
		// base sets, team overrides, the instance's value wins over a default.
		{"  interval: 3m0s", "# template base (" + at("platform/base.yaml", "gitRepository:", "interval: 3m0s")},
		{"path: ./deploy/payments", "# template team (" + at("platform/team.yaml", "", "path: ./deploy/payments")},
		{"interval: 2m0s", `# value "interval" (value in instance orders) (` + at("orders.yaml", "", "interval: 2m0s")},
		{"url: https://github.com/acme/orders", `# value "repo" (value in instance orders) (` + at("orders.yaml", "", "repo:")},
		{"retries: 3", `# value "retries" (value in instance orders) (` + at("orders.yaml", "", "retries: 3")},
		// spec.overlays of the instance, then an overlay item.
		{"timeout: 3m0s", "# overlay in instance orders (" + at("orders.yaml", "overlays:", "timeout: 3m0s")},
		{"description: Production CI for orders.", "# overlay overlays/prod.yaml (" + at("overlays/prod.yaml", "", "description:")},
		// The naming rule.
		{"  name: orders-git", "# naming rule (instance orders)"},
		// Removals name their remover: a null, and a $patch: delete element.
		{"#   spec.source.gitRepository.timeout: removed by template team (" + at("platform/team.yaml", "", "timeout: null"), ""},
		{"#   spec.tasks.[name=go-lint]: removed by template team (" + at("platform/team.yaml", "kind: Pipeline", "- name: go-lint"), ""},
	}
	for _, w := range want {
		found := false
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, w.line) && strings.Contains(l, w.origin) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no line with %q and %q in:\n%s", w.line, w.origin, out)
		}
	}
	// Secret values are masked, keys and origins are not.
	if strings.Contains(out, "hunter2") {
		t.Errorf("explain shows a Secret value:\n%s", out)
	}
	if !strings.Contains(out, "token: '***'") {
		t.Errorf("masked Secret key missing:\n%s", out)
	}
	// Every leaf line has an origin.
	for _, l := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "#") || trimmed == "---" || trimmed == "" || strings.HasSuffix(trimmed, ":") {
			continue
		}
		if !strings.Contains(l, "  # ") {
			t.Errorf("line without an origin: %q", l)
		}
	}
}

// TestExplainFieldWhyIsThis3 is the question from the issue: why is this
// field 3? The answer names the value and the exact line that set it.
func TestExplainFieldWhyIsThis3(t *testing.T) {
	dir := "testdata/explain/chain/in"
	var stdout, stderr bytes.Buffer
	code := Main([]string{"explain", dir, "--field", "Pipeline:spec.tasks.[name=go-test].retries"}, IO{Out: &stdout, Err: &stderr})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := fmt.Sprintf("spec.tasks.[name=go-test].retries: 3  # value \"retries\" (value in instance orders) (orders.yaml:%d)\n",
		lineNumber(t, dir, "orders.yaml", "", "retries: 3"))
	if stdout.String() != want {
		t.Errorf("got  %q\nwant %q", stdout.String(), want)
	}
	// The same field by list index.
	stdout.Reset()
	if code := Main([]string{"explain", dir, "--field", "Pipeline/orders:spec.tasks.1.retries"}, IO{Out: &stdout, Err: &stderr}); code != 0 || stdout.String() != want {
		t.Errorf("by index: exit %d, got %q", code, stdout.String())
	}
}

func TestExplainDefaultPointsAtTemplate(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"platform/base.yaml", "platform/team.yaml", "orders.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/explain/chain/in", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "orders.yaml" { // drop the instance's interval: team's default applies
			data = []byte(strings.Replace(string(data), "    interval: 2m0s\n", "", 1))
		}
		writeFile(t, filepath.Join(dir, f), string(data))
	}
	var stdout, stderr bytes.Buffer
	field := "Application:spec.syncPolicies.[name=default].kustomization.interval"
	if code := Main([]string{"explain", dir, "--field", field}, IO{Out: &stdout, Err: &stderr}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := fmt.Sprintf("spec.syncPolicies.[name=default].kustomization.interval: 10m0s  # value \"interval\" (default in template team) (platform/team.yaml:%d)\n",
		lineNumber(t, dir, "platform/team.yaml", "", "- name: interval"))
	if stdout.String() != want {
		t.Errorf("got  %q\nwant %q", stdout.String(), want)
	}
}
