package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/internal/benchdata"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestRenderMatchesKRMPath proves that `scenario-fn render` writes exactly
// the bytes the KRM function generates: each package is also turned into a
// ResourceList the way kpt would send it (every object an item annotated
// with its file, the instance as functionConfig), run through fn.Run from
// bytes to bytes, and the generated items are compared with render's
// output.
func TestRenderMatchesKRMPath(t *testing.T) {
	dirs := map[string]string{
		"three-level chain with overlays and a Secret": "testdata/explain/chain/in",
		"built-in web-service":                         "testdata/render/catalog-web-service/in",
		"local template with shell $":                  "testdata/render/flux-escape/in",
	}
	for _, name := range usableTemplates() {
		dirs["init "+name] = initPackage(t, name, "kustomize")
	}
	// Many instances of one package chain render concurrently and share
	// the chain's merge: the output must be what one render after the
	// other writes.
	dirs["24 instances of a package chain"] = writePackage(t, benchdata.Scenario(benchdata.Shape{Instances: 24, Depth: 2, Resources: 1}))
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main([]string{"render", dir}, IO{Out: &stdout, Err: &stderr}); code != 0 {
				t.Fatalf("render exit %d:\n%s", code, stderr.String())
			}
			want := krmPath(t, dir)
			if want == "" {
				t.Fatal("the KRM path generated nothing")
			}
			if diff := cmp.Diff(want, stdout.String()); diff != "" {
				t.Errorf("render differs from the KRM function (-krm +render):\n%s", diff)
			}
		})
	}
}

// krmPath runs every instance of dir through fn.Run and returns the
// generated items as render prints them.
func krmPath(t *testing.T, dir string) string {
	t.Helper()
	_, files, err := listFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var objects []*yaml.RNode
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			_ = n.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, f))
			objects = append(objects, n)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	var out bytes.Buffer
	for i, cfg := range objects {
		if !isInstance(cfg) {
			continue
		}
		var items []*yaml.RNode
		for j, it := range objects {
			if j != i {
				items = append(items, it.Copy())
			}
		}
		var in bytes.Buffer
		if err := (&krm.ResourceList{Items: items, FunctionConfig: cfg.Copy()}).Write(&in); err != nil {
			t.Fatal(err)
		}
		var rlOut, stderr bytes.Buffer
		if code := fn.Run(&krm.Context{Root: root}, in.Bytes(), &rlOut, &stderr); code != 0 {
			t.Fatalf("fn.Run exit %d:\n%s", code, stderr.String())
		}
		rl, err := krm.Read(rlOut.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if out.Len() > 0 {
			out.WriteString("---\n")
		}
		if err := writeYAML(&out, generatedBy(rl.Items, nil, instanceID(cfg))); err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}

// initPackage runs init for a built-in template with a sample value for
// every required parameter and returns the package directory.
func initPackage(t *testing.T, template, runner string, extra ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	args := append([]string{"init", "app", "--template", template, "--dir", dir, "--runner", runner}, extra...)
	args = append(args, sampleSets(t, template)...)
	var stdout, stderr bytes.Buffer
	if code := Main(args, IO{Out: &stdout, Err: &stderr}); code != 0 {
		t.Fatalf("init %s: exit %d:\n%s%s", template, code, stdout.String(), stderr.String())
	}
	return dir
}

// sampleValues are valid values for the required parameters of the
// built-in templates. A new required parameter must be added here.
var sampleValues = map[string]string{
	"image":          "ghcr.io/acme/app",
	"gitRepository":  "https://github.com/acme/app",
	"fleet":          "prod",
	"clusters":       "[{name: member1, kind: AttachedCluster}, {name: member2, kind: AttachedCluster}]",
	"tag":            "v1.0.0",
	"chart":          "app",
	"helmRepository": "https://charts.example.com",
	"ociRepository":  "oci://ghcr.io/acme/app-manifests",
	"host":           "app.example.com",
	"match":          "[{headers: {x-canary: {exact: insider}}}]",
	"backupBucket":   "velero",
	"backupEndpoint": "http://minio.example.com:9000",
	"backupSecret":   "minio-credentials",
	"brokerCluster":  "member1",
	"clusterCidrs":   "{member1: 10.10.0.0/24, member2: 10.12.0.0/24}",
	"serviceCidrs":   "{member1: 10.96.0.0/16, member2: 10.96.0.0/16}",
	"backupName":     "nightly",
	"sourceClusters": "[{kind: AttachedCluster, name: member1}]",
	"targetClusters": "[{kind: AttachedCluster, name: member2}]",
	"taskImage":      "golang:1.26.8",
	"script":         "make test",
}

func sampleSets(t *testing.T, template string) []string {
	t.Helper()
	res, problems := (&generators.Resolver{}).Resolve(generators.Catalog()[template])
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	var args []string
	for _, p := range res.Params {
		if !isRequired(p) {
			continue
		}
		v, ok := sampleValues[p.Name]
		if !ok {
			t.Fatalf("template %s: required parameter %q has no sample value: add one to sampleValues", template, p.Name)
		}
		args = append(args, "--set", p.Name+"="+v)
	}
	return args
}

// expectedResources returns "Kind name" of everything an instance named
// name of template generates (the naming rule applied to the resolved
// chain).
func expectedResources(t *testing.T, template, name string) []string {
	t.Helper()
	res, problems := (&generators.Resolver{}).Resolve(generators.Catalog()[template])
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	var out []string
	for _, n := range res.Resources {
		full := name
		if strings.HasPrefix(n.GetName(), "<") {
			continue // generated per element of a forEach parameter (none in a minimal instance)
		}
		if role := n.GetName(); role != "" {
			full += "-" + role
		}
		out = append(out, n.GetKind()+" "+full)
	}
	return out
}

func TestRenderOutFlagWritesOneFilePerInstance(t *testing.T) {
	dir := initPackage(t, "web-service", "flux")
	out := filepath.Join(dir, "rendered")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"render", dir, "--out", out, "--flux", "escape"}, IO{Out: &stdout, Err: &stderr}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "default", "app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var direct bytes.Buffer
	if code := Main([]string{"render", dir, "--flux", "escape"}, IO{Out: &direct, Err: &stderr}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if string(data) != direct.String() {
		t.Errorf("--out file differs from stdout:\n%s", cmp.Diff(direct.String(), string(data)))
	}
	// Rendering again must not read its own output as input.
	stdout.Reset()
	if code := Main([]string{"render", dir, "--out", out}, IO{Out: &stdout, Err: &stderr}); code != 0 {
		t.Fatalf("second render: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "wrote ") {
		t.Errorf("stdout: %s", stdout.String())
	}
}

// writePackage writes a benchmark package into a temporary directory.
func writePackage(t *testing.T, p benchdata.Package) string {
	t.Helper()
	dir := t.TempDir()
	for _, path := range p.Paths() {
		f := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(p[path]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
