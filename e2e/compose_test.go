package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/generators"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// composeInstances are two instances of one service, as a platform with
// build and deployment in different places writes them: orders deploys
// web-service's Application only (its Pipeline deleted by an overlay);
// orders-build is the CI-only catalog template with a security scan placed
// right after git-clone and lint moved before the tests.
const composeInstances = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  namespace: shop
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: %[1]s
spec:
  extends: [web-service]
  values:
    image: ghcr.io/acme/orders
    tag: v1.4.2
    gitRepository: https://github.com/acme/orders
    fleet: prod
  overlays:
  - {apiVersion: pipeline.kurator.dev/v1alpha1, kind: Pipeline, $patch: delete}
---
apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders-build
  namespace: shop
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: %[1]s
spec:
  extends: [web-service-ci]
  values:
    image: ghcr.io/acme/orders
    tag: v1.4.2
  overlays:
  - apiVersion: pipeline.kurator.dev/v1alpha1
    kind: Pipeline
    spec:
      tasks:
      - name: trivy-scan
        $position: {after: git-clone}
        customTask:
          image: docker.io/aquasec/trivy:0.58.1
          command: [trivy]
          args: [fs, --exit-code, "1", --severity, "HIGH,CRITICAL", $(workspaces.source.path)]
      - name: go-lint
        $position: {before: go-test}
`

// TestComposeKustomize renders whole-resource deletion and $position
// through a real kustomize build with exec functions: no Pipeline for the
// deploy-only instance, no Application for the CI-only one, the tasks in
// the placed order, and no directive in the output.
func TestComposeKustomize(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "kustomization.yaml"), "generators:\n- instances.yaml\n")
	writeFile(t, filepath.Join(dir, "instances.yaml"), fmt.Sprintf(composeInstances, fnBinary))
	out := run(t, repo, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	if again := run(t, repo, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir); again != out {
		t.Errorf("a second build differs:\n%s", diff(out, again))
	}
	objs := validateKurator(t, parse(t, out))
	if got := keys(objs); !slices.Equal(got, []string{"Application orders", "Pipeline orders-build"}) {
		t.Fatalf("want Application orders and Pipeline orders-build only, got %v:\n%s", got, out)
	}
	tasks, err := objs["Pipeline orders-build"].Pipe(yaml.Lookup("spec", "tasks"))
	if err != nil || tasks == nil {
		t.Fatalf("Pipeline orders-build has no tasks:\n%s", out)
	}
	names, _ := tasks.ElementValues("name")
	if want := []string{"git-clone", "trivy-scan", "go-lint", "go-test", "build-and-push-image"}; !slices.Equal(names, want) {
		t.Errorf("tasks run in the order %v, want %v", names, want)
	}
	if img := field(t, objs["Application orders"], "spec", "syncPolicies", "[name=default]", "kustomization", "images", "0", "newTag"); img != "v1.4.2" {
		t.Errorf("the deploy-only Application runs tag %s", img)
	}
	for _, d := range []string{"$patch", "$position", "$setElementOrder"} {
		if strings.Contains(out, d) {
			t.Errorf("%s reached kustomize's output:\n%s", d, out)
		}
	}
}

// TestSetElementOrderMatchesKubernetes compares $setElementOrder on an
// Application's sync policies (a Pipeline must start with git-clone) with Kubernetes' own strategic merge patch
// (k8s.io/apimachinery strategicpatch) on a PodSpec's containers, which
// merge by name the same way: random inherited lists, random elements the
// patch adds or changes, random orders; the resulting order must be the
// same.
func TestSetElementOrderMatchesKubernetes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	all := []string{"a", "b", "c", "d", "e", "f", "g"}
	for i := range 300 {
		orig := pick(rng, all)
		if len(orig) == 0 {
			continue
		}
		order := pick(rng, all) // names of the original list and of new elements
		var patch []string      // the directive's elements the patch writes, in its order
		for _, n := range order {
			if !slices.Contains(orig, n) || rng.IntN(3) == 0 {
				patch = append(patch, n)
			}
		}
		want := kubernetesOrder(t, orig, patch, order)
		got := renderedOrder(t, orig, patch, order)
		if !slices.Equal(got, want) {
			t.Fatalf("case %d: list %v, patch %v, $setElementOrder %v: got %v, Kubernetes gives %v", i, orig, patch, order, got, want)
		}
	}
}

// pick returns a random subset of names in random order.
func pick(rng *rand.Rand, names []string) []string {
	out := slices.Clone(names)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:rng.IntN(len(out)+1)]
}

func kubernetesOrder(t *testing.T, orig, patch, order []string) []string {
	t.Helper()
	named := func(ns []string, image bool) []map[string]any {
		out := []map[string]any{}
		for _, n := range ns {
			m := map[string]any{"name": n}
			if image {
				m["image"] = "busybox"
			}
			out = append(out, m)
		}
		return out
	}
	o, _ := json.Marshal(map[string]any{"containers": named(orig, false)})
	p := map[string]any{"$setElementOrder/containers": named(order, false)}
	if len(patch) > 0 {
		p["containers"] = named(patch, true)
	}
	pj, _ := json.Marshal(p)
	merged, err := strategicpatch.StrategicMergePatch(o, pj, corev1.PodSpec{})
	if err != nil {
		t.Fatalf("strategicpatch: %v", err)
	}
	var spec corev1.PodSpec
	if err := json.Unmarshal(merged, &spec); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range spec.Containers {
		out = append(out, c.Name)
	}
	return out
}

func renderedOrder(t *testing.T, orig, patch, order []string) []string {
	t.Helper()
	policy := func(n string) string {
		return fmt.Sprintf("      - {name: %s, kustomization: {path: ./%s, prune: true, interval: 5m0s}}\n", n, n)
	}
	var b strings.Builder
	b.WriteString("apiVersion: scenario.kurator.dev/v1alpha1\nkind: ScenarioTemplate\nmetadata: {name: base}\nspec:\n  resources:\n" +
		"  - apiVersion: apps.kurator.dev/v1alpha1\n    kind: Application\n    spec:\n" +
		"      source: {gitRepository: {url: \"https://github.com/acme/orders\", interval: 3m0s, ref: {branch: main}}}\n      syncPolicies:\n")
	for _, n := range orig {
		b.WriteString(policy(n))
	}
	base, problems := generators.ParseTemplate(yaml.MustParse(b.String()), "base.yaml", false)
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	b.Reset()
	b.WriteString("apiVersion: scenario.kurator.dev/v1alpha1\nkind: ScenarioTemplate\nmetadata: {name: ci, namespace: shop}\nspec:\n  extends: [base]\n  overlays:\n" +
		"  - apiVersion: apps.kurator.dev/v1alpha1\n    kind: Application\n    spec:\n      $setElementOrder/syncPolicies:\n")
	for _, n := range order {
		fmt.Fprintf(&b, "      - {name: %s}\n", n)
	}
	if len(order) == 0 {
		b.WriteString("        []\n")
	}
	if len(patch) > 0 {
		b.WriteString("      syncPolicies:\n")
		for _, n := range patch {
			b.WriteString(policy(n))
		}
	}
	inst, problems := generators.ParseTemplate(yaml.MustParse(b.String()), "ci.yaml", false)
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	rv := &generators.Resolver{Package: map[string]*generators.Template{"base": base}}
	res, problems := rv.Render(inst, nil, false)
	if problems.HasErrors() {
		t.Fatalf("render: %v\n%s", problems, b.String())
	}
	policies, err := res.Resources[0].Pipe(yaml.Lookup("spec", "syncPolicies"))
	if err != nil {
		t.Fatal(err)
	}
	names, _ := policies.ElementValues("name")
	return names
}

// TestComposeKpt runs the same composition with kpt fn eval on a package:
// an overlay item of the package deletes web-service's Application, the
// instance places the scan; twice, and the second run changes nothing.
func TestComposeKpt(t *testing.T) {
	requireKpt(t)
	pkg := t.TempDir()
	writeFile(t, filepath.Join(pkg, "Kptfile"), "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: orders\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n")
	writeFile(t, filepath.Join(pkg, "orders.yaml"), `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  namespace: shop
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  extends: [web-service]
  values: {image: ghcr.io/acme/orders, tag: v1.4.2}
  overlays:
  - apiVersion: pipeline.kurator.dev/v1alpha1
    kind: Pipeline
    spec:
      tasks:
      - name: trivy-scan
        $position: {after: git-clone}
        customTask: {image: docker.io/aquasec/trivy:0.58.1, command: [trivy], args: [fs, $(workspaces.source.path)]}
`)
	writeFile(t, filepath.Join(pkg, "overlays", "ci-only.yaml"), `# CI only in this package: the deployment lives elsewhere.
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata:
  name: orders
  annotations:
    scenario.kurator.dev/overlay: orders
$patch: delete
`)
	run(t, pkg, kpt, "fn", "eval", ".", "--exec", fnBinary, "--fn-config", "orders.yaml")
	first := readTree(t, pkg)
	out := first["generated/orders.yaml"]
	objs := validateKurator(t, parse(t, out))
	if got := keys(objs); !slices.Equal(got, []string{"Pipeline orders"}) {
		t.Fatalf("kpt fn eval generated %v; package:\n%v", got, first)
	}
	tasks, _ := objs["Pipeline orders"].Pipe(yaml.Lookup("spec", "tasks"))
	names, _ := tasks.ElementValues("name")
	if want := []string{"git-clone", "trivy-scan", "go-test", "go-lint", "build-and-push-image"}; !slices.Equal(names, want) {
		t.Errorf("tasks run in the order %v, want %v", names, want)
	}
	for _, d := range []string{"$patch", "$position"} {
		if strings.Contains(out, d) {
			t.Errorf("%s reached the generated file:\n%s", d, out)
		}
	}
	run(t, pkg, kpt, "fn", "eval", ".", "--exec", fnBinary, "--fn-config", "orders.yaml")
	if again := readTree(t, pkg); !equalTrees(again, first) {
		t.Errorf("a second kpt fn eval changed the package:\n%v\n---\n%v", first, again)
	}
}
