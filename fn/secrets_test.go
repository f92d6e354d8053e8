package fn_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The secrets below go through every error and warning path we know of;
// none may appear on stderr or in the results (the items are the package:
// they keep them).
var secretValues = []string{
	"T0ken-Secret-Value-1", // Secret stringData
	"wordSecret2",          // the part of a Secret value a Flux message quotes
	"Hunter-URL-pw",        // the password of a URL
	"Adm1n-Passw0rd",       // a value under a credential key, of the wrong type
	"S3-Enum-Secret",       // a value that ends up in a Secret, not in the enum
	"ConfigMap-Pass-99",    // a ConfigMap value under a credential key
	"AKIAIOSFODNN7EXAMPLE", // an AWS access key id where an image should be
	"Chart-Pass-77",        // a chart repository URL with a password
	"b2JqLXNlY3JldC0z",     // base64 Secret data ("obj-secret-3")
	"obj-secret-3",         // ... and its decoded value
	"Env-Pass-123",         // an environment variable named like a password
}

const secretTemplate = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: svc
  annotations:
    internal.config.kubernetes.io/path: platform/svc.yaml
spec:
  parameters:
  - {name: adminPassword, type: integer}
  - name: s3
    enum: [a, b]
    targets:
    - select: {kind: Secret}
      fieldPaths: [stringData.s3]
  - name: env
    default: plain
    targets:
    - select: {kind: Pipeline}
      fieldPaths: [spec.tasks.0.customTask.env.0.value]
  resources:
  - apiVersion: v1
    kind: Secret
    metadata: {name: creds}
    stringData:
      token: T0ken-Secret-Value-1
      pw: "p@ss${wordSecret2"
      s3: a
      url: https://bob:Hunter-URL-pw@git.example.com/x.git
    data:
      obj: b2JqLXNlY3JldC0z
`

func secretInstance(values string, flux string) string {
	s := `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  namespace: shop
  annotations:
    internal.config.kubernetes.io/path: orders.yaml
spec:
  extends: [svc]
  values:
` + indent(values, "    ", "    ")
	if flux != "" {
		s += "  output: {flux: " + flux + "}\n"
	}
	return s
}

const secretConfigMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: shop
  annotations:
    internal.config.kubernetes.io/path: app-config.yaml
data:
  password: ConfigMap-Pass-99
`

func TestSecretsNeverPrinted(t *testing.T) {
	cases := map[string]struct {
		input []byte
		code  int
		want  []string // what must be reported (so that the path really ran)
	}{
		"parameter type and enum errors": {
			input: resourceList(secretInstance("adminPassword: Adm1n-Passw0rd\ns3: S3-Enum-Secret\n", ""), secretTemplate, secretConfigMap),
			code:  1,
			want:  []string{`spec.values.adminPassword: value "\*\*\*" is a string`, `spec.values.s3: value "\*\*\*" is not allowed for "s3"`},
		},
		"Flux warning inside a Secret value": {
			input: resourceList(secretInstance("s3: a\n", ""), secretTemplate, secretConfigMap),
			code:  0,
			want:  []string{`warning: platform/svc.yaml: Secret shop/orders-creds: stringData.pw: \*\*\*: Flux post-build substitution would fail`},
		},
		"Flux error inside a Secret value": {
			input: resourceList(secretInstance("s3: a\n", "escape"), secretTemplate, secretConfigMap),
			code:  1,
			want:  []string{`error: platform/svc.yaml: Secret shop/orders-creds: stringData.pw: \*\*\*: Flux post-build substitution fails`},
		},
		"generated Secret collides with an input Secret": {
			input: resourceList(secretInstance("s3: a\n", ""), secretTemplate, secretConfigMap,
				"apiVersion: v1\nkind: Secret\nmetadata: {name: orders-creds, namespace: shop}\nstringData: {token: T0ken-Secret-Value-1}\n"),
			code: 1,
			want: []string{`the instance would generate Secret shop/orders-creds, which already exists`},
		},
		"overlay with a Secret value of the wrong shape": {
			input: resourceList(secretInstance("s3: a\n", ""), secretTemplate, secretConfigMap, `apiVersion: v1
kind: Secret
metadata:
  name: creds
  annotations: {scenario.kurator.dev/overlay: "true", internal.config.kubernetes.io/path: overlays/creds.yaml}
stringData:
  token: [T0ken-Secret-Value-1]
`),
			code: 1,
			want: []string{`overlays/creds.yaml: Secret creds: merging Secret "creds": wrong node kind`},
		},
		"env var named like a password": {
			input: resourceList(secretInstance("s3: a\nenv: Env-Pass-123\n", ""), strings.Replace(secretTemplate, "  resources:\n", `  resources:
  - apiVersion: pipeline.kurator.dev/v1alpha1
    kind: Pipeline
    spec:
      tasks:
      - name: build
        customTask:
          image: golang:1.22
          env: [{name: DB_PASSWORD, value: x}]
          args: ["--flag", 7]
`, 1), secretConfigMap),
			code: 1,
			want: []string{`Pipeline shop/orders: spec.tasks`},
		},
		"duplicate keys in a Secret": {
			input: resourceList(mirrorConfig, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {token: T0ken-Secret-Value-1}\nstringData: {token: Adm1n-Passw0rd}\n"),
			code:  1,
			want:  []string{`Secret s: stringData: item 0 has the key stringData twice`},
		},
		"transformer warnings on credential-looking images and chart URLs": {
			input: resourceList(mirrorConfig, secretConfigMap,
				strings.Replace(deployment, "nginx:1.25", "AKIAIOSFODNN7EXAMPLE", 1),
				`apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: shop}
spec: {url: "https://bob:Chart-Pass-77@charts.example.com/stable"}
`),
			code: 0,
			want: []string{`image "\*\*\*" left unchanged`, `https://bob:\*\*\*@charts.example.com/stable`},
		},
		"malformed YAML around a secret": {
			input: []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Secret\n  stringData: {token: T0ken-Secret-Value-1\n"),
			code:  1,
			want:  []string{`reading the ResourceList`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := run(t, "", tc.input)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			printed := stderr
			if stdout != "" {
				b, err := yaml.Marshal(resultsOf(t, stdout))
				if err != nil {
					t.Fatal(err)
				}
				printed += string(b)
			}
			for _, w := range tc.want {
				if !regexpMatch(w, printed) {
					t.Errorf("the path under test did not report %s:\n%s", w, printed)
				}
			}
			for _, s := range secretValues {
				if strings.Contains(printed, s) {
					t.Errorf("secret %q printed:\n%s", s, printed)
				}
			}
		})
	}
}
