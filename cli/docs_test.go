package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/generators"
)

// templates docs writes index.html and one page per template, each
// self-contained (no src, no stylesheet link, no script) with a row per
// parameter; the browser test in e2e checks how Chromium shows them.
func TestTemplatesDocs(t *testing.T) {
	out := t.TempDir()
	stdout, stderr, code := runMain(t, "templates", "docs", "--out", out)
	if code != 0 || stderr != "" || !strings.Contains(stdout, fmt.Sprintf("(%d templates)", len(generators.CatalogNames()))) {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	want := []string{"index.html"}
	for _, n := range generators.CatalogNames() {
		want = append(want, n+".html")
	}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Fatalf("wrote %v, want %v", files, want)
	}
	external := regexp.MustCompile(`(?i)<script|<link|\ssrc=|url\([^#]|@import`)
	row := regexp.MustCompile(`<tr><td><code>([^<]+)</code></td>`)
	r, _ := templateResolver(IO{}, "")
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		page := string(data)
		if m := external.FindString(page); m != "" {
			t.Errorf("%s loads something: %q", f, m)
		}
		if f == "index.html" {
			continue
		}
		name := strings.TrimSuffix(f, ".html")
		info, _ := describeTemplate(r, generators.Catalog()[name], "", false)
		var rows, params []string
		for _, m := range row.FindAllStringSubmatch(page, -1) {
			rows = append(rows, m[1])
		}
		for _, p := range info.resolved.Params {
			params = append(params, p.Name)
			for _, e := range elementRows(p) { // the fields of forEach elements follow
				params = append(params, e.name)
			}
		}
		if !slices.Equal(rows, params) {
			t.Errorf("%s: parameter rows %v, want %v", f, rows, params)
		}
		if !info.Abstract && (!strings.Contains(page, `<pre class="rendered">`) || strings.Contains(page, `class="problems"`)) {
			t.Errorf("%s: the example does not render", f)
		}
	}
}
