package main

// kuratorValues are the default values Kurator renders each release with,
// before the Fleet's extraArgs (kurator-dev/kurator@b6339412
// pkg/fleet-manager/manifests/plugins/*.yaml, and buildAWSProviderValues in
// pkg/fleet-manager/plugin/plugin.go for velero's aws/huaweicloud init
// container). Values Kurator computes per Fleet (object store secrets,
// cluster labels, broker settings) do not change images and are left out.
var kuratorValues = map[string]string{
	"thanos": `
query: {dnsDiscovery: {sidecarsService: thanos-sidecar-remote, sidecarsNamespace: monitoring}}
queryFrontend: {enabled: false}
bucketweb: {enabled: false}
compactor: {enabled: false}
storegateway: {enabled: true}
ruler: {enabled: false}
metrics: {enabled: false}
minio: {enabled: false}
`,
	"prometheus": `
fullnameOverride: prometheus
alertmanager: {enabled: false}
exporters: {enabled: false, node-exporter: {enabled: false}, kube-state-metrics: {enabled: false}}
blackboxExporter: {enabled: false}
operator: {service: {type: ClusterIP}}
prometheus:
  disableCompaction: true
  thanos:
    create: true
    service: {type: LoadBalancer}
    objectStorageConfig: {secretKey: objstore.yml, secretName: thanos-objstore}
  service: {type: ClusterIP}
`,
	"grafana": `
fullnameOverride: grafana
admin: {password: admin}
service: {type: LoadBalancer}
`,
	"kyverno":          `fullnameOverride: kyverno`,
	"kyverno-policies": `fullnameOverride: kyverno-policies`,
	"flagger":          `nodeSelector: {kubernetes.io/os: linux}`,
	"ingress-nginx (flagger provider nginx)": `
controller:
  metrics: {enabled: true}
  podAnnotations: {prometheus.io/scrape: "true", prometheus.io/port: "10254"}
`,
	"velero (backup)": `
image: {repository: velero/velero, tag: v1.11.1}
deployNodeAgent: true
defaultVolumesToFsBackup: true
snapshotsEnabled: false
`,
	"submariner-operator": `
broker: {namespace: submariner-k8s-broker, globalnet: true}
submariner: {serviceDiscovery: true, cableDriver: libreswan, natEnabled: false}
serviceAccounts: {globalnet: {create: true}, lighthouseAgent: {create: true}, lighthouseCoreDns: {create: true}}
`,
	"submariner-k8s-broker": `
rbac: {create: true}
crd: {create: true}
serviceAccounts: {client: {create: true}}
`,
}

// veleroAWSInitContainers is what Kurator adds for provider aws or
// huaweicloud.
const veleroAWSInitContainers = `
initContainers:
- name: velero-plugin-for-aws
  image: velero/velero-plugin-for-aws:v1.7.1
  volumeMounts: [{mountPath: /target, name: plugins}]
`
