package generators

import (
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestPlaintextCredentials(t *testing.T) {
	for name, tc := range map[string]struct {
		doc  string
		want []string // "path: message" prefixes, in order
	}{
		"Secret stringData in plain text": {
			doc:  "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {token: hunter22, user: alice}\n",
			want: []string{"stringData.token: this Secret value is committed in plain text", "stringData.user: this Secret value"},
		},
		"Secret stringData as Flux placeholders": {
			doc: "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {token: '${TOKEN}', url: 'https://${USER}:${PASS}@git.example.com'}\n",
		},
		"Secret data, base64": {
			doc:  "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {token: aHVudGVyMjI=}\n",
			want: []string{"data.token: this Secret value is committed in plain text"},
		},
		"objstore.yml with keys in plain text": {
			doc: `apiVersion: v1
kind: Secret
metadata: {name: thanos-objstore}
stringData:
  objstore.yml: |
    type: S3
    config:
      bucket: thanos
      endpoint: "minio:9000"
      access_key: minio
      secret_key: ${THANOS_SECRET_KEY}
`,
			want: []string{"stringData.[objstore.yml]: the credential config.access_key inside this value is committed in plain text"},
		},
		"objstore.yml with placeholders (the observed-fleet template)": {
			doc: `apiVersion: v1
kind: Secret
metadata: {name: thanos-objstore}
stringData:
  objstore.yml: |
    type: S3
    config: {bucket: thanos, endpoint: "${EP}", access_key: "${AK}", secret_key: "${SK}", insecure: false}
`,
		},
		"Helm values of a Fleet plugin": {
			doc: `apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f}
spec:
  plugin:
    metric:
      thanos:
        objectStoreConfig: {secretName: thanos-objstore}
        extraArgs: {existingObjstoreSecret: thanos-objstore}
    grafana:
      extraArgs:
        auth: {adminPassword: admin123, existingSecret: grafana-admin}
        smtp: {password: "${SMTP_PASSWORD}"}
`,
			want: []string{"spec.plugin.grafana.extraArgs.auth.adminPassword: a credential (credential key adminPassword) is committed in plain text"},
		},
		"Helm values of an Application": {
			doc: `apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source: {gitRepository: {url: "https://ci:gh-pass-1@github.com/acme/orders", interval: 1m}}
  syncPolicies:
  - name: default
    helm:
      values: {redis: {auth: {password: r3dis-pw}}, apiKey: "${API_KEY}"}
`,
			want: []string{
				"spec.source.gitRepository.url: a credential (password in a URL)",
				"spec.syncPolicies.[name=default].helm.values.redis.auth.password: ",
			},
		},
		"Pipeline environment variable": {
			doc: `apiVersion: pipeline.kurator.dev/v1alpha1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - name: build
    customTask:
      env: [{name: REGISTRY_PASSWORD, value: pw-123456}, {name: GOFLAGS, value: -mod=mod}]
`,
			want: []string{"spec.tasks.[name=build].customTask.env.[name=REGISTRY_PASSWORD].value: "},
		},
		"names and references of Secrets are not credentials": {
			doc: `apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source: {gitRepository: {url: "https://github.com/acme/orders", interval: 1m, secretRef: {name: git-token}}}
  syncPolicies:
  - name: default
    helm:
      valuesFrom: [{kind: Secret, name: redis-password, valuesKey: password}]
      values: {imagePullSecrets: [regcred], auth: {existingSecret: redis, passwordKey: redis-password}}
`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			n := yaml.MustParse(tc.doc)
			got := plaintextCredentials(n.GetKind(), n)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d findings, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, f := range got {
				if line := f.Path + ": " + f.Message; !strings.HasPrefix(line, tc.want[i]) {
					t.Errorf("finding %d: %q, want prefix %q", i, line, tc.want[i])
				}
				if !strings.HasSuffix(f.Message, "committed in plain text") {
					t.Errorf("finding %d does not say what is wrong: %q", i, f.Message)
				}
				for _, secret := range []string{"hunter22", "aHVudGVyMjI=", "minio", "admin123", "gh-pass-1", "r3dis-pw", "pw-123456", "alice"} {
					if strings.Contains(f.Message, secret) {
						t.Errorf("finding %d prints the value %q: %s", i, secret, f.Message)
					}
				}
			}
		})
	}
}

// TestCatalogCommitsNoCredentials: the built-in templates use Flux
// placeholders for every credential.
func TestCatalogCommitsNoCredentials(t *testing.T) {
	for _, name := range CatalogNames() {
		for _, r := range Catalog()[name].Resources {
			if got := plaintextCredentials(r.GetKind(), r); len(got) > 0 {
				t.Errorf("catalog %s: %s %s: %+v", name, r.GetKind(), r.GetName(), got)
			}
		}
	}
}

// TestWarnPlaintextCredentials checks the render hook: a warning at the
// field, in the file of the layer that created the resource, with the fix.
func TestWarnPlaintextCredentials(t *testing.T) {
	r := &render{inst: &Template{Name: "orders", Namespace: "shop"}}
	res := &resource{apiVersion: "v1", kind: "Secret", role: "git",
		node:  yaml.MustParse("apiVersion: v1\nkind: Secret\nmetadata: {name: orders-git}\nstringData: {token: hunter22}\n"),
		first: krm.Source{File: "platform/team.yaml", Line: 30}}
	r.warnPlaintextCredentials(res, res.id(r.inst))
	if len(r.problems) != 1 {
		t.Fatalf("got %d problems: %+v", len(r.problems), r.problems)
	}
	p := r.problems[0]
	want := "warning: platform/team.yaml:30: Secret shop/orders-git: stringData.token: this Secret value is committed in plain text " +
		"(fix: " + credentialHint + ")"
	if p.Severity != framework.Warning || p.String() != want {
		t.Errorf("got  %s\nwant %s", p.String(), want)
	}
}

func TestSensitive(t *testing.T) {
	inst := yaml.MustParse(`apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata: {name: obs}
spec:
  extends: [metric-fleet, team]
  parameters:
  - name: conn
    required: maybe # invalid: the config is masked before it is validated
    targets: [{select: {kind: Secret}, fieldPaths: [stringData.conn]}]
  values:
    bucket: thanos-bucket
    accessKey: AKIA0000
    conn: {host: db.internal, port: 5432}
    ticket: team-ticket
    fleet: prod
`)
	team := yaml.MustParse(`apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata: {name: team}
spec:
  parameters:
  - name: ticket
    targets: [{select: {kind: Application}, fieldPaths: [spec.source.helm.password]}]
  - name: fleet
    targets: [{select: {kind: Application}, fieldPaths: [spec.destination.fleet]}]
`)
	got := Generator{}.Sensitive(nil, &krm.ResourceList{FunctionConfig: inst, Items: []*yaml.RNode{team}})
	want := []string{"thanos-bucket", "AKIA0000", "db.internal", "team-ticket"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Sensitive = %q, want %q", got, want)
	}
	if got := (Generator{}).Sensitive(nil, &krm.ResourceList{FunctionConfig: yaml.MustParse("kind: ScenarioTemplate\nspec: {values: [a]}\n")}); got != nil {
		t.Errorf("values that are not a mapping: %q", got)
	}
}
