package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The Argo CD plugin (examples/argocd) run the way argo-cd's cmp-server
// runs a plugin's commands (cmpserver/plugin/plugin.go, runCommand): the
// command and args of plugin.yaml as argv, the working directory the
// Application's path inside the server's copy of the repository, stdin
// empty, the environment the sidecar's plus what the repo-server sends
// (reposerver/repository/repository.go: newEnv, getPluginEnvs). The copy is
// read-only for the process: as root the commands run as uid 999, the
// sidecar's user, else the files lose their write bits. The nested module
// e2e/argocd runs the same example through argo-cd's own server code.

// cmpPlugin is the part of plugin.yaml the cmp-server runs.
type cmpPlugin struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Version  string     `yaml:"version"`
		Init     cmpCommand `yaml:"init"`
		Generate cmpCommand `yaml:"generate"`
		Discover struct {
			FileName string `yaml:"fileName"`
			Find     struct {
				cmpCommand `yaml:",inline"`
				Glob       string `yaml:"glob"`
			} `yaml:"find"`
		} `yaml:"discover"`
		Parameters struct {
			Static  []map[string]any `yaml:"static"`
			Dynamic cmpCommand       `yaml:"dynamic"`
		} `yaml:"parameters"`
	} `yaml:"spec"`
}

type cmpCommand struct {
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
}

func (c cmpCommand) argv() []string { return append(append([]string(nil), c.Command...), c.Args...) }

// argoApplication is the part of an Argo CD Application the repo-server
// turns into the plugin's environment.
type argoApplication struct {
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Project string `yaml:"project"`
		Source  struct {
			RepoURL        string `yaml:"repoURL"`
			TargetRevision string `yaml:"targetRevision"`
			Path           string `yaml:"path"`
			Plugin         struct {
				Name string `yaml:"name"`
				Env  []struct {
					Name  string `yaml:"name"`
					Value string `yaml:"value"`
				} `yaml:"env"`
				Parameters []pluginParameter `yaml:"parameters"`
			} `yaml:"plugin"`
		} `yaml:"source"`
		Destination struct {
			Namespace string `yaml:"namespace"`
		} `yaml:"destination"`
	} `yaml:"spec"`
}

// pluginParameter marshals like argo-cd's ApplicationSourcePluginParameter.
type pluginParameter struct {
	Name   string             `yaml:"name" json:"name"`
	String *string            `yaml:"string" json:"string,omitempty"`
	Array  *[]string          `yaml:"array" json:"array,omitempty"`
	Map    *map[string]string `yaml:"map" json:"map,omitempty"`
}

func readYAMLFile(t *testing.T, file string, v any) {
	t.Helper()
	if err := yaml.Unmarshal([]byte(readFile(t, file)), v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func loadPlugin(t *testing.T) cmpPlugin {
	t.Helper()
	var p cmpPlugin
	readYAMLFile(t, filepath.Join(repo, "examples", "argocd", "plugin.yaml"), &p)
	if p.Kind != "ConfigManagementPlugin" || p.Metadata.Name == "" || len(p.Spec.Generate.Command) == 0 {
		t.Fatalf("plugin.yaml is not a valid ConfigManagementPlugin (kind, metadata.name and spec.generate.command are required): %+v", p)
	}
	return p
}

func loadApplication(t *testing.T) argoApplication {
	t.Helper()
	var a argoApplication
	readYAMLFile(t, filepath.Join(repo, "examples", "argocd", "application.yaml"), &a)
	return a
}

const (
	testRevision    = "0123456789abcdef0123456789abcdef01234567"
	testKubeVersion = "1.32.4"
	testAPIVersions = "v1,apps/v1,apps.kurator.dev/v1alpha1,fleet.kurator.dev/v1alpha1,pipeline.kurator.dev/v1alpha1"
)

var paramEscape = regexp.MustCompile(`[^A-Z0-9_]`)

// generateEnv is what the repo-server sends for manifest generation.
func generateEnv(t *testing.T, app argoApplication) []string {
	t.Helper()
	build := []string{
		"ARGOCD_APP_NAME=" + app.Metadata.Name,
		"ARGOCD_APP_NAMESPACE=" + app.Spec.Destination.Namespace,
		"ARGOCD_APP_PROJECT_NAME=" + app.Spec.Project,
		"ARGOCD_APP_REVISION=" + testRevision,
		"ARGOCD_APP_REVISION_SHORT=" + testRevision[:7],
		"ARGOCD_APP_REVISION_SHORT_8=" + testRevision[:8],
		"ARGOCD_APP_SOURCE_REPO_URL=" + app.Spec.Source.RepoURL,
		"ARGOCD_APP_SOURCE_PATH=" + app.Spec.Source.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION=" + app.Spec.Source.TargetRevision,
		"KUBE_VERSION=" + testKubeVersion,
		"KUBE_API_VERSIONS=" + testAPIVersions,
	}
	return pluginEnv(t, app, build)
}

// parametersEnv is what the repo-server sends for parameter announcements
// (populatePluginAppDetails): fewer build variables, no namespace.
func parametersEnv(t *testing.T, app argoApplication) []string {
	t.Helper()
	return pluginEnv(t, app, []string{
		"ARGOCD_APP_NAME=" + app.Metadata.Name,
		"ARGOCD_APP_SOURCE_REPO_URL=" + app.Spec.Source.RepoURL,
		"ARGOCD_APP_SOURCE_PATH=" + app.Spec.Source.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION=" + app.Spec.Source.TargetRevision,
	})
}

// pluginEnv adds the Application's plugin env (prefixed ARGOCD_ENV_, with
// build variables expanded as Argo CD does) and parameters (the JSON and
// the PARAM_ variables), like getPluginParamEnvs.
func pluginEnv(t *testing.T, app argoApplication, build []string) []string {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range build {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	env := append([]string(nil), build...)
	for _, e := range app.Spec.Source.Plugin.Env {
		env = append(env, "ARGOCD_ENV_"+e.Name+"="+os.Expand(e.Value, func(k string) string {
			if k == "$" { // Env.Envsubst: $$ is a literal $
				return "$"
			}
			return vars[k]
		}))
	}
	params := app.Spec.Source.Plugin.Parameters
	if params == nil {
		params = []pluginParameter{}
	}
	b, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	env = append(env, "ARGOCD_APP_PARAMETERS="+string(b))
	for _, p := range params {
		base := "PARAM_" + paramEscape.ReplaceAllString(strings.ToUpper(p.Name), "_")
		if p.String != nil {
			env = append(env, base+"="+*p.String)
		}
		if p.Map != nil {
			for k, v := range *p.Map {
				env = append(env, base+"_"+paramEscape.ReplaceAllString(strings.ToUpper(k), "_")+"="+v)
			}
		}
		if p.Array != nil {
			for i, v := range *p.Array {
				env = append(env, fmt.Sprintf("%s_%d=%s", base, i, v))
			}
		}
	}
	return env
}

// sidecar is a cmp-server's view of one repository: a read-only copy, the
// binary where the image has it, and the sidecar's own environment.
type sidecar struct {
	repo string // the copy's root (the cmp-server's workDir)
	bin  string // directory holding scenario-fn
	env  []string
	root bool // commands run as uid 999
}

// newSidecar copies the given repository files into a fresh directory and
// makes it read-only for the commands.
func newSidecar(t *testing.T, files map[string]string) *sidecar {
	t.Helper()
	base := t.TempDir()
	// uid 999 must reach it: t.TempDir's parent is private.
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &sidecar{repo: filepath.Join(base, "repo"), bin: filepath.Join(base, "usr", "local", "bin"), root: os.Geteuid() == 0}
	for rel, content := range files {
		p := filepath.Join(s.repo, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(s.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fnBinary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.bin, "scenario-fn"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	// The sidecar's environment: the image's PATH (plus the binary's copy), Argo CD's HOME.
	s.env = []string{"PATH=" + s.bin + ":/usr/local/bin:/usr/bin:/bin", "HOME=/home/argocd", "TMPDIR=" + filepath.Join(base, "tmp")}
	if err := os.MkdirAll(filepath.Join(base, "tmp"), 0o777); err != nil {
		t.Fatal(err)
	}
	setWritable(t, s.repo, false)
	t.Cleanup(func() { setWritable(t, s.repo, true) })
	return s
}

func setWritable(t *testing.T, dir string, on bool) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		mode := info.Mode().Perm() &^ 0o222
		if on {
			mode |= 0o200
		}
		return os.Chmod(p, mode)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// repoFiles reads the repository's files under dirs (relative paths).
func repoFiles(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range dirs {
		for rel, content := range readTree(t, filepath.Join(repo, d)) {
			out[filepath.ToSlash(filepath.Join(d, rel))] = content
		}
	}
	return out
}

// run runs one plugin command as runCommand does: argv from plugin.yaml,
// Dir the app path, the sidecar's environment plus Argo CD's, no stdin.
func (s *sidecar) run(t *testing.T, c cmpCommand, appPath string, env []string) (stdout, stderr string, err error) {
	t.Helper()
	stdout, stderr, _, err = s.runState(t, c, appPath, env)
	return stdout, stderr, err
}

func (s *sidecar) runState(t *testing.T, c cmpCommand, appPath string, env []string) (stdout, stderr string, state *os.ProcessState, err error) {
	t.Helper()
	argv := c.argv()
	path, lookErr := exec.LookPath(argv[0])
	if !filepath.IsAbs(argv[0]) {
		// exec.Command looks the name up in the test's PATH; the sidecar
		// looks in its own.
		path, lookErr = lookPathIn(argv[0], s.bin)
	}
	if lookErr != nil {
		t.Fatalf("%s: %v", argv[0], lookErr)
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Dir = filepath.Join(s.repo, filepath.FromSlash(appPath))
	cmd.Env = append(append([]string(nil), s.env...), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if s.root {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 999, Gid: 999}}
	}
	err = cmd.Run()
	return out.String(), errOut.String(), cmd.ProcessState, err
}

func lookPathIn(name, dir string) (string, error) {
	p := filepath.Join(dir, name)
	if info, err := os.Stat(p); err != nil || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("not found in the sidecar's PATH (%s)", dir)
	}
	return p, nil
}

// TestArgoCDExampleThroughTheCMPContract renders examples/argocd as
// Argo CD would: discover claims the app path, generate prints exactly the
// checked-in expected.yaml (twice the same), nothing in the copy changes.
func TestArgoCDExampleThroughTheCMPContract(t *testing.T) {
	plugin, app := loadPlugin(t), loadApplication(t)
	if app.Spec.Source.Plugin.Name != plugin.Metadata.Name {
		t.Fatalf("application.yaml names plugin %q, plugin.yaml defines %q", app.Spec.Source.Plugin.Name, plugin.Metadata.Name)
	}
	if len(plugin.Spec.Discover.Find.Command) == 0 || len(plugin.Spec.Parameters.Dynamic.Command) == 0 {
		t.Fatal("plugin.yaml must discover with a command and announce parameters dynamically")
	}
	files := repoFiles(t, "examples")
	s := newSidecar(t, files)
	before := readTree(t, s.repo)

	out, stderr, err := s.run(t, plugin.Spec.Discover.Find.cmpCommand, app.Spec.Source.Path, generateEnv(t, app))
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("discover did not claim %s (cmp-server needs exit 0 and output): err %v, stdout %q, stderr %q", app.Spec.Source.Path, err, out, stderr)
	}
	if strings.TrimSpace(out) != "orders.yaml" {
		t.Errorf("discover printed %q, want the instance file orders.yaml", out)
	}

	var outputs []string
	for i := 0; i < 2; i++ {
		out, stderr, err := s.run(t, plugin.Spec.Generate, app.Spec.Source.Path, generateEnv(t, app))
		if err != nil {
			t.Fatalf("generate: %v\nstderr:\n%s", err, stderr)
		}
		if stderr != "" {
			t.Errorf("generate wrote to stderr on success:\n%s", stderr)
		}
		outputs = append(outputs, out)
	}
	if outputs[0] != outputs[1] {
		t.Fatalf("generate is not deterministic:\n%s", diff(outputs[0], outputs[1]))
	}
	golden(t, filepath.Join(repo, "examples", "argocd", "expected.yaml"), outputs[0])
	if after := readTree(t, s.repo); !equalTrees(before, after) {
		t.Error("the plugin changed files in Argo CD's copy of the repository")
	}

	objs := validateKurator(t, parse(t, outputs[0]))
	if len(objs) != 2 {
		t.Fatalf("want the Application and the Pipeline, got %v", keys(objs))
	}
	application, pipeline := objs["Application orders"], objs["Pipeline orders"]
	if application == nil || pipeline == nil {
		t.Fatalf("want Application orders and Pipeline orders, got %v", keys(objs))
	}
	// ARGOCD_APP_NAMESPACE: the instance has no namespace.
	for _, n := range objs {
		if n.GetNamespace() != app.Spec.Destination.Namespace {
			t.Errorf("%s %s is in namespace %q, want the destination namespace %q", n.GetKind(), n.GetName(), n.GetNamespace(), app.Spec.Destination.Namespace)
		}
	}
	// The plugin env entry "tag" and the parameters, typed.
	var tag string
	for _, e := range app.Spec.Source.Plugin.Env {
		if e.Name == "tag" {
			tag = e.Value
		}
	}
	if tag == "" || strings.Contains(readFile(t, filepath.Join(repo, "examples", "argocd", "app", "orders.yaml")), "tag: "+tag) {
		t.Fatalf("the example must override the instance's tag through plugin env, got %q", tag)
	}
	if got := field(t, application, "spec", "syncPolicies", "[name=default]", "kustomization", "images", "[name=ghcr.io/acme/orders]", "newTag"); got != tag {
		t.Errorf("image tag %q, want %q from ARGOCD_ENV_tag", got, tag)
	}
	patch := scalarAt(t, application, "spec", "syncPolicies", "[name=default]", "kustomization", "patches", "0", "patch")
	var ops []struct {
		Path  string `json:"path"`
		Value any    `json:"value"`
	}
	if err := json.Unmarshal([]byte(patch), &ops); err != nil {
		t.Fatalf("patch %s: %v", patch, err)
	}
	var want map[string]any
	for _, p := range app.Spec.Source.Plugin.Parameters {
		switch p.Name {
		case "replicas":
			if ops[0].Path != "/spec/replicas" || fmt.Sprint(ops[0].Value) != *p.String {
				t.Errorf("replicas: patch %v, want the parameter's %s as a number", ops[0], *p.String)
			}
			if _, isNumber := ops[0].Value.(float64); !isNumber {
				t.Errorf("replicas is written as %T, want a number (the parameter is an integer)", ops[0].Value)
			}
		case "resources":
			if err := json.Unmarshal([]byte(*p.String), &want); err != nil {
				t.Fatal(err)
			}
			if got, _ := json.Marshal(ops[1].Value); string(got) != mustJSON(t, want) {
				t.Errorf("resources: patch writes %s, want the parameter's %s", got, mustJSON(t, want))
			}
		}
	}
	if want == nil {
		t.Error("the example sets no resources parameter")
	}
	// ${VAR} and $$ reach the Pipeline as written: Argo CD does not substitute.
	script := scalarAt(t, pipeline, "spec", "tasks", "[name=smoke-report]", "customTask", "script")
	for _, s := range []string{"${CLUSTER:-unknown}", "$USER", "pid $$", "$(workspaces.source.path)"} {
		if !strings.Contains(script, s) {
			t.Errorf("the script lost %q:\n%s", s, script)
		}
	}
}

// scalarAt is the text of a scalar field (unquoted, unlike field).
func scalarAt(t *testing.T, n *yaml.RNode, path ...string) string {
	t.Helper()
	v, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil || v.YNode().Kind != yaml.ScalarNode {
		t.Fatalf("%s %s has no scalar %s", n.GetKind(), n.GetName(), strings.Join(path, "."))
	}
	return v.YNode().Value
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestArgoCDDiscoverLeavesOtherAppsAlone: a path without an instance (the
// Flux example's rendered output, plain Kurator YAML) must not be claimed,
// and discovery must not fail there either.
func TestArgoCDDiscoverLeavesOtherAppsAlone(t *testing.T) {
	plugin, app := loadPlugin(t), loadApplication(t)
	s := newSidecar(t, repoFiles(t, "examples"))
	for _, dir := range []string{"examples/flux/rendered", "examples/argocd/install"} {
		out, stderr, err := s.run(t, plugin.Spec.Discover.Find.cmpCommand, dir, generateEnv(t, app))
		if err != nil || out != "" {
			t.Errorf("discover in %s: want no output and exit 0, got err %v, stdout %q, stderr %q", dir, err, out, stderr)
		}
	}
}

// TestArgoCDParameterAnnouncements: the dynamic parameters command
// announces every parameter of the instance's chain, with the description
// the template declares and the value a sync without Application
// parameters uses (plugin env applied).
func TestArgoCDParameterAnnouncements(t *testing.T) {
	plugin, app := loadPlugin(t), loadApplication(t)
	s := newSidecar(t, repoFiles(t, "examples"))
	out, stderr, err := s.run(t, plugin.Spec.Parameters.Dynamic, app.Spec.Source.Path, parametersEnv(t, app))
	if err != nil {
		t.Fatalf("parameters: %v\nstderr:\n%s", err, stderr)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("parameters printed no JSON list (cmp-server unmarshals stdout into []ParameterAnnouncement): %v\n%s", err, out)
	}
	golden(t, filepath.Join(repo, "examples", "argocd", "expected-parameters.json"), out)
	byName := map[string]map[string]any{}
	for _, a := range got {
		byName[fmt.Sprint(a["name"])] = a
	}

	// What the templates of the chain declare, read from their sources
	// (generators/catalog/<name>.yaml): parents first, each once; a later
	// declaration refines an earlier one, and a template's spec.values
	// sets the value of a parent's parameter.
	type param struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
		Type        string `yaml:"type"`
		Default     any    `yaml:"default"`
	}
	var params []param
	index := map[string]int{}
	tmplValues := map[string]any{}
	seen := map[string]bool{}
	var walk func(name string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		var tmpl struct {
			Spec struct {
				Extends    []string       `yaml:"extends"`
				Parameters []param        `yaml:"parameters"`
				Values     map[string]any `yaml:"values"`
			} `yaml:"spec"`
		}
		readYAMLFile(t, filepath.Join(repo, "generators", "catalog", name+".yaml"), &tmpl)
		for _, parent := range tmpl.Spec.Extends {
			walk(parent)
		}
		for _, p := range tmpl.Spec.Parameters {
			i, ok := index[p.Name]
			if !ok {
				index[p.Name] = len(params)
				params = append(params, p)
				continue
			}
			if p.Description != "" {
				params[i].Description = p.Description
			}
			if p.Default != nil {
				params[i].Default = p.Default
			}
		}
		for k, v := range tmpl.Spec.Values {
			tmplValues[k] = v
		}
	}
	walk("web-service")
	var inst struct {
		Spec struct {
			Values map[string]any `yaml:"values"`
		} `yaml:"spec"`
	}
	readYAMLFile(t, filepath.Join(repo, "examples", "argocd", "app", "orders.yaml"), &inst)
	env := map[string]string{}
	for _, e := range app.Spec.Source.Plugin.Env {
		env[e.Name] = e.Value
	}
	if len(params) == 0 || len(got) != len(params) {
		t.Fatalf("announced %d parameters, web-service's chain declares %d:\n%s", len(got), len(params), out)
	}
	for _, p := range params {
		a := byName[p.Name]
		if a == nil {
			t.Errorf("parameter %s is not announced", p.Name)
			continue
		}
		if a["title"] != p.Description {
			t.Errorf("%s: title %q, want the template's description %q", p.Name, a["title"], p.Description)
		}
		// The value a sync uses: plugin env, else the instance's value, else the default.
		var want any
		switch {
		case env[p.Name] != "":
			want = env[p.Name]
		case inst.Spec.Values[p.Name] != nil:
			want = inst.Spec.Values[p.Name]
		case tmplValues[p.Name] != nil:
			want = tmplValues[p.Name]
		default:
			want = p.Default
		}
		if want == nil {
			continue // derived from the instance's name or namespace
		}
		switch p.Type {
		case "object":
			if a["collectionType"] != "string" || a["string"] != mustJSON(t, want) {
				t.Errorf("%s: announced %v, want %s as JSON text", p.Name, a, mustJSON(t, want))
			}
		case "integer":
			if a["itemType"] != "number" || a["string"] != fmt.Sprint(want) {
				t.Errorf("%s: announced %v, want number %v", p.Name, a, want)
			}
		default:
			if a["string"] != fmt.Sprint(want) {
				t.Errorf("%s: announced %q, want %q", p.Name, a["string"], want)
			}
		}
	}
	if a := byName["workload"]; a["string"] != app.Metadata.Name {
		t.Errorf("workload defaults to the instance name: announced %v", a)
	}
	// The repo-server sends no namespace for announcements, and the
	// instance has none: the UI must not be told "default".
	if a := byName["targetNamespace"]; a["string"] != nil || !strings.Contains(fmt.Sprint(a["tooltip"]), "destination namespace") {
		t.Errorf("targetNamespace: announced %v, want no value and a tooltip naming the destination namespace", a)
	}
	if a := byName["tag"]; !strings.Contains(fmt.Sprint(a["tooltip"]), "ARGOCD_ENV_tag") {
		t.Errorf("tag: the tooltip should say the value comes from the plugin env: %v", a)
	}
}

// TestArgoCDGenerateFailures: a failing render must fail the sync with the
// reason on stderr and nothing on stdout (an empty output with exit 0
// would let a pruning sync delete the application's resources).
func TestArgoCDGenerateFailures(t *testing.T) {
	plugin, app := loadPlugin(t), loadApplication(t)
	instance := readFile(t, filepath.Join(repo, "examples", "argocd", "app", "orders.yaml"))
	cases := []struct {
		name   string
		files  map[string]string
		env    func([]string) []string
		stderr []string
	}{
		{"no instance", map[string]string{"app/README.md": "nothing here\n"}, nil,
			[]string{"no instance to render"}},
		{"unknown parameter", map[string]string{"app/orders.yaml": instance},
			func(env []string) []string { return append(env, "ARGOCD_ENV_tga=v2") },
			[]string{`unknown parameter "tga"`, `did you mean "tag"?`}},
		{"integer parameter", map[string]string{"app/orders.yaml": instance},
			func(env []string) []string {
				return append(env, `ARGOCD_APP_PARAMETERS=[{"name":"replicas","string":"three"}]`)
			},
			[]string{`parameter "replicas" is an integer, but "three" is not`}},
		{"missing required value", map[string]string{"app/orders.yaml": strings.Replace(instance, "    fleet: prod", "", 1)}, nil,
			[]string{`missing required value "fleet"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSidecar(t, c.files)
			env := generateEnv(t, app)
			if c.env != nil {
				env = c.env(env)
			}
			out, stderr, err := s.run(t, plugin.Spec.Generate, "app", env)
			if err == nil {
				t.Fatalf("generate succeeded, want exit 1; stdout:\n%s", out)
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Errorf("%v, want exit code 1", err)
			}
			if out != "" {
				t.Errorf("stdout must stay empty on failure, got:\n%s", out)
			}
			for _, want := range c.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

// TestArgoCDGenerate100Instances measures generate for a repository with
// 100 instances against Argo CD's default budget: the repo-server gives a
// plugin 60 s (server.repo.server.timeout.seconds), each command 90 s
// (ARGOCD_EXEC_TIMEOUT). "Well inside" here means at most a quarter of 60 s
// of CPU time.
func TestArgoCDGenerate100Instances(t *testing.T) {
	plugin, app := loadPlugin(t), loadApplication(t)
	instance := readFile(t, filepath.Join(repo, "examples", "argocd", "app", "orders.yaml"))
	files := map[string]string{}
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("svc-%03d", i)
		files[fmt.Sprintf("app/team-%d/%s.yaml", i%10, name)] = strings.Replace(instance, "name: orders", "name: "+name, 1)
	}
	s := newSidecar(t, files)
	start := time.Now()
	out, stderr, state, err := s.runState(t, plugin.Spec.Generate, "app", generateEnv(t, app))
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("generate: %v\nstderr:\n%s", err, stderr)
	}
	cpu := state.UserTime() + state.SystemTime()
	t.Logf("generate for 100 instances: %v wall, %v CPU (%d bytes)", elapsed.Round(time.Millisecond), cpu.Round(time.Millisecond), len(out))
	objs := validateKurator(t, parse(t, out))
	if len(objs) != 200 {
		t.Fatalf("want 200 resources (an Application and a Pipeline per instance), got %d", len(objs))
	}
	names := keys(objs)
	sort.Strings(names)
	if names[0] != "Application svc-000" || names[199] != "Pipeline svc-099" {
		t.Errorf("unexpected names: %s ... %s", names[0], names[199])
	}
	// CPU time is the plugin's own cost; wall time also counts whatever else
	// shares the machine, so it is only held to the timeout itself.
	if limit := 15 * time.Second; cpu > limit {
		t.Errorf("generate used %v CPU for 100 instances, more than %v (a quarter of Argo CD's default 60 s)", cpu, limit)
	}
	if limit := 60 * time.Second; elapsed > limit {
		t.Errorf("generate took %v for 100 instances: Argo CD would have timed out at %v", elapsed, limit)
	}
}

// repoServerDeployment has the parts of Argo CD's argocd-repo-server
// Deployment (manifests/base/repo-server) the sidecar patch relies on: the
// repo-server container, the init container that copies argocd-cmp-server
// into var-files, and the var-files, plugins and tmp volumes.
const repoServerDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
  labels:
    app.kubernetes.io/name: argocd-repo-server
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: argocd-repo-server
  template:
    metadata:
      labels:
        app.kubernetes.io/name: argocd-repo-server
    spec:
      initContainers:
      - name: copyutil
        image: quay.io/argoproj/argocd:v3.2.12
        command: [/bin/cp, -n, /usr/local/bin/argocd, /var/run/argocd/argocd-cmp-server]
        volumeMounts:
        - {name: var-files, mountPath: /var/run/argocd}
      containers:
      - name: argocd-repo-server
        image: quay.io/argoproj/argocd:v3.2.12
        volumeMounts:
        - {name: tmp, mountPath: /tmp}
        - {name: plugins, mountPath: /home/argocd/cmp-server/plugins}
      volumes:
      - {name: tmp, emptyDir: {}}
      - {name: var-files, emptyDir: {}}
      - {name: plugins, emptyDir: {}}
`

// TestArgoCDSidecarPatch builds Argo CD's repo-server with the install
// component, with the real kustomize, and checks the sidecar against what
// Argo CD requires of a CMP sidecar.
func TestArgoCDSidecarPatch(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join(repo, "examples", "argocd", "install"), filepath.Join(dir, "install"))
	for name, content := range map[string]string{
		"repo-server.yaml":   repoServerDeployment,
		"kustomization.yaml": "resources: [repo-server.yaml]\ncomponents: [install]\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	objs := parse(t, run(t, dir, kustomize, "build", "."))
	if len(objs) != 1 {
		t.Fatalf("want the Deployment, got %d objects", len(objs))
	}
	d := objs[0]
	var spec struct {
		Containers []struct {
			Name            string   `yaml:"name"`
			Image           string   `yaml:"image"`
			Command         []string `yaml:"command"`
			SecurityContext struct {
				RunAsNonRoot bool `yaml:"runAsNonRoot"`
				RunAsUser    int  `yaml:"runAsUser"`
			} `yaml:"securityContext"`
			VolumeMounts []struct {
				Name      string `yaml:"name"`
				MountPath string `yaml:"mountPath"`
				SubPath   string `yaml:"subPath"`
			} `yaml:"volumeMounts"`
		} `yaml:"containers"`
		Volumes []struct {
			Name     string    `yaml:"name"`
			EmptyDir *struct{} `yaml:"emptyDir"`
		} `yaml:"volumes"`
	}
	podSpec, err := d.Pipe(yaml.Lookup("spec", "template", "spec"))
	if err != nil || podSpec == nil {
		t.Fatal("no pod spec")
	}
	if err := yaml.Unmarshal([]byte(podSpec.MustString()), &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Containers) != 2 {
		t.Fatalf("want the repo-server container and the sidecar, got %+v", spec.Containers)
	}
	side, repoServer := spec.Containers[0], spec.Containers[1]
	if side.Name == "argocd-repo-server" {
		side, repoServer = repoServer, side
	}
	if repoServer.Name != "argocd-repo-server" || len(repoServer.VolumeMounts) != 2 || repoServer.Command != nil {
		t.Errorf("the repo-server container changed: %+v", repoServer)
	}
	if len(side.Command) != 1 || side.Command[0] != "/var/run/argocd/argocd-cmp-server" {
		t.Errorf("sidecar command %v: Argo CD requires /var/run/argocd/argocd-cmp-server as the entrypoint", side.Command)
	}
	if !side.SecurityContext.RunAsNonRoot || side.SecurityContext.RunAsUser != 999 {
		t.Errorf("sidecar security context %+v: Argo CD requires user 999", side.SecurityContext)
	}
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
	}
	mounts := map[string]string{}
	for _, m := range side.VolumeMounts {
		if !volumes[m.Name] {
			t.Errorf("sidecar mounts %s, which the Deployment does not define", m.Name)
		}
		mounts[m.MountPath] = m.Name
		if m.MountPath == "/home/argocd/cmp-server/config/plugin.yaml" {
			t.Errorf("plugin.yaml is mounted over the image's (from %s)", m.Name)
		}
	}
	if mounts["/var/run/argocd"] != "var-files" || mounts["/home/argocd/cmp-server/plugins"] != "plugins" {
		t.Errorf("sidecar mounts %v: want var-files at /var/run/argocd and plugins at /home/argocd/cmp-server/plugins", mounts)
	}
	if tmp := mounts["/tmp"]; tmp == "" || tmp == "tmp" {
		t.Errorf("sidecar /tmp is %q: it needs its own volume, not the repo-server's", tmp)
	}
	// The image the README tells to set is the one the patch uses.
	image, _, _ := strings.Cut(side.Image, ":")
	if !strings.Contains(readFile(t, filepath.Join(repo, "examples", "argocd", "README.md")), "- name: "+image+"\n") {
		t.Errorf("the README's images: entry does not name the sidecar image %s", image)
	}
}

// TestArgoCDSidecarImage reads examples/argocd/Dockerfile (no Docker here):
// the project's image, plugin.yaml where the cmp-server reads it, uid 999,
// and a plugin whose commands the image can run.
func TestArgoCDSidecarImage(t *testing.T) {
	text := readFile(t, filepath.Join(repo, "examples", "argocd", "Dockerfile"))
	instr := dockerInstructions(text)
	if froms := instr["FROM"]; len(froms) != 1 || froms[0] != "${BASE}" {
		t.Fatalf("FROM %v: want one stage on top of the scenario-fn image (FROM ${BASE})", froms)
	}
	base := regexp.MustCompile(`(?m)^ARG BASE=(\S+)$`).FindStringSubmatch(text)
	if base == nil || base[1] != "scenario-fn:dev" {
		t.Errorf("ARG BASE %v: want the image `make image` tags (scenario-fn:dev)", base)
	}
	if !strings.Contains(readFile(t, filepath.Join(repo, "Makefile")), "IMAGE      ?= scenario-fn:dev") {
		t.Error("make image no longer tags scenario-fn:dev: update examples/argocd/Dockerfile")
	}
	last := func(name string) string {
		if v := instr[name]; len(v) > 0 {
			return v[len(v)-1]
		}
		return ""
	}
	if got := last("COPY"); got != "plugin.yaml /home/argocd/cmp-server/config/plugin.yaml" {
		t.Errorf("COPY %s: plugin.yaml must land at /home/argocd/cmp-server/config/plugin.yaml", got)
	}
	if got := last("ENV"); got != "PATH=/usr/local/bin" {
		t.Errorf("ENV %s: the plugin's commands are looked up in PATH, which the scratch base does not set", got)
	}
	if got := last("USER"); got != "999:999" {
		t.Errorf("USER %s: Argo CD requires CMP sidecars to run as 999", got)
	}
	// The base image has the binary in that PATH, and the plugin's
	// commands call it by that name, without a shell.
	root := dockerInstructions(readFile(t, filepath.Join(repo, "Dockerfile")))
	copies := root["COPY"]
	if len(copies) == 0 || !strings.HasSuffix(copies[len(copies)-1], " /usr/local/bin/scenario-fn") {
		t.Errorf("the scenario-fn image puts the binary at %v, not /usr/local/bin/scenario-fn", copies)
	}
	p := loadPlugin(t)
	for _, c := range []cmpCommand{p.Spec.Discover.Find.cmpCommand, p.Spec.Generate, p.Spec.Parameters.Dynamic} {
		if argv := c.argv(); argv[0] != "scenario-fn" || argv[1] != "argocd" {
			t.Errorf("plugin command %v: the image has no shell; run scenario-fn argocd ... directly", argv)
		}
	}
}

// dockerInstructions returns a Dockerfile's instructions by name, in
// order, with continued lines joined and comments dropped.
func dockerInstructions(text string) map[string][]string {
	out := map[string][]string{}
	logical := ""
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if logical == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			logical += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		logical += trimmed
		name, args, _ := strings.Cut(logical, " ")
		out[strings.ToUpper(name)] = append(out[strings.ToUpper(name)], strings.TrimSpace(args))
		logical = ""
	}
	return out
}
