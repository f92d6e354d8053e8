package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kurator-scenario/scenario-fn/generators"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// argoInstanceYAML is a web-service instance; name "" leaves the name out.
func argoInstanceYAML(name string) string {
	meta := "metadata:\n"
	image := "ghcr.io/acme/svc"
	if name != "" {
		meta += "  name: " + name + "\n"
		image += "-" + name
	}
	return `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
` + meta + `  annotations:
    config.kubernetes.io/function: |
      exec: {path: scenario-fn}
spec:
  extends: [web-service]
  values:
    image: ` + image + `
    tag: v1.0.0
    gitRepository: https://github.com/acme/x
    fleet: prod
`
}

// argoDir writes files into a fresh directory and makes it the working
// directory, as the cmp-server does.
func argoDir(t *testing.T, files map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
}

func runArgo(t *testing.T, cmd string, env map[string]string) (string, string, int) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	code := Main([]string{"argocd", cmd}, IO{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
	return stdout.String(), stderr.String(), code
}

func byKindName(t *testing.T, out string) map[string]*yaml.RNode {
	t.Helper()
	m := map[string]*yaml.RNode{}
	for _, doc := range strings.Split(out, "\n---\n") {
		n, err := yaml.Parse(doc)
		if err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		m[n.GetKind()+" "+n.GetName()] = n
	}
	return m
}

func argoLookup(t *testing.T, n *yaml.RNode, path ...string) string {
	t.Helper()
	v, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil {
		t.Fatalf("%s has no %v", n.GetName(), path)
	}
	return v.YNode().Value
}

// Unqualified names set the parameter of every instance, INSTANCE/P one
// instance's; parameters apply after plugin env entries.
func TestArgoCDOverridesPerInstance(t *testing.T) {
	argoDir(t, map[string]string{"a.yaml": argoInstanceYAML("a"), "b.yaml": argoInstanceYAML("b")})
	out, stderr, code := runArgo(t, "generate", map[string]string{
		"ARGOCD_APP_NAMESPACE":  "shop",
		"ARGOCD_ENV_b/tag":      "v7", // sorts before "tag", applies after it
		"ARGOCD_ENV_tag":        "v9",
		"ARGOCD_ENV_b/branch":   "release",
		"ARGOCD_APP_PARAMETERS": `[{"name":"b/replicas","string":"5"},{"name":"a/tag","string":"v11"},{"name":"replicas","string":"4"}]`,
	})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	objs := byKindName(t, out)
	for _, name := range []string{"a", "b"} {
		app := objs["Application "+name]
		if app == nil || app.GetNamespace() != "shop" {
			t.Fatalf("Application %s missing or not in shop:\n%s", name, out)
		}
		// a: parameter a/tag over env tag; b: env b/tag over env tag.
		wantTag := map[string]string{"a": "v11", "b": "v7"}[name]
		if got := argoLookup(t, app, "spec", "syncPolicies", "[name=default]", "kustomization", "images", "0", "newTag"); got != wantTag {
			t.Errorf("%s: tag %q, want %s", name, got, wantTag)
		}
		// a: parameter replicas; b: parameter b/replicas, listed first, applied after.
		patch := argoLookup(t, app, "spec", "syncPolicies", "[name=default]", "kustomization", "patches", "0", "patch")
		want := map[string]string{"a": `"value":4`, "b": `"value":5`}[name]
		if !strings.Contains(patch, `"path":"/spec/replicas",`+want) {
			t.Errorf("%s: replicas patch %s, want %s", name, patch, want)
		}
		branch := argoLookup(t, app, "spec", "source", "gitRepository", "ref", "branch")
		if wantBranch := map[string]string{"a": "main", "b": "release"}[name]; branch != wantBranch {
			t.Errorf("%s: branch %q, want %q", name, branch, wantBranch)
		}
	}
}

func TestArgoCDNameFromApplication(t *testing.T) {
	for _, appName := range []string{"payments", "team-pay_payments"} {
		t.Run(appName, func(t *testing.T) { testArgoCDNameFromApplication(t, appName) })
	}
}

func testArgoCDNameFromApplication(t *testing.T, appName string) {
	argoDir(t, map[string]string{"svc.yaml": argoInstanceYAML("")})
	out, stderr, code := runArgo(t, "generate", map[string]string{"ARGOCD_APP_NAME": appName, "ARGOCD_APP_NAMESPACE": "pay"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	objs := byKindName(t, out)
	if objs["Application payments"] == nil || objs["Pipeline payments"] == nil {
		t.Fatalf("want resources named after ARGOCD_APP_NAME, got:\n%s", out)
	}
	if got := objs["Application payments"].GetAnnotations()[generators.AnnotationInstance]; got != "pay/payments" {
		t.Errorf("instance annotation %q", got)
	}
}

func TestArgoCDOverrideErrors(t *testing.T) {
	cases := map[string]struct {
		env  map[string]string
		want string
	}{
		"unknown instance": {map[string]string{"ARGOCD_ENV_c/tag": "x"}, `no instance "c"`},
		"not declared by that instance": {map[string]string{"ARGOCD_APP_PARAMETERS": `[{"name":"a/tga","string":"x"}]`},
			`unknown parameter "tga": no template of instance a declares it (fix: did you mean "tag"?`},
		"map for a string":     {map[string]string{"ARGOCD_APP_PARAMETERS": `[{"name":"tag","map":{"a":"b"}}]`}, `parameter "tag" is a string, but a map was given`},
		"array for an integer": {map[string]string{"ARGOCD_APP_PARAMETERS": `[{"name":"replicas","array":["1"]}]`}, `parameter "replicas" is an integer, but an array was given`},
		"array text for object": {map[string]string{"ARGOCD_APP_PARAMETERS": `[{"name":"resources","string":"[1]"}]`},
			`parameter "resources" is an object, but "[1]" is not`},
		"not Argo CD's JSON": {map[string]string{"ARGOCD_APP_PARAMETERS": `{"name":"tag"}`}, "ARGOCD_APP_PARAMETERS is not Argo CD's parameter list"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			argoDir(t, map[string]string{"a.yaml": argoInstanceYAML("a"), "b.yaml": argoInstanceYAML("b")})
			out, stderr, code := runArgo(t, "generate", c.env)
			if code != 1 || out != "" {
				t.Fatalf("exit %d, stdout %q; want 1 and nothing", code, out)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr lacks %q:\n%s", c.want, stderr)
			}
		})
	}
}

func TestArgoValueCollections(t *testing.T) {
	arr := []string{"b", "a"}
	dict := map[string]string{"z": "1", "a": "${X}"}
	text := "3"
	cases := []struct {
		typ  string
		o    override
		want string
	}{
		{"array", override{array: &arr}, "- b\n- a\n"},
		{"object", override{dict: &dict}, "a: ${X}\nz: \"1\"\n"},
		{"object", override{str: ptr(`{"x": {"y": [1, 2]}}`)}, "x:\n  y:\n  - 1\n  - 2\n"},
		{"integer", override{str: &text}, "3\n"},
		{"integer", override{str: ptr("${REPLICAS}")}, "${REPLICAS}\n"},
		{"boolean", override{str: ptr("true")}, "true\n"},
		{"string", override{str: ptr("007")}, "\"007\"\n"},
	}
	for _, c := range cases {
		n, err := argoValue(&generators.Param{Name: "p", Type: c.typ}, c.o)
		if err != nil {
			t.Errorf("%s: %v", c.typ, err)
			continue
		}
		if got := n.MustString(); got != c.want {
			t.Errorf("%s %+v: got %q, want %q", c.typ, c.o, got, c.want)
		}
	}
}

func ptr(s string) *string { return &s }

// With several instances each announcement is INSTANCE/P; a required
// parameter without value is announced required, without a value.
func TestArgoCDParametersSeveralInstances(t *testing.T) {
	b := strings.Replace(argoInstanceYAML("b"), "    fleet: prod\n", "", 1)
	argoDir(t, map[string]string{"a.yaml": argoInstanceYAML("a"), "b.yaml": b})
	out, stderr, code := runArgo(t, "parameters", map[string]string{"ARGOCD_APP_NAMESPACE": "shop"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var list []announcement
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	got := map[string]announcement{}
	for _, a := range list {
		got[a.Name] = a
	}
	web := generators.Catalog()["web-service"]
	chain, problems := (&generators.Resolver{}).Chain(web) // its parents
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	params, problems := generators.Parameters(append(chain, web))
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	if len(params) == 0 || len(list) != 2*len(params) {
		t.Fatalf("announced %d, want %d", len(list), 2*len(params))
	}
	for _, p := range params {
		for _, inst := range []string{"a", "b"} {
			if _, ok := got[inst+"/"+p.Name]; !ok {
				t.Errorf("%s/%s not announced", inst, p.Name)
			}
		}
	}
	if a := got["a/fleet"]; a.String == nil || *a.String != "prod" || a.Required {
		t.Errorf("a/fleet: %+v", a)
	}
	if a := got["b/fleet"]; a.String != nil || !a.Required {
		t.Errorf("b/fleet has no value and is required: %+v", a)
	}
	if a := got["a/targetNamespace"]; a.String == nil || *a.String != "shop" {
		t.Errorf("a/targetNamespace: %+v, want shop (ARGOCD_APP_NAMESPACE)", a)
	}
	// Deterministic: the same bytes again.
	again, _, _ := runArgo(t, "parameters", nil)
	if diff := cmp.Diff(out, again); diff != "" {
		t.Errorf("parameters is not deterministic:\n%s", diff)
	}
}

func TestArgoCDHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"argocd", "--help"}, IO{Out: &out, Err: &errb}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"scenario-fn argocd", "Examples:", "ARGOCD_APP_PARAMETERS", "discover", "generate", "parameters"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("argocd --help lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := Main([]string{"--help"}, IO{Out: &out, Err: &errb}); code != 0 || !strings.Contains(out.String(), "\n  argocd") {
		t.Errorf("the top-level help does not list argocd:\n%s", out.String())
	}
	errb.Reset()
	if code := Main([]string{"argocd", "render"}, IO{Out: &out, Err: &errb}); code != 2 || !strings.Contains(errb.String(), `unknown argocd command "render"`) {
		t.Errorf("unknown subcommand: exit %d, stderr %s", code, errb.String())
	}
	errb.Reset()
	if code := Main([]string{"argocd", "generate", "."}, IO{Out: &out, Err: &errb}); code != 2 || !strings.Contains(errb.String(), "takes no arguments") {
		t.Errorf("generate with an argument: exit %d, stderr %s", code, errb.String())
	}
}

// Argo CD v2.6.0 to v2.7 ran discover in the repository root: the
// Application's path (ARGOCD_APP_SOURCE_PATH) decides, so an instance
// elsewhere in the repository does not claim it.
func TestArgoCDDiscoverFromTheRepositoryRoot(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"apps/orders", "apps/plain"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "apps/orders/orders.yaml"), []byte(argoInstanceYAML("orders")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "apps/plain/cm.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ wd, path, want string }{
		{"", "apps/orders", "orders.yaml\n"},            // old Argo CD: the root
		{"", "apps/plain", ""},                          // an instance elsewhere does not count
		{"apps/orders", "apps/orders", "orders.yaml\n"}, // current Argo CD: the app path
		{"apps/plain", "apps/plain", ""},
		{"apps/orders", "", "orders.yaml\n"},
	}
	for _, c := range cases {
		t.Run(c.wd+" "+c.path, func(t *testing.T) {
			t.Chdir(filepath.Join(root, c.wd))
			out, stderr, code := runArgo(t, "discover", map[string]string{"ARGOCD_APP_SOURCE_PATH": c.path})
			if code != 0 || out != c.want {
				t.Errorf("exit %d, stdout %q (want %q), stderr %s", code, out, c.want, stderr)
			}
		})
	}
}

// An instance written for Flux (spec.output.flux: escape) renders for
// Argo CD without Flux's escaping: nothing would turn $$ back into $.
func TestArgoCDIgnoresFluxEscaping(t *testing.T) {
	inst := argoInstanceYAML("a") + `  resources:
  - apiVersion: pipeline.kurator.dev/v1alpha1
    kind: Pipeline
    spec:
      tasks:
      - name: report
        customTask: {image: bash:5.2, script: 'echo "${CLUSTER:-x} $USER $$"'}
  output:
    flux: escape
`
	argoDir(t, map[string]string{"a.yaml": inst})
	out, stderr, code := runArgo(t, "generate", nil)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	script := argoLookup(t, byKindName(t, out)["Pipeline a"], "spec", "tasks", "[name=report]", "customTask", "script")
	if script != `echo "${CLUSTER:-x} $USER $$"` {
		t.Errorf("script %q, want it as written", script)
	}
	// The same instance rendered for Flux is escaped: the test would
	// notice if the option did nothing.
	var rendered, errb bytes.Buffer
	if code := Main([]string{"render", "."}, IO{Out: &rendered, Err: &errb}); code != 0 || !strings.Contains(rendered.String(), "$$USER") {
		t.Fatalf("render (Flux path) did not escape: exit %d\n%s%s", code, rendered.String(), errb.String())
	}
}

// Arrays and objects of strings are announced as Argo CD arrays and maps;
// anything Argo CD's string collections would turn into strings, as JSON.
func TestArgoCDAnnouncedCollections(t *testing.T) {
	params := map[string]*generators.Param{
		"hosts":  {Name: "hosts", Type: "array"},
		"ports":  {Name: "ports", Type: "array"},
		"labels": {Name: "labels", Type: "object"},
		"limits": {Name: "limits", Type: "object"},
	}
	cases := map[string]struct {
		value string
		want  string
	}{
		"hosts":  {"[a.example, b.example]", `"collectionType":"array","array":["a.example","b.example"]`},
		"ports":  {"[80, 443]", `"collectionType":"string","string":"[80,443]"`},
		"labels": {"{team: shop, tier: web}", `"collectionType":"map","map":{"team":"shop","tier":"web"}`},
		"limits": {"{cpu: 1, debug: true}", `"collectionType":"string","string":"{\"cpu\":1,\"debug\":true}"`},
	}
	for name, c := range cases {
		a := announcement{Name: name, CollectionType: "string"}
		setAnnouncedValue(&a, params[name], yaml.MustParse(c.value))
		b, _ := json.Marshal(a)
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %s, want %s", name, b, c.want)
		}
	}
}
