package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fluxkustomize "github.com/fluxcd/pkg/kustomize"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// substitute applies Flux's post-build substitution (strict) to every
// object of rendered, as kustomize-controller does: variables from the
// Kustomization's substitute and from the Secrets its substituteFrom names.
func substitute(t *testing.T, rendered string, secret map[string]string) ([]*yaml.RNode, error) {
	t.Helper()
	ksNode, err := yaml.ReadFile(filepath.Join(repo, "examples/flux/clusters/prod/scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ksMap, err := ksNode.Map()
	if err != nil {
		t.Fatal(err)
	}
	ks := unstructured.Unstructured{Object: ksMap}
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	data := map[string][]byte{}
	for k, v := range secret {
		data[k] = []byte(v)
	}
	client := fake.NewClientBuilder().WithScheme(scheme).WithObjects(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "thanos-credentials", Namespace: "flux-system"}, Data: data,
	}).Build()
	factory := provider.NewDefaultDepProvider().GetResourceFactory()
	var out []*yaml.RNode
	for _, n := range parse(t, rendered) {
		res, err := factory.FromBytes([]byte(n.MustString()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := fluxkustomize.SubstituteVariables(context.Background(), client, ks, res, fluxkustomize.SubstituteWithStrict(true))
		if err != nil {
			return nil, err
		}
		if got == nil { // substitution disabled for this object
			out = append(out, n)
			continue
		}
		b, err := got.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		sn, err := yaml.Parse(string(b))
		if err != nil {
			t.Fatalf("Flux's output does not parse: %v\n%s", err, b)
		}
		out = append(out, sn)
	}
	return out, nil
}

var credentials = map[string]string{"THANOS_ACCESS_KEY": "AKIA-e2e", "THANOS_SECRET_KEY": "s3cr3t-e2e"}

func TestFluxPostBuild(t *testing.T) {
	rendered := kustomizeBuild(t, "examples/flux/scenario")
	if again := kustomizeBuild(t, "examples/flux/scenario"); again != rendered {
		t.Errorf("a second render differs:\n%s", diff(rendered, again))
	}
	golden(t, filepath.Join(repo, "examples/flux/rendered/resources.yaml"), rendered)
	validateKurator(t, parse(t, rendered))

	objs, err := substitute(t, rendered, credentials)
	if err != nil {
		t.Fatalf("Flux post-build substitution failed on our output: %v", err)
	}
	byName := validateKurator(t, objs)

	secret := byName["Secret prod-thanos-objstore"]
	if secret == nil {
		t.Fatalf("no Thanos Secret in %v", keys(byName))
	}
	objstore := value(t, secret, "stringData", "objstore.yml")
	for _, want := range []string{"bucket: prod-metrics", "endpoint: minio.storage.svc:9000", "access_key: AKIA-e2e", "secret_key: s3cr3t-e2e"} {
		if !strings.Contains(objstore, want) {
			t.Errorf("objstore.yml lacks %q after substitution:\n%s", want, objstore)
		}
	}
	if got := field(t, byName["Fleet prod"], "spec", "plugin", "metric", "thanos", "objectStoreConfig", "secretName"); got != "prod-thanos-objstore" {
		t.Errorf("Fleet points at Secret %q", got)
	}

	pipe := byName["Pipeline orders"]
	region, err := pipe.Pipe(yaml.Lookup("metadata", "labels", "region"))
	if err != nil || region == nil || region.YNode().Value != "eu-west-1" || region.YNode().ShortTag() != yaml.NodeTagString {
		t.Errorf("region label after substitution: %v", region)
	}
	// The shell script must come out of Flux exactly as the template wrote it.
	wantScript := scriptOf(t, filepath.Join(repo, "examples/flux/scenario/orders.yaml"))
	gotScript := value(t, pipe, "spec", "tasks", "[name=smoke-report]", "customTask", "script")
	if gotScript != wantScript {
		t.Errorf("Flux changed the shell script:\nwant:\n%s\ngot:\n%s", wantScript, gotScript)
	}
	for _, o := range objs {
		assertNoNulls(t, o)
		if o.GetKind() != "Pipeline" && strings.Contains(o.MustString(), "${") {
			t.Errorf("%s %s still has a ${...} after substitution", o.GetKind(), o.GetName())
		}
	}
}

// TestFluxStrictNeedsEveryVariable proves the placeholders are real Flux
// variables: without the Secret's keys, strict substitution fails.
func TestFluxStrictNeedsEveryVariable(t *testing.T) {
	rendered := readFile(t, filepath.Join(repo, "examples/flux/rendered/resources.yaml"))
	_, err := substitute(t, rendered, map[string]string{"THANOS_ACCESS_KEY": "x"})
	if err == nil || !strings.Contains(err.Error(), "THANOS_SECRET_KEY") {
		t.Fatalf("want a strict-mode error naming THANOS_SECRET_KEY, got %v", err)
	}
}

// TestFluxWithoutEscapeEatsShellVariables shows why spec.output.flux
// exists: rendered with flux: none, Flux substitutes the script's own
// ${CLUSTER:-unknown} and $$.
func TestFluxWithoutEscapeEatsShellVariables(t *testing.T) {
	dir := t.TempDir()
	src := readFile(t, filepath.Join(repo, "examples/flux/scenario/orders.yaml"))
	if !strings.Contains(src, "  output:\n    flux: escape\n") {
		t.Fatal("examples/flux/scenario/orders.yaml no longer sets output.flux: escape")
	}
	src = strings.Replace(src, "  output:\n    flux: escape\n", "  output:\n    flux: none\n", 1)
	src = strings.Replace(src, "../../../bin/scenario-fn", fnBinary, 1)
	if err := os.WriteFile(filepath.Join(dir, "orders.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("generators: [orders.yaml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rendered := run(t, dir, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if !strings.Contains(rendered, `${CLUSTER:-unknown}`) {
		t.Fatalf("flux: none must leave the script as is:\n%s", rendered)
	}
	objs, err := substitute(t, rendered, credentials)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.GetKind() == "Pipeline" {
			script := value(t, o, "spec", "tasks", "[name=smoke-report]", "customTask", "script")
			if strings.Contains(script, "${CLUSTER") || !strings.Contains(script, "built for unknown") {
				t.Errorf("expected Flux to consume ${CLUSTER:-unknown} when not escaped:\n%s", script)
			}
		}
	}
}

func scriptOf(t *testing.T, file string) string {
	t.Helper()
	n, err := yaml.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return value(t, n, "spec", "resources", "0", "spec", "tasks", "[name=smoke-report]", "customTask", "script")
}

// value returns the text of the scalar at path.
func value(t *testing.T, n *yaml.RNode, path ...string) string {
	t.Helper()
	v, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil || v.YNode().Kind != yaml.ScalarNode {
		t.Fatalf("%s %s has no scalar %s", n.GetKind(), n.GetName(), strings.Join(path, "."))
	}
	return v.YNode().Value
}

func assertNoNulls(t *testing.T, n *yaml.RNode) {
	t.Helper()
	var visit func(y *yaml.Node, path string)
	visit = func(y *yaml.Node, path string) {
		if y.Kind == yaml.ScalarNode && y.ShortTag() == yaml.NodeTagNull {
			t.Errorf("%s %s: %s is null after substitution (an unset variable?)", n.GetKind(), n.GetName(), path)
		}
		for i := 0; i+1 < len(y.Content) && y.Kind == yaml.MappingNode; i += 2 {
			visit(y.Content[i+1], path+"."+y.Content[i].Value)
		}
		if y.Kind == yaml.SequenceNode {
			for _, c := range y.Content {
				visit(c, path+"[]")
			}
		}
	}
	visit(n.YNode(), "")
}
