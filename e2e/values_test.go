package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// valuesInstance is an instance of web-service with the given values lines.
func valuesInstance(values string) string {
	return `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  namespace: shop
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ` + fnBinary + `
spec:
  extends: [web-service]
  values:
    tag: v1.4.2
    gitRepository: https://github.com/acme/orders
` + values
}

// TestValueRules runs the value rules through the real runners: kustomize
// (generator), kpt fn eval and scenario-fn render agree on the output of
// good values, and each refuses bad ones with the same error, non-zero.
func TestValueRules(t *testing.T) {
	good := `    image: localhost:5000/acme/orders
    fleet: prod
    targetNamespace: null
    resources: {limits: {cpu: "1"}}
`
	bad := map[string]struct{ values, want string }{
		"required-null": {"    image: ghcr.io/acme/orders\n    fleet: null\n",
			`required parameter "fleet" is null (value in instance orders): it needs a value`},
		"image-with-tag": {"    image: ghcr.io/acme/orders:v1\n    fleet: prod\n",
			`(fix: set image: ghcr.io/acme/orders and tag: v1)`},
		"quantity": {"    image: ghcr.io/acme/orders\n    fleet: prod\n    resources: {limits: {memory: 1Gb}}\n",
			`"1Gb" is not a Kubernetes quantity (fix: write 1G or 1Gi`},
	}
	write := func(t *testing.T, instance string) string {
		dir := t.TempDir()
		for name, content := range map[string]string{
			"orders.yaml": instance,
			"kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" +
				"metadata:\n  name: orders\n  annotations: {config.kubernetes.io/local-config: \"true\"}\ngenerators:\n- orders.yaml\n",
		} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	checkGood := func(t *testing.T, runner, out string) {
		t.Helper()
		for _, want := range []string{
			"- name: localhost:5000/acme/orders\n",                                             // a registry port is not a tag
			`"limits":{"cpu":"1","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}`, // merged over the default
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", runner, want, out)
			}
		}
		for _, not := range []string{"targetNamespace", "set-by-the-"} {
			if strings.Contains(out, not) {
				t.Errorf("%s: output has %q:\n%s", runner, not, out)
			}
		}
	}

	t.Run("good", func(t *testing.T) {
		dir := write(t, valuesInstance(good))
		k := kustomizeBuild(t, dir)
		checkGood(t, "kustomize", k)
		r := run(t, dir, fnBinary, "render", "orders.yaml")
		checkGood(t, "render", r)
		if kpt != "" {
			run(t, dir, kpt, "fn", "eval", ".", "--exec", fnBinary, "--fn-config", "orders.yaml")
			data, err := os.ReadFile(filepath.Join(dir, "generated", "orders.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			checkGood(t, "kpt", string(data))
		} else {
			t.Log("SKIPPED the kpt half: kpt is not installed")
		}
	})
	for name, c := range bad {
		t.Run(name, func(t *testing.T) {
			dir := write(t, valuesInstance(c.values))
			runners := map[string][]string{
				"kustomize": {kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir},
				"render":    {fnBinary, "render", "orders.yaml"},
			}
			if kpt != "" {
				runners["kpt"] = []string{kpt, "fn", "eval", ".", "--exec", fnBinary, "--fn-config", "orders.yaml"}
			}
			for runner, argv := range runners {
				out, stderr, err := runErr(dir, argv[0], argv[1:]...)
				if err == nil {
					t.Errorf("%s: exit 0 for bad values; output:\n%s", runner, out)
				}
				if !strings.Contains(stderr, c.want) {
					t.Errorf("%s: stderr lacks %q:\n%s", runner, c.want, stderr)
				}
				if strings.Contains(out, "set-by-the-") {
					t.Errorf("%s: a placeholder reached the output:\n%s", runner, out)
				}
			}
		})
	}
}
