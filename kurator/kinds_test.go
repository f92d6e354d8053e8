package kurator

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/internal/crdcompact"
	"github.com/kurator-scenario/scenario-fn/schema"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestKindsMatchCRDs: the Kinds table names exactly the kinds of the
// embedded CRD files, each in its own file, so lazy registration cannot
// drift from crds/.
func TestKindsMatchCRDs(t *testing.T) {
	all, err := schema.Load(os.DirFS("."), "crds/*.kurator.dev_*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var fromCRDs, fromTable []string
	for _, typ := range all.Types() {
		fromCRDs = append(fromCRDs, typ.GVK.APIVersion()+" "+typ.GVK.Kind+" "+typ.Source)
	}
	for _, k := range Kinds {
		fromTable = append(fromTable, k.APIVersion+" "+k.Kind+" "+k.File)
	}
	sort.Strings(fromCRDs)
	sort.Strings(fromTable)
	if strings.Join(fromCRDs, "\n") != strings.Join(fromTable, "\n") {
		t.Fatalf("Kinds table and crds/ differ:\ncrds:\n%s\ntable:\n%s", strings.Join(fromCRDs, "\n"), strings.Join(fromTable, "\n"))
	}
	if len(Kinds) != 8 {
		t.Errorf("%d kinds, want the eight Kurator kinds", len(Kinds))
	}
	for _, k := range Kinds {
		typ := Lookup(k.APIVersion, k.Kind)
		if typ == nil || typ.GVK.Kind != k.Kind || typ.Source != crdcompact.Name(k.File) {
			t.Errorf("Lookup(%s, %s) = %+v", k.APIVersion, k.Kind, typ)
		}
	}
	if Lookup("cluster.x-k8s.io/v1beta1", "Cluster") != nil || Lookup(ClusterAPIVersion, "CustomCluster") != nil {
		t.Error("Lookup found a kind Kurator does not define")
	}
}

func findings(t *testing.T, doc string, partial bool) []Finding {
	t.Helper()
	n := yaml.MustParse(doc)
	if partial {
		return ValidatePartial(n)
	}
	return Validate(n)
}

func TestNewKindsAndValueRules(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []string // "severity path rule: message part", in order
	}{
		{"attached cluster without kubeconfig", `
apiVersion: cluster.kurator.dev/v1alpha1
kind: AttachedCluster
metadata: {name: m1, namespace: default}`,
			[]string{"error spec.kubeconfig attachedcluster: needs the Secret"}},
		{"attached cluster with defaulted key", `
apiVersion: cluster.kurator.dev/v1alpha1
kind: AttachedCluster
metadata: {name: m1, namespace: default}
spec: {kubeconfig: {name: m1}}`, nil},
		{"attached cluster with a null key (pruned, then defaulted)", `
apiVersion: cluster.kurator.dev/v1alpha1
kind: AttachedCluster
metadata: {name: m1, namespace: default}
spec: {kubeconfig: {name: m1, key: }}`, nil},
		{"stale status is a warning", `
apiVersion: cluster.kurator.dev/v1alpha1
kind: AttachedCluster
metadata: {name: m1, namespace: default}
spec: {kubeconfig: {name: m1, key: k}}
status: {ready: "yes", conditions: []}`,
			[]string{"warning status.ready : must be of type boolean", "warning status.conditions : unknown field"}},
		{"Prod_1 as a fleet", `
apiVersion: backup.kurator.dev/v1alpha1
kind: Backup
metadata: {name: b, namespace: default}
spec: {destination: {fleet: Prod_1}}`,
			[]string{`error spec.destination.fleet value.name: "Prod_1" cannot be the name of a Fleet`}},
		{"placeholders are not judged", `
apiVersion: backup.kurator.dev/v1alpha1
kind: Backup
metadata: {name: b, namespace: default}
spec: {destination: {fleet: "${FLEET}"}, schedule: "${SCHEDULE}", policy: {ttl: "${TTL}"}}`, nil},
		{"cron and ttl", `
apiVersion: backup.kurator.dev/v1alpha1
kind: Backup
metadata: {name: b, namespace: default}
spec: {destination: {fleet: f}, schedule: "61 * * * *", policy: {ttl: 2d}}`,
			[]string{`error spec.schedule backup: minute "61" is out of range 0-59`, `error spec.policy.ttl value.duration: "2d" is not a duration`}},
		{"cron with names and steps", `
apiVersion: backup.kurator.dev/v1alpha1
kind: Backup
metadata: {name: b, namespace: default}
spec: {destination: {fleet: f}, schedule: "*/15 1-5 1,15 jan-jun MON-FRI"}`, nil},
		{"repository with a tag, digest and tag fields", `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a, namespace: default}
spec:
  source: {gitRepository: {url: "https://example.com/x", interval: 1m}}
  syncPolicies:
  - name: p
    kustomization:
      interval: 1m
      prune: true
      images: [{name: "ghcr.io/acme/app:v1", newTag: "v1 beta", digest: "sha256:abc"}]`,
			[]string{
				`error spec.syncPolicies.[name=p].kustomization.images.[name=ghcr.io/acme/app:v1].name value.image: carries the tag "v1"`,
				`error spec.syncPolicies.[name=p].kustomization.images.[name=ghcr.io/acme/app:v1].newTag value.image: "v1 beta" is not an image tag`,
				`error spec.syncPolicies.[name=p].kustomization.images.[name=ghcr.io/acme/app:v1].digest value.image: "sha256:abc" is not an image digest`,
			}},
		{"quantities in Helm values", `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f, namespace: default}
spec:
  plugin:
    grafana:
      extraArgs: {resources: {requests: {cpu: "0.5", memory: 1GB}, limits: {memory: 1Gi}}, image: {repository: "bitnami/grafana:10"}}`,
			[]string{
				`warning spec.plugin.grafana.extraArgs.image.repository value.image: carries the tag "10"`,
				`error spec.plugin.grafana.extraArgs.resources.requests.memory value.quantity: "1GB" is not a Kubernetes quantity`,
			}},
		{"list elements in Helm values are named by name", `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f, namespace: default}
spec:
  plugin:
    grafana:
      extraArgs: {sidecars: [{name: reloader, resources: {limits: {memory: 1GB}}}, {resources: {limits: {memory: 2GB}}}]}`,
			[]string{
				`error spec.plugin.grafana.extraArgs.sidecars.[name=reloader].resources.limits.memory value.quantity: "1GB" is not a Kubernetes quantity`,
				`error spec.plugin.grafana.extraArgs.sidecars.1.resources.limits.memory value.quantity: "2GB" is not a Kubernetes quantity`,
			}},
		{"policy names become Flux object names", `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a, namespace: default}
spec:
  source: {gitRepository: {url: "https://example.com/x", interval: 1m}}
  syncPolicies:
  - name: Prod_EU
    kustomization: {interval: 1m, prune: true}
  - name: Staging
    kustomization: {interval: 1m, prune: true}`,
			[]string{`error spec.syncPolicies.[name=Prod_EU].name value.name: "Prod_EU" cannot become an object name`}},
		{"Service names are DNS-1035 labels", `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a, namespace: default}
spec:
  source: {gitRepository: {url: "https://example.com/x", interval: 1m}}
  syncPolicies:
  - name: p
    kustomization: {interval: 1m, prune: true}
    rollout:
      trafficRoutingProvider: istio
      workload: {apiVersion: apps/v1, kind: Deployment, name: web}
      serviceName: 1web
      port: 80
      rolloutPolicy: {trafficAnalysis: {checkIntervalSeconds: 1, checkFailedTimes: 1}}`,
			[]string{`error spec.syncPolicies.[name=p].rollout.serviceName value.name: "1web" cannot be the name of a Service: names are DNS-1035 labels`}},
		{"metadata typos and bad labels", `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f, namespace: default, lables: {a: b}, labels: {"team/a/b": x, ok: "-x"}}`,
			[]string{
				"error metadata.lables : unknown field (not in ObjectMeta)",
				`error metadata.labels.team/a/b : label key "team/a/b" is not a qualified name`,
				`error metadata.labels.ok : label value "-x" is invalid`,
			}},
		{"partial: no required fields, but types and unknown fields", `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
spec: {plugin: {flagger: {publicTestloader: "yes"}, metric: {thanos: {}}, grafan: {}}}`,
			[]string{
				"error spec.plugin.flagger.publicTestloader : must be of type boolean",
				"error spec.plugin.grafan : unknown field",
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			partial := strings.HasPrefix(c.name, "partial")
			var got []string
			for _, f := range findings(t, c.doc, partial) {
				got = append(got, string(f.Severity)+" "+f.Path+" "+f.Rule+": "+f.Message)
				if f.Hint == "" {
					t.Errorf("%s: no fix hint", f.Path)
				}
				if f.Rule != "" && Rules[f.Rule] == "" {
					t.Errorf("rule %q is not documented in Rules", f.Rule)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
			sort.Strings(got)
			want := append([]string(nil), c.want...)
			sort.Strings(want)
			for i := range want {
				prefix, part, _ := strings.Cut(want[i], ": ")
				if !strings.HasPrefix(got[i], prefix+": ") || !strings.Contains(got[i], part) {
					t.Errorf("finding %d:\n got %s\nwant %s", i, got[i], want[i])
				}
			}
		})
	}
}

// TestCompactCRDs: the compact CRDs the function embeds are current
// (go generate ./kurator writes them), and each compiles to the schema of
// its CRD file with only the descriptions gone.
func TestCompactCRDs(t *testing.T) {
	for _, k := range Kinds {
		data, err := os.ReadFile(filepath.Join("crds", k.File))
		if err != nil {
			t.Fatal(err)
		}
		name := crdcompact.Name(k.File)
		got, err := crdFS.ReadFile("crds/compact/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := crdcompact.Verify(data, got, "crds/compact/"+name); err != nil {
			t.Error(err)
		}
	}
}
