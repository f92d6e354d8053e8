package benchdata

import (
	"fmt"
	"strings"
)

// TransformerConfig is the ImageRegistryTransformer config of the
// benchmarks: three rules, a pull secret and the mirror list.
const TransformerConfig = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ImageRegistryTransformer
metadata:
  name: corp-mirror
spec:
  rules:
  - {from: docker.io/bitnami, to: harbor.corp.local/bitnami}
  - {from: docker.io, to: harbor.corp.local/dockerhub}
  - {from: "*", to: harbor.corp.local/mirror}
  imagePullSecrets: [harbor-pull]
  mirrorList: {}
`

// ResourceList builds a deterministic ResourceList of n mixed
// resources: Deployments with init containers, CronJobs, Pods, Services,
// ConfigMaps, Kurator Fleets, Applications and Pipelines, Flux
// HelmReleases. Images repeat across resources as in real packages.
func ResourceList(n int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n")
	for _, l := range strings.Split(strings.TrimSuffix(TransformerConfig, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("items:\n")
	images := []string{"nginx:1.25", "redis:7.2", "bitnami/postgresql:16.1.0", "quay.io/prometheus/node-exporter:v1.7.0",
		"ghcr.io/org/app", "registry.k8s.io/pause:3.9", "busybox:1.36@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"}
	img := func(i int) string {
		base := images[i%len(images)]
		if base == "ghcr.io/org/app" {
			return fmt.Sprintf("%s%d:v%d", base, i%40, i%7)
		}
		return base
	}
	for i, count := 0, 0; count < n; i++ {
		count++
		ns := fmt.Sprintf("team-%d", i%20)
		switch i % 9 {
		case 0, 1:
			fmt.Fprintf(&b, `- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web-%[1]d
    namespace: %[2]s
    labels: {app: web-%[1]d, tier: frontend}
  spec:
    replicas: 3 # scaled by HPA
    selector:
      matchLabels: {app: web-%[1]d}
    template:
      metadata:
        labels: {app: web-%[1]d}
      spec:
        initContainers:
        - name: migrate
          image: %[3]s
          command: [/bin/migrate, --up]
        containers:
        - name: app
          image: %[4]s
          ports: [{containerPort: 8080}]
          resources: {requests: {cpu: 100m, memory: 128Mi}}
        - name: sidecar
          image: %[5]s
`, i, ns, img(i), img(i+1), img(i+2))
		case 2:
			fmt.Fprintf(&b, `- apiVersion: batch/v1
  kind: CronJob
  metadata: {name: report-%[1]d, namespace: %[2]s}
  spec:
    schedule: "0 * * * *"
    jobTemplate:
      spec:
        template:
          spec:
            restartPolicy: OnFailure
            containers:
            - name: report
              image: %[3]s
              args: [--since, 1h]
`, i, ns, img(i))
		case 3:
			fmt.Fprintf(&b, `- apiVersion: v1
  kind: Pod
  metadata: {name: debug-%[1]d, namespace: %[2]s}
  spec:
    containers:
    - {name: shell, image: "%[3]s", command: [sleep, infinity]}
`, i, ns, img(i))
		case 4:
			fmt.Fprintf(&b, `- apiVersion: v1
  kind: Service
  metadata: {name: web-%[1]d, namespace: %[2]s}
  spec:
    selector: {app: web-%[1]d}
    ports: [{port: 80, targetPort: 8080}]
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings-%[1]d, namespace: %[2]s}
  data:
    LOG_LEVEL: info
    config.yaml: |
      server:
        port: 8080
`, i, ns)
			count++ // two resources
		case 5:
			fmt.Fprintf(&b, `- apiVersion: fleet.kurator.dev/v1alpha1
  kind: Fleet
  metadata: {name: fleet-%[1]d, namespace: %[2]s}
  spec:
    clusters: [{name: member-%[1]d, kind: AttachedCluster}]
    plugin:
      metric:
        thanos:
          objectStoreConfig: {secretName: thanos-objstore}
          extraArgs: {image: {registry: docker.io, repository: bitnami/thanos, tag: 0.34.0}}
      grafana: {extraArgs: {grafana: {replicaCount: 2}}}
      policy:
        kyverno: {extraArgs: {image: {pullPolicy: IfNotPresent}}}
      flagger: {trafficRoutingProvider: istio}
`, i, ns)
		case 6:
			fmt.Fprintf(&b, `- apiVersion: apps.kurator.dev/v1alpha1
  kind: Application
  metadata: {name: app-%[1]d, namespace: %[2]s}
  spec:
    source:
      helmRepository: {url: "https://stefanprodan.github.io/podinfo", interval: 5m}
    syncPolicies:
    - name: prod
      destination: {fleet: fleet-%[1]d}
      helm:
        interval: 5m
        chart: {spec: {chart: podinfo, version: 6.5.4}}
        values:
          image: {repository: ghcr.io/stefanprodan/podinfo, tag: 6.5.4}
    - name: kustomize
      kustomization:
        interval: 5m
        prune: true
        images: [{name: nginx, newTag: "1.25"}]
`, i, ns)
		case 7:
			fmt.Fprintf(&b, `- apiVersion: pipeline.kurator.dev/v1alpha1
  kind: Pipeline
  metadata: {name: ci-%[1]d, namespace: %[2]s}
  spec:
    tasks:
    - {name: git-clone, predefinedTask: {name: git-clone}}
    - {name: go-test, predefinedTask: {name: go-test, params: {version: "1.22"}}}
    - name: build
      customTask: {image: "%[3]s", command: [make, build]}
`, i, ns, img(i))
		case 8:
			fmt.Fprintf(&b, `- apiVersion: helm.toolkit.fluxcd.io/v2
  kind: HelmRelease
  metadata: {name: redis-%[1]d, namespace: %[2]s}
  spec:
    interval: 10m
    chart:
      spec: {chart: redis, version: 18.6.1, sourceRef: {kind: HelmRepository, name: bitnami, namespace: flux-system}}
    values:
      image: {registry: docker.io, repository: bitnami/redis, tag: 7.2.4}
`, i, ns)
		}
	}
	return []byte(b.String())
}
