package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// membersInstance is a production fleet with two members and a canary
// service deployed to the members the selector picks.
const membersInstance = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: prod
  namespace: shop
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: FN
spec:
  extends: [platform-fleet, canary-service]
  values:
    members:
    - name: edge-sh
      labels: {region: cn-east, env: prod}
      kubeconfigSecret: edge-sh-kubeconfig
    - name: edge-bj
      labels: {region: cn-north, env: prod, topology.kurator.dev/zone: bj-1}
    image: ghcr.io/acme/orders
    tag: v1.4.2
    gitRepository: https://github.com/acme/orders
    fleet: prod
    clusterSelector: SELECTOR
`

// membersPackage writes a kustomization whose generator is the instance.
func membersPackage(t *testing.T, selector string, members string) string {
	t.Helper()
	dir := t.TempDir()
	inst := strings.Replace(membersInstance, "FN", fnBinary, 1)
	inst = strings.Replace(inst, "SELECTOR", selector, 1)
	if members != "" {
		start := strings.Index(inst, "    members:\n")
		end := strings.Index(inst, "    image:")
		inst = inst[:start] + members + inst[end:]
	}
	writeFile(t, filepath.Join(dir, "prod.yaml"), inst)
	writeFile(t, filepath.Join(dir, "kustomization.yaml"), "generators: [prod.yaml]\n")
	return dir
}

// TestFleetMembersThroughKustomize renders fleet members through
// `kustomize build --enable-alpha-plugins --enable-exec`: one AttachedCluster
// per member, created by the API server's create path from Kurator's own
// CRD, listed in the Fleet, and selected by the Application's
// clusterSelector with Kubernetes' label selector semantics.
func TestFleetMembersThroughKustomize(t *testing.T) {
	dir := membersPackage(t, "{region: cn-east}", "")
	out, stderr, err := runErr(repo, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	if strings.Contains(stderr, "warning") {
		t.Errorf("a selector that matches a member must not warn:\n%s", stderr)
	}
	if again := kustomizeBuild(t, dir); again != out {
		t.Errorf("a second render differs:\n%s", diff(out, again))
	}
	objs := parse(t, out)
	server, err := loadAPIServer(filepath.Join(repo, "kurator", "crds"))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		labels      map[string]string
		secret, key string
	}
	wantMembers := map[string]want{
		"prod-edge-sh": {map[string]string{"region": "cn-east", "env": "prod"}, "edge-sh-kubeconfig", "edge-sh-kubeconfig.config"},
		"prod-edge-bj": {map[string]string{"region": "cn-north", "env": "prod", "topology.kurator.dev/zone": "bj-1"}, "prod-edge-bj", "prod-edge-bj.config"},
	}
	members := map[string]map[string]string{}
	var fleet, app *yaml.RNode
	for _, o := range objs {
		switch o.GetKind() {
		case "Fleet":
			fleet = o
		case "Application":
			app = o
		case "AttachedCluster":
			text, err := o.String()
			if err != nil {
				t.Fatal(err)
			}
			errs, known := server.create([]byte(text))
			if !known {
				t.Fatal("the AttachedCluster CRD is not loaded")
			}
			if len(errs) > 0 {
				t.Errorf("the API server refuses %s: %v\n%s", o.GetName(), errs, text)
			}
			w, ok := wantMembers[o.GetName()]
			if !ok {
				t.Errorf("unexpected AttachedCluster %s", o.GetName())
				continue
			}
			if o.GetNamespace() != "shop" || o.GetApiVersion() != "cluster.kurator.dev/v1alpha1" {
				t.Errorf("%s: %s in namespace %s", o.GetName(), o.GetApiVersion(), o.GetNamespace())
			}
			if got := o.GetLabels(); !reflect.DeepEqual(got, w.labels) {
				t.Errorf("%s: labels %v, want %v", o.GetName(), got, w.labels)
			}
			if got := field(t, o, "spec", "kubeconfig", "name"); got != w.secret {
				t.Errorf("%s: kubeconfig Secret %q, want %q", o.GetName(), got, w.secret)
			}
			if got := field(t, o, "spec", "kubeconfig", "key"); got != w.key {
				t.Errorf("%s: kubeconfig key %q, want %q", o.GetName(), got, w.key)
			}
			members[o.GetName()] = o.GetLabels()
		}
	}
	if len(members) != len(wantMembers) {
		t.Fatalf("rendered AttachedClusters %v, want %d:\n%s", members, len(wantMembers), out)
	}
	if fleet == nil || app == nil {
		t.Fatalf("no Fleet or Application in:\n%s", out)
	}
	clusters, err := fleet.Pipe(yaml.Lookup("spec", "clusters"))
	if err != nil || clusters == nil {
		t.Fatalf("Fleet without spec.clusters:\n%s", out)
	}
	var listed []string
	for _, c := range clusters.Content() {
		n := yaml.NewRNode(c)
		listed = append(listed, field(t, n, "name")+"/"+field(t, n, "kind"))
	}
	if want := []string{"prod-edge-sh/AttachedCluster", "prod-edge-bj/AttachedCluster"}; !reflect.DeepEqual(listed, want) {
		t.Errorf("Fleet spec.clusters %v, want %v", listed, want)
	}
	// The Application's selector, evaluated as Kurator's controller does
	// (a label selector over the fleet's clusters).
	sel, err := app.Pipe(yaml.Lookup("spec", "destination", "clusterSelector", "matchLabels"))
	if err != nil || sel == nil {
		t.Fatalf("Application without clusterSelector:\n%s", out)
	}
	matchLabels := map[string]string{}
	if err := sel.YNode().Decode(&matchLabels); err != nil {
		t.Fatal(err)
	}
	selector := labels.SelectorFromSet(matchLabels)
	var selected []string
	for name, ls := range members {
		if selector.Matches(labels.Set(ls)) {
			selected = append(selected, name)
		}
	}
	if !reflect.DeepEqual(selected, []string{"prod-edge-sh"}) {
		t.Errorf("selector %v selects %v, want [prod-edge-sh]", matchLabels, selected)
	}
	if field(t, app, "spec", "destination", "fleet") != "prod" {
		t.Errorf("Application deploys to fleet %q, want prod", field(t, app, "spec", "destination", "fleet"))
	}
}

// TestFleetMembersProblemsThroughKustomize: kustomize shows only stderr, so
// the member errors (naming the instance and the value path) and the
// selector warning must be there; an error fails the build. kustomize does
// not tell a generator its config's file: scenario-fn render of the same
// package names it.
func TestFleetMembersProblemsThroughKustomize(t *testing.T) {
	dup := "    members:\n    - name: edge-sh\n    - name: edge-sh\n      lables: {env: prod}\n"
	dir := membersPackage(t, "{env: prod}", dup)
	out, stderr, err := runErr(repo, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	if _, failed := err.(*exec.ExitError); !failed {
		t.Fatalf("want a failed build, got %v:\n%s", err, out)
	}
	for _, want := range []string{
		`spec.values.members.[name=edge-sh]: "edge-sh" is listed twice in "members"`,
		`spec.values.members.[name=edge-sh].lables: unknown key "lables"`,
		`did you mean "labels"?`,
		"ScenarioTemplate shop/prod",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, stderr, err := runErr(repo, fnBinary, "render", dir); err == nil || !strings.Contains(stderr, "prod.yaml: ScenarioTemplate shop/prod: spec.values.members.[name=edge-sh]") {
		t.Errorf("scenario-fn render: want a failure naming prod.yaml, got %v:\n%s", err, stderr)
	}

	dir = membersPackage(t, "{env: staging}", "")
	out, stderr, err = runErr(repo, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	if err != nil {
		t.Fatalf("a warning must not fail the build: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "kind: AttachedCluster") {
		t.Errorf("no AttachedCluster in the output:\n%s", out)
	}
	for _, want := range []string{"warning: Application shop/prod: spec.destination.clusterSelector.matchLabels: clusterSelector {env: staging} matches none of Fleet prod's members", "prod-edge-sh {env: prod, region: cn-east}"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestFleetMembersThroughKpt: kpt fn eval writes the members next to the
// Fleet (generated/prod.yaml) and a second run changes nothing.
func TestFleetMembersThroughKpt(t *testing.T) {
	requireKpt(t)
	dir := membersPackage(t, "{region: cn-north}", "")
	if err := os.Remove(filepath.Join(dir, "kustomization.yaml")); err != nil { // not a KRM object: kpt would pass it as an item
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "Kptfile"), "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: prod\n")
	run(t, dir, kpt, "fn", "eval", ".", "--exec", fnBinary, "--fn-config", "prod.yaml")
	first := readTree(t, dir)
	objs := validateKurator(t, parse(t, first["generated/prod.yaml"]))
	for _, want := range []string{"Fleet prod", "AttachedCluster prod-edge-sh", "AttachedCluster prod-edge-bj"} {
		if objs[want] == nil {
			t.Errorf("kpt fn eval: no %s in generated/prod.yaml (%v)", want, keys(objs))
		}
	}
	if got := objs["AttachedCluster prod-edge-bj"]; got != nil && got.GetLabels()["region"] != "cn-north" {
		t.Errorf("prod-edge-bj labels %v", got.GetLabels())
	}
	run(t, dir, kpt, "fn", "eval", ".", "--exec", fnBinary, "--fn-config", "prod.yaml")
	if again := readTree(t, dir); !equalTrees(again, first) {
		t.Error("a second kpt fn eval changed the package")
	}
}
