package kurator

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Valid objects are the examples from Kurator's own docs (API.md §1-3).
var validDocs = map[string]string{
	"minimal fleet": `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: quickstart, namespace: default}
spec: {clusters: [{name: kurator-member1, kind: AttachedCluster}]}`,
	"metric fleet": `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: quickstart, namespace: default}
spec:
  clusters:
    - {name: kurator-member1, kind: AttachedCluster}
    - {name: kurator-member2, kind: AttachedCluster}
  plugin:
    metric:
      thanos:
        objectStoreConfig: {secretName: thanos-objstore}
        chart: {repository: "oci://registry-1.docker.io/bitnamicharts", name: thanos, version: 12.5.1}
        extraArgs: {queryFrontend: {enabled: true}}
      prometheus:
        chart: {repository: "oci://registry-1.docker.io/bitnamicharts", name: kube-prometheus, version: 8.9.1}
        nodeExporter: {enabled: true}
        kubeStateMetrics: {enabled: true}
        extraArgs: {prometheus: {serviceMonitor: {enabled: true}}}
    grafana:
      chart: {repository: "oci://registry-1.docker.io/bitnamicharts", name: grafana, version: 8.2.33}
      extraArgs: {grafana: {replicaCount: 2}}`,
	"minimal application": `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: demo, namespace: default}
spec:
  source:
    gitRepository: {url: "https://github.com/stefanprodan/podinfo", interval: 3m0s, ref: {branch: master}}
  syncPolicies:
    - destination: {fleet: quickstart}
      kustomization: {path: ./deploy/webapp, interval: 5m0s, prune: true}`,
	"canary application": `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: rollout-demo, namespace: default}
spec:
  source:
    gitRepository: {url: "https://github.com/stefanprodan/podinfo", interval: 3m0s, ref: {branch: master}, timeout: 1m0s}
  syncPolicies:
    - destination: {fleet: quickstart}
      kustomization: {path: ./deploy/webapp, interval: 0s, prune: true, timeout: 2m0s}
      rollout:
        testLoader: true
        trafficRoutingProvider: istio
        workload: {apiVersion: apps/v1, kind: Deployment, name: backend, namespace: webapp}
        serviceName: backend
        port: 9898
        rolloutPolicy:
          trafficRouting: {timeoutSeconds: 60, gateways: [istio-system/public-gateway], hosts: [backend.webapp],
                           canaryStrategy: {maxWeight: 50, stepWeight: 10}}
          trafficAnalysis:
            checkIntervalSeconds: 90
            checkFailedTimes: 2
            metrics:
              - {name: request-success-rate, intervalSeconds: 90, thresholdRange: {min: 99}}
              - {name: request-duration, intervalSeconds: 90, thresholdRange: {max: 500}}
            webhooks: {timeoutSeconds: 60, command: ["hey -z 1m -q 10 -c 2 http://backend-canary.webapp:9898/"]}
          rolloutTimeoutSeconds: 600`,
	"pipeline": `
apiVersion: pipeline.kurator.dev/v1alpha1
kind: Pipeline
metadata: {name: ci, namespace: kurator-pipeline}
spec:
  description: minimal CI
  tasks:
    - {name: git-clone, predefinedTask: {name: git-clone, params: {git-secret-name: git-credentials}}}
    - {name: go-test, predefinedTask: {name: go-test, params: {packages: ./...}}}
    - name: cat-readme
      customTask: {image: "zshusers/zsh:4.3.15", command: [/bin/sh, -c], args: ["cat $(workspaces.source.path)/README.md"]}`,
	"flux placeholders are not judged by type": `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: demo, namespace: default}
spec:
  source:
    gitRepository: {url: "${GIT_URL}", interval: 3m0s}
  syncPolicies:
    - destination: {fleet: quickstart}
      kustomization: {path: ./deploy, interval: 5m0s, prune: "${PRUNE}"}`,
}

func TestValidateAcceptsDocExamples(t *testing.T) {
	for name, doc := range validDocs {
		t.Run(name, func(t *testing.T) {
			for _, f := range Validate(yaml.MustParse(doc)) {
				if f.Severity == Error {
					t.Errorf("unexpected error at %s: %s", f.Path, f.Message)
				}
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name, doc, path, msg string
	}{
		{"unknown field", `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f, namespace: default}
spec: {grafana: {}}`, "spec.grafana", "unknown field"},
		{"bad name", `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: CustomMetric-demo}`, "metadata.name", "DNS-1123"},
		{"git url pattern", `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source: {gitRepository: {url: "git@github.com:a/b", interval: 1m}}
  syncPolicies: [{name: p, kustomization: {interval: 1m, prune: true}}]`, "spec.source.gitRepository.url", "should match"},
		{"required interval", `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source: {gitRepository: {url: "https://x"}}
  syncPolicies: [{name: p, kustomization: {interval: 1m, prune: true}}]`, "spec.source.gitRepository.interval", "required"},
		{"keyed path in error", `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source: {gitRepository: {url: "https://x", interval: 1m}}
  syncPolicies: [{name: prod, kustomization: {interval: 5 m, prune: true}}]`, "spec.syncPolicies.[name=prod].kustomization.interval", "should match"},
		{"two sources", `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source: {gitRepository: {url: "https://x", interval: 1m}, ociRepository: {url: "oci://x", interval: 1m}}
  syncPolicies: [{name: p, kustomization: {interval: 1m, prune: true}}]`, "spec.source", "exactly one source"},
		{"two fleets", `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source: {gitRepository: {url: "https://x", interval: 1m}}
  syncPolicies:
  - {name: p, destination: {fleet: a}, kustomization: {interval: 1m, prune: true}}
  - {name: q, destination: {fleet: b}, kustomization: {interval: 1m, prune: true}}`, "spec.syncPolicies", "webhook"},
		{"nginx host", `
apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source: {gitRepository: {url: "https://x", interval: 1m}}
  syncPolicies:
  - name: p
    kustomization: {interval: 1m, prune: true}
    rollout:
      trafficRoutingProvider: nginx
      workload: {name: w}
      serviceName: s
      port: 80
      rolloutPolicy: {trafficRouting: {}, trafficAnalysis: {checkIntervalSeconds: 1, checkFailedTimes: 1}}`, "spec.syncPolicies.[name=p].rollout.rolloutPolicy.trafficRouting.host", "nginx"},
		{"partial chart", `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f}
spec: {plugin: {grafana: {chart: {repository: "oci://harbor/x"}}}}`, "spec.plugin.grafana.chart", "name, version"},
		{"metric without thanos", `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f}
spec: {plugin: {metric: {prometheus: {}}}}`, "spec.plugin.metric.thanos.objectStoreConfig.secretName", "object store"},
		{"cluster kind", `
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f}
spec: {clusters: [{name: a, kind: CustomCluster}]}`, "spec.clusters.[name=a].kind", "unsupported cluster kind"},
		{"first task", `
apiVersion: pipeline.kurator.dev/v1alpha1
kind: Pipeline
metadata: {name: p}
spec: {tasks: [{name: go-test, predefinedTask: {name: go-test}}]}`, "spec.tasks.[name=go-test]", "git-clone"},
		{"predefined name", `
apiVersion: pipeline.kurator.dev/v1alpha1
kind: Pipeline
metadata: {name: p}
spec: {tasks: [{name: git-clone, predefinedTask: {name: git-clone}}, {name: test, predefinedTask: {name: go-test}}]}`, "spec.tasks.[name=test].name", "must equal"},
		{"empty custom image", `
apiVersion: pipeline.kurator.dev/v1alpha1
kind: Pipeline
metadata: {name: p}
spec: {tasks: [{name: git-clone, predefinedTask: {name: git-clone}}, {name: x, customTask: {script: echo}}]}`, "spec.tasks.[name=x].customTask.image", "empty"},
		{"non-string param", `
apiVersion: pipeline.kurator.dev/v1alpha1
kind: Pipeline
metadata: {name: p}
spec: {tasks: [{name: git-clone, predefinedTask: {name: git-clone, params: {depth: 1}}}]}`, "spec.tasks.[name=git-clone].predefinedTask.params.depth", "string"},
		{"storage request", `
apiVersion: pipeline.kurator.dev/v1alpha1
kind: Pipeline
metadata: {name: p}
spec: {sharedWorkspace: {storageRequest: 1Ti}, tasks: [{name: git-clone, predefinedTask: {name: git-clone}}]}`, "spec.sharedWorkspace.storageRequest", "should match"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range Validate(yaml.MustParse(c.doc)) {
				got = append(got, f.Path+": "+f.Message)
				if f.Severity == Error && f.Path == c.path && strings.Contains(f.Message, c.msg) {
					return
				}
			}
			t.Errorf("want an error at %s containing %q, got:\n%s", c.path, c.msg, strings.Join(got, "\n"))
		})
	}
}

// TestSchemaHints: hints for schema errors come from the error's structure
// (code, allowed values, pattern, bound, expected type).
func TestSchemaHints(t *testing.T) {
	const app = "apiVersion: apps.kurator.dev/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source: {gitRepository: {url: \"https://x\", interval: 1m, %s}}\n  syncPolicies: [{name: p, kustomization: {interval: 1m, prune: true, %s}%s}]\n"
	rollout := ", rollout: {workload: {name: w}, serviceName: s, port: 80, rolloutPolicy: {trafficRouting: {}, trafficAnalysis: {checkIntervalSeconds: 1, checkFailedTimes: -1}}}"
	cases := []struct{ name, doc, path, hint string }{
		{"unknown field", fmt.Sprintf(app, "branch: main", "", ""), "spec.source.gitRepository.branch", "remove it, or check its spelling and indentation against the CRD (scenario-fn validate prints the allowed fields)"},
		{"required", fmt.Sprintf(app, "", "", ", rollout: {serviceName: s, port: 80}"), "spec.syncPolicies.[name=p].rollout.workload", "set it"},
		{"type", fmt.Sprintf(app, "", "targetNamespace: 1", ""), "spec.syncPolicies.[name=p].kustomization.targetNamespace", "quote the value"},
		{"enum", fmt.Sprintf(app, "gitImplementation: jgit", "", ""), "spec.source.gitRepository.gitImplementation", "use one of go-git, libgit2"},
		{"known pattern", fmt.Sprintf(app, "timeout: 1h", "", ""), "spec.source.gitRepository.timeout", "write a duration such as 60s or 1m0s (units ms, s, m; this timeout does not take h)"},
		{"too long", fmt.Sprintf(app, "", "targetNamespace: "+strings.Repeat("n", 64), ""), "spec.syncPolicies.[name=p].kustomization.targetNamespace", "shorten it to at most 63 characters"},
		{"minimum", fmt.Sprintf(app, "", "", rollout), "spec.syncPolicies.[name=p].rollout.rolloutPolicy.trafficAnalysis.checkFailedTimes", "use 0 or more"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range Validate(yaml.MustParse(c.doc)) {
				if f.Path == c.path {
					if f.Hint != c.hint {
						t.Fatalf("%s: %s: hint %q, want %q", f.Path, f.Message, f.Hint, c.hint)
					}
					return
				}
				got = append(got, f.Path+": "+f.Message)
			}
			t.Fatalf("no finding at %s, got:\n%s", c.path, strings.Join(got, "\n"))
		})
	}
}
