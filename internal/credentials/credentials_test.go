package credentials

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestIsKey(t *testing.T) {
	for key, want := range map[string]bool{
		// credentials
		"password": true, "adminPassword": true, "DB_PASSWORD": true, "passwd": true, "token": true,
		"access_key": true, "secret_key": true, "access-key": true, "secretKey": true, "apiKey": true,
		"api_key": true, "credentials": true, "clientSecret": true, "webhookSecret": true, "secret": true,
		"privateKey": true, "bearerToken": true, "AWS_SECRET_ACCESS_KEY": true, "passphrase": true,
		"sessionKey": true, "githubToken": true, "IDToken": true,
		// names, locations and settings of credentials
		"secretName": false, "existingSecret": false, "existingObjstoreSecret": false, "secretRef": false,
		"passwordSecretRef": false, "secretKeyRef": false, "imagePullSecrets": false, "tokenTTL": false,
		"passwordFile": false, "tokenUrl": false, "passCredentials": false, "useSecret": false,
		"passwordSecret": false, "tlsSecret": false, "accessKeyId": false, "tokenEndpoint": false,
		"secretNamespace": false, "createSecret": false, "secrets": false, "passwordKey": false, "tokenKey": false,
		"existingSecretPasswordKey": false,
		// unrelated
		"image": false, "name": false, "key": false, "keys": false, "registry": false, "bucket": false,
		"endpoint": false, "author": false, "": false, "tokenizer" + "Config": false,
	} {
		if got := IsKey(key); got != want {
			t.Errorf("IsKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestLooksLike(t *testing.T) {
	for value, want := range map[string]string{
		"AKIAIOSFODNN7EXAMPLE":                            "AWS access key id",
		"id=AKIAIOSFODNN7EXAMPLE;":                        "AWS access key id",
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END": "private key block",
		"-----BEGIN OPENSSH PRIVATE KEY-----":             "private key block",
		"ghp_" + strings.Repeat("a", 36):                  "GitHub token",
		"xoxb-1234567890-abcdef":                          "Slack token",
		"https://bob:hunter22@git.example.com/x.git":      "password in a URL",
		"eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeK":  "JSON web token",
		// not credentials
		"https://git.example.com/x.git":           "",
		"https://${USER}:${PASS}@git.example":     "",
		"ghcr.io/acme/orders:v1":                  "",
		"AKIA":                                    "",
		"nginx@sha256:" + strings.Repeat("a", 64): "",
		"user@example.com":                        "",
		"git@github.com:acme/orders.git":          "",
		"${THANOS_SECRET_KEY}":                    "",
	} {
		if got := LooksLike(value); got != want {
			t.Errorf("LooksLike(%q) = %q, want %q", value, got, want)
		}
	}
}

func TestIsPlaceholder(t *testing.T) {
	for s, want := range map[string]bool{
		"${A}": true, "${A}:${B}": true, " ${A} ": true, "${A:=x}": true, `"${A}"`: true,
		"a${A}": false, "${A": false, "plain": false, "": false, "$${A}": false,
		"https://${USER}:${PASS}@git.example.com/x.git": true, "https://bob:${PASS}@git.example.com": false,
		"https://${USER}:${PASS}@git.example.com/AKIAIOSFODNN7EXAMPLE": false,
	} {
		if got := IsPlaceholder(s); got != want {
			t.Errorf("IsPlaceholder(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestFind(t *testing.T) {
	type want struct{ path, inner, value string }
	for name, tc := range map[string]struct {
		doc          string
		want         []want
		placeholders int
	}{
		"secret stringData and data": {
			doc: "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {token: hunter22}\ndata: {pw: aHVudGVyMjI=}\n",
			want: []want{
				{"stringData.token", "", "hunter22"},
				{"data.pw", "", "aHVudGVyMjI="},
				{"data.pw", "", "hunter22"},
			},
		},
		"objstore.yml in a Secret": {
			doc: `apiVersion: v1
kind: Secret
metadata: {name: thanos-objstore}
stringData:
  objstore.yml: |
    type: S3
    config: {bucket: thanos, endpoint: "minio:9000", access_key: minio, secret_key: minio123, insecure: true}
`,
			want: []want{
				{"stringData.[objstore.yml]", "", "type: S3\nconfig: {bucket: thanos, endpoint: \"minio:9000\", access_key: minio, secret_key: minio123, insecure: true}\n"},
				{"stringData.[objstore.yml]", "config.access_key", "minio"},
				{"stringData.[objstore.yml]", "config.secret_key", "minio123"},
			},
		},
		"objstore.yml with placeholders": {
			doc: `apiVersion: v1
kind: Secret
metadata: {name: thanos-objstore}
stringData:
  objstore.yml: |
    type: S3
    config: {bucket: thanos, access_key: "${A}", secret_key: "${B}"}
`,
			want: []want{
				{"stringData.[objstore.yml]", "", "type: S3\nconfig: {bucket: thanos, access_key: \"${A}\", secret_key: \"${B}\"}\n"},
				{"stringData.[objstore.yml]", "config.access_key", "${A}"},
				{"stringData.[objstore.yml]", "config.secret_key", "${B}"},
			},
			placeholders: 3,
		},
		"helm values in a Fleet": {
			doc: `apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f, annotations: {note: "AKIAIOSFODNN7EXAMPLE"}}
spec:
  plugin:
    metric:
      thanos:
        objectStoreConfig: {secretName: thanos-objstore}
        extraArgs: {existingObjstoreSecret: x}
    grafana:
      extraArgs:
        auth: {adminPassword: s3cret!, adminUser: admin, enabled: "true"}
        credentials: {user: u, key: k9k9k9, secretName: n, existingSecret: e}
        replicas: 2
`,
			want: []want{
				{"metadata.annotations.note", "", "AKIAIOSFODNN7EXAMPLE"},
				{"spec.plugin.grafana.extraArgs.auth.adminPassword", "", "s3cret!"},
				{"spec.plugin.grafana.extraArgs.credentials.user", "", "u"},
				{"spec.plugin.grafana.extraArgs.credentials.key", "", "k9k9k9"},
			},
		},
		"env var and URL": {
			doc: `apiVersion: pipeline.kurator.dev/v1alpha1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - name: t
    customTask:
      env: [{name: DB_PASSWORD, value: pw12345}, {name: HOME, value: /root}, {name: TOKEN, value: "${TOKEN}"}]
      args: ["https://bob:hunter22@git.example.com/x.git"]
`,
			want: []want{
				{"spec.tasks.[name=t].customTask.env.[name=DB_PASSWORD].value", "", "pw12345"},
				{"spec.tasks.[name=t].customTask.env.[name=TOKEN].value", "", "${TOKEN}"},
				{"spec.tasks.[name=t].customTask.args.0", "", "hunter22"},
			},
			placeholders: 1,
		},
		"a ConfigMap named like a secret is not one": {
			doc:  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: password}\ndata: {mode: fast, token: abc123xyz}\n",
			want: []want{{"data.token", "", "abc123xyz"}},
		},
		"booleans and numbers are settings": {
			doc:  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {password: 'true', token: 12345, secret: ''}\n",
			want: nil,
		},
		"a Secret of another apiVersion is not a core Secret": {
			doc:  "apiVersion: example.com/v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: b}\n",
			want: nil,
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := Find(yaml.MustParse(tc.doc))
			var gotW []want
			placeholders := 0
			for _, f := range got {
				gotW = append(gotW, want{f.Path, f.Inner, f.Value})
				if f.Placeholder {
					placeholders++
				}
				if f.Reason == "" {
					t.Errorf("%s: no reason", f.Path)
				}
			}
			if len(gotW) != len(tc.want) {
				t.Fatalf("got %d findings %+v, want %d %+v", len(gotW), gotW, len(tc.want), tc.want)
			}
			for i := range gotW {
				if gotW[i] != tc.want[i] {
					t.Errorf("finding %d: got %+v, want %+v", i, gotW[i], tc.want[i])
				}
			}
			if placeholders != tc.placeholders {
				t.Errorf("%d placeholders, want %d", placeholders, tc.placeholders)
			}
		})
	}
}

func TestMasker(t *testing.T) {
	var m Masker
	m.AddNode(yaml.MustParse("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  pw: hunter22\n  multi: \"line one secret\\nline two secret\"\n  flux: p@ss${word\n  ok: ${FROM_FLUX}\n  short: abc\n"))
	for in, want := range map[string]string{
		`value "hunter22" is a string`:                    `value "***" is a string`,
		"line two secret appears":                         "*** appears",
		"${word: Flux post-build substitution would fail": "***: Flux post-build substitution would fail",
		"${FROM_FLUX} is fine":                            "${FROM_FLUX} is fine",
		"abc is too short to be masked everywhere":        "abc is too short to be masked everywhere",
	} {
		if got := m.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MaskQuoted(`"x" in [name=tok] is "abc"`, "spec.env.[name=tok].value"); got != `"***" in [name=tok] is "***"` {
		t.Errorf("MaskQuoted: %s", got)
	}
	if got := MaskQuoted(`value "abc" is not allowed for "password" (fix: quote it: password: "abc")`, "spec.values.password"); got != `value "***" is not allowed for "password" (fix: quote it: password: "***")` {
		t.Errorf("MaskQuoted: %s", got)
	}
	for field, want := range map[string]bool{
		"stringData.[objstore.yml]": true, "data.token": true, "spec.values.password": true,
		"spec.tasks.[name=t].customTask.env.[name=DB_PASSWORD].value": true,
		"spec.values.image": false, "metadata.name": false, "": false,
	} {
		kind := "ScenarioTemplate"
		if strings.HasPrefix(field, "data") || strings.HasPrefix(field, "stringData") {
			kind = "Secret"
		}
		if got := SensitiveField(kind, field); got != want {
			t.Errorf("SensitiveField(%s, %q) = %v, want %v", kind, field, got, want)
		}
	}
}

// Pipeline args carry credentials as flags: their values are secret, the
// flag names and flags naming where a credential is are not.
func TestFlagCredentials(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want []string
	}{
		{"docker login --password=hunter2x registry", []string{"hunter2x"}},
		{"login --registry-token 'abc def' --user me", []string{"abc def"}},
		{`helm repo add x --password="s3cr3t!!" --username u`, []string{"s3cr3t!!"}},
		{"--token-file=/var/run/token --password-env=REG_PW", nil},
		{"--password=${REGISTRY_PASSWORD}", nil},
		{"go test ./... -run TestPassword", nil},
	} {
		got := flagSecrets(StripPlaceholders(tc.s))
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: got %q, want %q", tc.s, got, tc.want)
		}
		if (LooksLike(tc.s) == flagReason) != (len(tc.want) > 0) {
			t.Errorf("%q: LooksLike says %q", tc.s, LooksLike(tc.s))
		}
	}
}
