package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kurator-scenario/scenario-fn/generators"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

// TestInitMissingRequiredFailsRender: a required value init was not given
// is a commented placeholder, and the first render fails with the
// generator's own message saying what to add.
func TestInitMissingRequiredFailsRender(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "orders")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"init", "orders", "--template", "web-service", "--dir", dir,
		"--set", "image=ghcr.io/acme/orders", "--set", "tag=v1.0.0", "--set", "fleet=prod"}, IO{Out: &stdout, Err: &stderr})
	if code != 0 {
		t.Fatalf("init: exit %d: %s", code, stderr.String())
	}
	inst, err := os.ReadFile(filepath.Join(dir, "orders.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	placeholder := "    # gitRepository: <Git URL of the application (http, https or ssh).>  # required\n"
	if !strings.Contains(string(inst), placeholder) {
		t.Errorf("no placeholder %q in:\n%s", placeholder, inst)
	}
	stdout.Reset()
	stderr.Reset()
	if code := Main([]string{"render", dir}, IO{Out: &stdout, Err: &stderr}); code != 1 {
		t.Fatalf("render: want exit 1, got %d", code)
	}
	for _, want := range []string{`missing required value "gitRepository"`, "add it under spec.values, e.g. gitRepository:"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("a failed render printed output:\n%s", stdout.String())
	}
}

// TestInitRendersEveryTemplate: for every usable built-in template and
// runner, init with the required values renders at once, and the output
// passes validate.
func TestInitRendersEveryTemplate(t *testing.T) {
	for _, name := range usableTemplates() {
		for _, runner := range runners {
			t.Run(name+"/"+runner, func(t *testing.T) {
				dir := initPackage(t, name, runner)
				var out, stderr bytes.Buffer
				if code := Main([]string{"render", dir}, IO{Out: &out, Err: &stderr}); code != 0 {
					t.Fatalf("render: exit %d:\n%s", code, stderr.String())
				}
				got := resourceNames(t, out.Bytes())
				if want := expectedResources(t, name, "app"); !reflect.DeepEqual(sorted(want), got) {
					t.Errorf("rendered %v, want %v", got, sorted(want))
				}
				var vout, verr bytes.Buffer
				if code := Main([]string{"validate", "-"}, IO{In: &out, Out: &vout, Err: &verr}); code != 0 {
					t.Errorf("validate: exit %d:\n%s%s", code, verr.String(), vout.String())
				}
			})
		}
	}
}

// TestSetMessages: --set values that do not fit are reported in the
// CLI's words (generators.ParseValue decides, TestParseValue there).
func TestSetMessages(t *testing.T) {
	enum := func(vals ...string) []*yaml.RNode {
		var out []*yaml.RNode
		for _, v := range vals {
			out = append(out, yaml.NewStringRNode(v))
		}
		return out
	}
	params := []*generators.Param{
		{Name: "replicas", Type: "integer"},
		{Name: "fleet", Type: "string"},
		{Name: "mesh", Type: "string", Enum: enum("istio", "kuma")},
		{Name: "labels", Type: "object"},
		{Name: "hosts", Type: "array"},
	}
	for set, want := range map[string]string{
		"replicas=three": `--set replicas=three: parameter "replicas" is an integer, but "three" is a string (fix: e.g. --set replicas=3)`,
		"replicas=1.5":   `--set replicas=1.5: parameter "replicas" is an integer, but "1.5" is a number (fix: e.g. --set replicas=3)`,
		"fleet=[a]":      `--set fleet=[a]: parameter "fleet" is a string, but "[a]" is an array (fix: quote it: --set fleet='"[a]"')`,
		"mesh=linkerd":   `--set mesh=linkerd: parameter "mesh" does not allow "linkerd" (fix: use one of istio, kuma)`,
		"labels=[k]":     `--set labels=[k]: parameter "labels" is an object, but "[k]" is an array (fix: e.g. --set labels='{key: value}')`,
		"hosts=~":        `--set hosts=~: parameter "hosts" is an array, but "~" is null (fix: e.g. --set hosts='[a, b]')`,
		"fleeet=prod":    `--set fleeet=prod: unknown parameter "fleeet" (fix: did you mean "fleet"? the template declares: fleet, hosts, labels, mesh, replicas)`,
	} {
		if _, msg := parseSets([]string{set}, params); msg != want {
			t.Errorf("%s:\n got %s\nwant %s", set, msg, want)
		}
	}
	values, msg := parseSets([]string{"replicas=3", "fleet=prod", "mesh=kuma", "hosts=[a, b]"}, params)
	if msg != "" {
		t.Fatal(msg)
	}
	for name, want := range map[string]string{"replicas": "3", "fleet": "prod", "mesh": "kuma", "hosts": "[a, b]"} {
		if got := flowString(values[name]); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
}

func TestInitFluxRenderScript(t *testing.T) {
	dir := initPackage(t, "observed-fleet", "flux")
	info, err := os.Stat(filepath.Join(dir, "render.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode()&0o111 == 0 {
		t.Errorf("render.sh is not executable: %v", info.Mode())
	}
	ks, err := os.ReadFile(filepath.Join(dir, "flux-kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: Kustomization", "prune: true", "substituteFrom:", "name: app-flux-vars",
		"THANOS_ACCESS_KEY", "THANOS_SECRET_KEY", "THANOS_S3_ENDPOINT"} {
		if !strings.Contains(string(ks), want) {
			t.Errorf("flux-kustomization.yaml lacks %q:\n%s", want, ks)
		}
	}
}

// --- end to end, with the real runners ------------------------------------

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// scenarioFn returns the scenario-fn binary: $SCENARIO_FN, else one built
// from the module root.
func scenarioFn(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SCENARIO_FN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scenario-fn-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "scenario-fn")
		cmd := exec.Command("go", "build", "-o", binary, ".")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// tool finds a runner: the environment variable, then the candidates.
func tool(env string, candidates ...string) string {
	if p := os.Getenv(env); p != "" {
		return p
	}
	for _, c := range candidates {
		if abs, err := filepath.Abs(c); err == nil {
			if info, err := os.Stat(abs); err == nil && !info.IsDir() {
				return abs
			}
		}
	}
	return ""
}

func copyBinary(t *testing.T, bin, dir string) {
	t.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "scenario-fn"), data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestE2EInitWithRealRunners runs init for every usable built-in template
// and renders the skeleton with kustomize and with kpt, exactly as its
// README says. The output must hold the template's resources and equal
// what scenario-fn render prints (as data: the runners reformat). kpt must
// write under the package and a second render must change nothing.
func TestE2EInitWithRealRunners(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	bin := scenarioFn(t)
	t.Run("kustomize", func(t *testing.T) {
		kustomize := tool("KUSTOMIZE", "../bin/kustomize")
		if kustomize == "" {
			// make unit installs it first; CI must never skip this half.
			if os.Getenv("CI") != "" {
				t.Fatal("kustomize not found in ./bin under CI: make unit installs it (make tools)")
			}
			t.Skip("SKIPPED: kustomize not found (set $KUSTOMIZE, or run make tools): THE KUSTOMIZE END-TO-END TEST DID NOT RUN")
		}
		for _, name := range usableTemplates() {
			t.Run(name, func(t *testing.T) {
				dir := initPackage(t, name, "kustomize")
				copyBinary(t, bin, dir)
				out := run(t, "", kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
				if got, want := resourceNames(t, out), sorted(expectedResources(t, name, "app")); !reflect.DeepEqual(got, want) {
					t.Fatalf("kustomize built %v, want %v:\n%s", got, want, out)
				}
				rendered := run(t, "", bin, "render", dir)
				if diff := cmp.Diff(normalise(t, rendered), normalise(t, out)); diff != "" {
					t.Errorf("kustomize output differs from scenario-fn render (-render +kustomize):\n%s", diff)
				}
			})
		}
	})
	t.Run("kpt", func(t *testing.T) {
		kpt := tool("KPT", "/usr/bin/kpt")
		if kpt == "" {
			if p, err := exec.LookPath("kpt"); err == nil {
				kpt = p
			}
		}
		if kpt == "" {
			t.Skip("SKIPPED: kpt not installed: THE KPT END-TO-END TEST DID NOT RUN")
		}
		for _, name := range usableTemplates() {
			t.Run(name, func(t *testing.T) {
				dir := initPackage(t, name, "kpt")
				copyBinary(t, bin, dir)
				// kpt resolves the Kptfile's exec path against its own working
				// directory: run it in the package, as the README says.
				run(t, dir, kpt, "fn", "render", ".", "--allow-exec")
				out, err := os.ReadFile(filepath.Join(dir, generators.DefaultOutputDir, "app.yaml"))
				if err != nil {
					t.Fatalf("kpt wrote no %s/app.yaml: %v", generators.DefaultOutputDir, err)
				}
				if got, want := resourceNames(t, out), sorted(expectedResources(t, name, "app")); !reflect.DeepEqual(got, want) {
					t.Fatalf("kpt rendered %v, want %v:\n%s", got, want, out)
				}
				rendered := run(t, "", bin, "render", dir)
				if diff := cmp.Diff(normalise(t, rendered), normalise(t, out)); diff != "" {
					t.Errorf("kpt output differs from scenario-fn render (-render +kpt):\n%s", diff)
				}
				before := readTree(t, dir)
				run(t, dir, kpt, "fn", "render", ".", "--allow-exec")
				if diff := cmp.Diff(before, readTree(t, dir)); diff != "" {
					t.Errorf("a second kpt render changed the package:\n%s", diff)
				}
			})
		}
	})
}

func run(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	return stdout.Bytes()
}

// docs splits a YAML stream into generic objects.
func docs(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	parsed, problems := parseDocuments(data, "output")
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	var out []map[string]any
	for _, d := range parsed {
		s, err := d.Node.String()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := k8syaml.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// resourceNames lists "Kind name" of a YAML stream, sorted.
func resourceNames(t *testing.T, data []byte) []string {
	t.Helper()
	var out []string
	for _, m := range docs(t, data) {
		md, _ := m["metadata"].(map[string]any)
		out = append(out, fmt.Sprintf("%v %v", m["kind"], md["name"]))
	}
	return sorted(out)
}

// normalise makes runner output comparable: runner annotations dropped,
// documents sorted by kind and name.
func normalise(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	out := docs(t, data)
	for _, m := range out {
		md, _ := m["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		for k := range ann {
			if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") {
				delete(ann, k)
			}
		}
		if ann != nil && len(ann) == 0 {
			delete(md, "annotations")
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return fmt.Sprint(out[i]["kind"], out[i]["metadata"]) < fmt.Sprint(out[j]["kind"], out[j]["metadata"])
	})
	return out
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
