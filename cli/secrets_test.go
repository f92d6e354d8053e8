package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliSecrets must never be printed by explain, validate or render's
// messages (render's output is the package itself and keeps them).
var cliSecrets = []string{"Cli-Token-Secret-1", "Grafana-Pass-42", "Adm1n-Pass-X", "Hook-Secret-77", "AKIAIOSFODNN7EXAMPLE", "Url-Pass-5"}

const secretTeam = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: team
spec:
  parameters:
  - {name: adminPassword, type: integer}
  - {name: replicas, type: integer, default: 1, targets: [{select: {kind: Fleet}, fieldPaths: [spec.plugin.grafana.extraArgs.replicaCount], options: {create: true}}]}
  resources:
  - apiVersion: v1
    kind: Secret
    metadata: {name: git}
    stringData:
      token: Cli-Token-Secret-1
  - apiVersion: fleet.kurator.dev/v1alpha1
    kind: Fleet
    spec:
      clusters: [{name: member1, kind: AttachedCluster}]
      plugin:
        grafana:
          extraArgs:
            auth: {adminPassword: Grafana-Pass-42, adminUser: admin}
            webhook: {url: "https://bot:Url-Pass-5@hooks.example.com/x"}
            notifier: {webhookSecret: Hook-Secret-77, region: AKIAIOSFODNN7EXAMPLE}
`

func secretPackage(t *testing.T, values string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"platform/team.yaml": secretTeam,
		"orders.yaml": `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  namespace: shop
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ./scenario-fn
spec:
  extends: [team]
  values:
` + values,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func checkNoSecrets(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range cliSecrets {
		if strings.Contains(out, s) {
			t.Errorf("%s prints secret %q:\n%s", what, s, out)
		}
	}
}

func TestExplainMasksCredentials(t *testing.T) {
	dir := secretPackage(t, "    replicas: 2\n")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"explain", dir}, IO{Out: &stdout, Err: &stderr}); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	out := stdout.String()
	checkNoSecrets(t, "explain", out+stderr.String())
	for _, want := range []string{"token: '***'", "adminPassword: '***'", "webhookSecret: '***'", "https://bot:***@hooks.example.com/x",
		"adminUser: admin", "replicaCount: 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain does not show %q:\n%s", want, out)
		}
	}
	for field, want := range map[string]string{
		"Fleet:spec.plugin.grafana.extraArgs.auth.adminPassword": "spec.plugin.grafana.extraArgs.auth.adminPassword: ***  # template team",
		"Fleet:spec.plugin.grafana.extraArgs.webhook.url":        "spec.plugin.grafana.extraArgs.webhook.url: https://bot:***@hooks.example.com/x  # template team",
		"Secret:stringData": "stringData.token: ***  # template team",
	} {
		stdout.Reset()
		stderr.Reset()
		if code := Main([]string{"explain", dir, "--field", field}, IO{Out: &stdout, Err: &stderr}); code != 0 {
			t.Fatalf("--field %s: exit %d:\n%s", field, code, stderr.String())
		}
		checkNoSecrets(t, "explain --field "+field, stdout.String()+stderr.String())
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--field %s: want %q in:\n%s", field, want, stdout.String())
		}
	}
}

// TestCommandsMaskCredentialsInErrors sends secrets through the error paths
// of explain, render and validate: a value of the wrong type under a
// credential key, and a Kurator validation error in a resource that holds
// credentials.
func TestCommandsMaskCredentialsInErrors(t *testing.T) {
	dir := secretPackage(t, "    adminPassword: Adm1n-Pass-X\n")
	for _, cmd := range []string{"explain", "render"} {
		var stdout, stderr bytes.Buffer
		if code := Main([]string{cmd, dir}, IO{Out: &stdout, Err: &stderr}); code != 1 {
			t.Fatalf("%s: exit %d, want 1:\n%s", cmd, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), `spec.values.adminPassword: value "***" is a string, but parameter "adminPassword" is an integer`) {
			t.Errorf("%s: the error path did not run:\n%s", cmd, stderr.String())
		}
		checkNoSecrets(t, cmd, stdout.String()+stderr.String())
	}

	fleet := filepath.Join(t.TempDir(), "fleet.yaml")
	if err := os.WriteFile(fleet, []byte(`apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: Bad_Name, namespace: shop}
spec:
  clusters: [{name: m, kind: Machine}]
  plugin:
    grafana:
      extraArgs: {auth: {adminPassword: Grafana-Pass-42}}
---
apiVersion: v1
kind: Secret
metadata: {name: s}
stringData: {token: Cli-Token-Secret-1}
---
apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata: {name: t}
spec:
  values: {adminPassword: Adm1n-Pass-X}
  parameters: [{name: adminPassword, type: secret}]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"validate", fleet}, IO{Out: &stdout, Err: &stderr}); code != 1 {
		t.Fatalf("validate: exit %d, want 1:\n%s", code, stderr.String())
	}
	for _, want := range []string{`"Bad_Name" is not a DNS-1123 subdomain`, `unsupported cluster kind "Machine"`, "spec.parameters.[name=adminPassword].type"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("validate: the error path did not report %q:\n%s", want, stderr.String())
		}
	}
	checkNoSecrets(t, "validate", stdout.String()+stderr.String())
}

// A Pipeline task's args carry a registry password as a flag: explain
// masks the value, keeps the flag.
func TestExplainMasksFlagCredentials(t *testing.T) {
	dir := t.TempDir()
	inst := `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  namespace: shop
  annotations:
    config.kubernetes.io/function: |
      exec: {path: ./scenario-fn}
spec:
  extends: [web-service]
  values: {image: ghcr.io/acme/orders, tag: v1.4.2, gitRepository: https://github.com/acme/orders, fleet: prod}
  overlays:
  - apiVersion: pipeline.kurator.dev/v1alpha1
    kind: Pipeline
    spec:
      tasks:
      - name: push
        customTask:
          image: quay.io/skopeo/stable:v1.15
          command: [sh, -c]
          args: ["skopeo login --password=Flag-Pass-9x ghcr.io && skopeo copy --dest-creds bot:x"]
`
	if err := os.WriteFile(filepath.Join(dir, "orders.yaml"), []byte(inst), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"explain", dir}, IO{Out: &stdout, Err: &stderr}); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	out := stdout.String() + stderr.String()
	if strings.Contains(out, "Flag-Pass-9x") {
		t.Errorf("explain prints the flag's password:\n%s", out)
	}
	if !strings.Contains(stdout.String(), "skopeo login --password=*** ghcr.io") {
		t.Errorf("explain does not show the masked args:\n%s", stdout.String())
	}
}
