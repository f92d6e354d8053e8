package cli

import (
	"bytes"
	"encoding/json"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/spf13/cobra"
	sigsyaml "sigs.k8s.io/yaml"
)

func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("NO_COLOR", "1")
	var out, errb bytes.Buffer
	code = Main(args, IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	return out.String(), errb.String(), code
}

// commandPaths lists every command of the tree except help and the
// completion scripts, as argument lists ("templates", "show").
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			p := append(slices.Clone(path), sub.Name())
			out = append(out, p)
			walk(sub, p)
		}
	}
	walk(newRootCommand(IO{}), nil)
	if len(out) < 10 {
		t.Fatalf("only %d commands: %v", len(out), out)
	}
	return out
}

// Every command answers --help on stdout with its usage, a description and
// examples (subcommands of templates share its examples).
func TestEveryCommandHasHelp(t *testing.T) {
	for _, path := range commandPaths(t) {
		stdout, stderr, code := runMain(t, append(path, "--help")...)
		name := strings.Join(path, " ")
		if code != 0 || stderr != "" {
			t.Errorf("%s --help: exit %d, stderr %q", name, code, stderr)
		}
		if !strings.Contains(stdout, "Usage:\n  scenario-fn "+name) || !strings.Contains(stdout, "Flags:\n") {
			t.Errorf("%s --help lacks the usage:\n%s", name, stdout)
		}
		if len(path) == 1 && !strings.Contains(stdout, "Examples:\n  scenario-fn") {
			t.Errorf("%s --help lacks examples:\n%s", name, stdout)
		}
	}
	stdout, _, code := runMain(t, "--help")
	for _, name := range []string{"init", "templates", "render", "explain", "validate", "version", "completion"} {
		if !strings.Contains(stdout, "\n  "+name+" ") {
			t.Errorf("the top-level help does not list %s", name)
		}
	}
	if code != 0 || !strings.Contains(stdout, "kind: ImageRegistryTransformer") {
		t.Errorf("top-level help: exit %d\n%s", code, stdout)
	}
}

// An unknown flag is a usage error on every command: one line naming it,
// one line pointing to --help, nothing on stdout, exit 2.
func TestUnknownFlagIsAShortUsageError(t *testing.T) {
	paths := append(commandPaths(t), []string{}, []string{"completion", "bash"})
	for _, path := range paths {
		stdout, stderr, code := runMain(t, append(path, "--bogus")...)
		name := strings.TrimSpace("scenario-fn " + strings.Join(path, " "))
		want := "error: unknown flag: --bogus\nRun '" + name + " --help' for usage.\n"
		if code != 2 || stderr != want || stdout != "" {
			t.Errorf("%s --bogus: exit %d\nstdout %q\nstderr %q\nwant   %q", name, code, stdout, stderr, want)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"templats"}, "error: unknown command \"templats\" for \"scenario-fn\" (did you mean templates?)\nRun 'scenario-fn --help' for usage.\n"},
		{[]string{"version", "extra"}, "error: unknown command \"extra\" for \"scenario-fn version\"\nRun 'scenario-fn version --help' for usage.\n"},
		{[]string{"templates", "describe"}, "error: unknown templates subcommand \"describe\": use list, show, graph or docs\nRun 'scenario-fn templates --help' for usage.\n"},
		{[]string{"version", "-o", "xml"}, "error: --output \"xml\": use yaml or json\nRun 'scenario-fn version --help' for usage.\n"},
		{[]string{"validate", "-o"}, "error: flag needs an argument: 'o' in -o\nRun 'scenario-fn validate --help' for usage.\n"},
		{[]string{"init", "--force=maybe", "x"}, "error: invalid argument \"maybe\" for \"--force\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\nRun 'scenario-fn init --help' for usage.\n"},
	}
	for _, c := range cases {
		stdout, stderr, code := runMain(t, c.args...)
		if code != 2 || stderr != c.want || stdout != "" {
			t.Errorf("%q: exit %d\nstdout %q\nstderr %q\nwant   %q", c.args, code, stdout, stderr, c.want)
		}
	}
}

func TestVersionFlagAndCommand(t *testing.T) {
	a, _, c1 := runMain(t, "--version")
	b, _, c2 := runMain(t, "version")
	if c1 != 0 || c2 != 0 || a != b || !strings.HasPrefix(a, "scenario-fn ") || !strings.Contains(a, "go1.") ||
		!strings.Contains(a, "Kurator API: fleet.kurator.dev/v1alpha1") {
		t.Errorf("--version %q (exit %d) and version %q (exit %d)", a, c1, b, c2)
	}
	for _, format := range []string{"json", "yaml"} {
		out, _, code := runMain(t, "version", "-o", format)
		var v map[string]any
		if err := sigsyaml.Unmarshal([]byte(out), &v); err != nil || code != 0 {
			t.Fatalf("version -o %s: exit %d, %v\n%s", format, code, err, out)
		}
		if !strings.HasPrefix(v["goVersion"].(string), "go1.") || v["version"] == "" || v["commit"] == "" ||
			len(v["kuratorAPI"].([]any)) != 3 {
			t.Errorf("version -o %s: %v", format, v)
		}
	}
}

// The version comes from the Go build info, which `go install m@v` and
// `go build` in a git checkout fill in.
func TestReadVersion(t *testing.T) {
	cases := []struct {
		name         string
		info         *debug.BuildInfo
		version, rev string
		modified     bool
	}{
		{"go install of a tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3", "unknown", false},
		{"go install of a commit", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201094839-a34cc7397a2b"}},
			"v0.0.0-20261201094839-a34cc7397a2b", "a34cc7397a2b", false},
		{"go build in a checkout", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.4-0.20261201094839-a34cc7397a2b+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "a34cc7397a2bd0b4d5ed8e1e8f9a2f0c6d1e2f3a"}, {Key: "vcs.modified", Value: "true"}}},
			"v1.2.4-0.20261201094839-a34cc7397a2b+dirty", "a34cc7397a2bd0b4d5ed8e1e8f9a2f0c6d1e2f3a", true},
		{"go build without vcs", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)", "unknown", false},
	}
	for _, c := range cases {
		v := readVersion(c.info, true)
		if v.Version != c.version || v.Commit != c.rev || v.Modified != c.modified {
			t.Errorf("%s: got %+v", c.name, v)
		}
		if !strings.HasPrefix(v.text(), "scenario-fn "+c.version+" (commit "+c.rev) {
			t.Errorf("%s: text %q", c.name, v.text())
		}
	}
	Version, Commit = "v9.9.9", "abc"
	defer func() { Version, Commit = "", "" }()
	if v := readVersion(cases[0].info, true); v.Version != "v9.9.9" || v.Commit != "abc" {
		t.Errorf("-ldflags -X values do not win: %+v", v)
	}
}

func TestCompletionScripts(t *testing.T) {
	want := map[string]string{
		"bash":       "__start_scenario-fn",
		"zsh":        "#compdef scenario-fn",
		"fish":       "complete -c scenario-fn",
		"powershell": "Register-ArgumentCompleter",
	}
	for shell, marker := range want {
		out, stderr, code := runMain(t, "completion", shell)
		if code != 0 || stderr != "" || !strings.Contains(out, marker) {
			t.Errorf("completion %s: exit %d, stderr %q, no %q in %d bytes", shell, code, stderr, marker, len(out))
		}
	}
}

// What the shells ask: `scenario-fn __complete ARGS... PARTIAL`, one
// candidate a line and a :directive line.
func TestCompletionCandidates(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"templates", "show", ""}, generators.CatalogNames()},
		{[]string{"templates", "show", "--dir", "testdata/templates/list-local/in/platform", ""}, append(generators.CatalogNames(), "base", "team")},
		{[]string{"init", "orders", "--template", ""}, usableTemplates()},
		{[]string{"render", ".", "--flux", ""}, fluxModes},
		{[]string{"init", "x", "--runner", ""}, runners},
		{[]string{"validate", "-o", ""}, []string{"yaml", "json"}},
		{[]string{"templ"}, []string{"templates\tBrowse built-in and local templates, their chains and parameters"}},
		{[]string{"templates", ""}, []string{"docs", "graph", "list", "show"}},
	}
	for _, c := range cases {
		out, _, code := runMain(t, append([]string{"__complete"}, c.args...)...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		got := lines[:len(lines)-1]
		for i, l := range got {
			if len(c.want) > 0 && !strings.Contains(c.want[0], "\t") {
				got[i], _, _ = strings.Cut(l, "\t")
			}
		}
		if code != 0 || !slices.Equal(got, c.want) || !strings.HasPrefix(lines[len(lines)-1], ":") {
			t.Errorf("__complete %q: exit %d, got %q, want %q", c.args, code, got, c.want)
		}
	}
}

func TestTemplatesOutput(t *testing.T) {
	out, stderr, code := runMain(t, "templates", "list", "-o", "json")
	var list []templateInfo
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || stderr != "" {
		t.Fatalf("templates list -o json: exit %d, %v, %s\n%s", code, err, stderr, out)
	}
	var names []string
	for _, ti := range list {
		names = append(names, ti.Name)
		if !ti.BuiltIn || ti.Source != "catalog/"+ti.Name+".yaml" || len(ti.Chain) == 0 || ti.Chain[len(ti.Chain)-1] != ti.Name {
			t.Errorf("%s: %+v", ti.Name, ti)
		}
	}
	if !slices.Equal(names, generators.CatalogNames()) {
		t.Errorf("names %v", names)
	}
	// templates -o yaml is templates list.
	y, _, code := runMain(t, "templates", "-o", "yaml")
	var fromYAML []templateInfo
	if err := sigsyaml.Unmarshal([]byte(y), &fromYAML); err != nil || code != 0 || len(fromYAML) != len(list) {
		t.Fatalf("templates -o yaml: exit %d, %v\n%s", code, err, y)
	}

	out, _, code = runMain(t, "templates", "show", "canary-service", "-o", "json")
	var show templateInfo
	if err := json.Unmarshal([]byte(out), &show); err != nil || code != 0 {
		t.Fatalf("templates show -o json: exit %d, %v\n%s", code, err, out)
	}
	if !slices.Equal(show.Chain, []string{"git-source", "app-destination", "kustomize-sync", "kustomize-app", "ci-pipeline", "go-ci", "web-service", "rollout", "istio-routing", "progressive-delivery", "canary-strategy", "canary-service"}) || len(show.Resources) != 2 {
		t.Errorf("canary-service chain %v, %d resources", show.Chain, len(show.Resources))
	}
	params := map[string]paramInfo{}
	for _, p := range show.Parameters {
		params[p.Name] = p
	}
	if p := params["image"]; !p.Required || p.Type != "string" || p.Template != "go-ci" {
		t.Errorf("image: %+v", p)
	}
	if p := params["maxWeight"]; string(p.Default) != "50" || p.Required {
		t.Errorf("maxWeight: %+v (default %s)", p, p.Default)
	}
}
