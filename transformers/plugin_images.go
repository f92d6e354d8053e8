package transformers

// This file is data: the images each chart a Fleet installs pulls at the
// version Kurator pins, and the values keys that set them. Sources, per
// chart (values.yaml and the templates that compose the image):
//
//   - thanos 12.5.1, kube-prometheus 8.9.1, grafana 8.2.33: bitnami/charts
//     bitnami/{thanos,kube-prometheus,grafana}/values.yaml at 21dd97ca,
//     f7d59d2e and c3134f97 (the commits of those versions), and
//     bitnami/common/templates/_images.tpl ("common.images.image": image =
//     <registry>/<repository>:<tag>, global.imageRegistry wins over every
//     image.registry, a digest replaces the tag; global.imagePullSecrets is a
//     list of names). kube-prometheus' templates/_helpers.tpl: the config
//     reloader is the operator image unless
//     operator.prometheusConfigReloader.image sets repository and tag.
//   - kyverno 3.0.0: kyverno/kyverno@d83dbe36 charts/kyverno/values.yaml and
//     templates/_helpers/_image.tpl ("kyverno.image": registry/repository:tag,
//     repository alone when registry is empty; tag defaults to appVersion
//     v1.10.0). cleanupJobs.*.image has registry ~ and repository
//     bitnami/kubectl, tag 1.26.4: Docker Hub. Pull secrets:
//     admissionController.container.imagePullSecrets (sic, the template reads
//     it there), {background,cleanup,reports}Controller.imagePullSecrets;
//     the cleanup CronJobs take none.
//   - flagger 1.x: fluxcd/flagger@15bd6ad5 (chart 1.44.0, the newest 1.x)
//     charts/flagger/values.yaml and templates/{deployment,prometheus}.yaml:
//     image "{{ image.repository }}:{{ image.tag }}", prometheus.image (a
//     string; Kurator sets prometheus.install: true for provider nginx,
//     kurator-dev/kurator@b6339412 pkg/fleet-manager/plugin/plugin.go:406),
//     pull secrets image.pullSecret and prometheus.pullSecret (one name
//     each). charts/loadtester takes image.{repository,tag,pullSecret} too.
//   - ingress-nginx 4.x: kubernetes/ingress-nginx@dbb11b92 (chart 4.15.1)
//     charts/ingress-nginx/values.yaml and templates/controller-deployment.yaml:
//     image = <registry>/<image>:<tag>@<digest>, registry merged from
//     global.image.registry (registry.k8s.io); imagePullSecrets: [{name}].
//   - kuma 2.7.3: kumahq/kuma@413bddfb (tag 2.7.3)
//     deployments/charts/kuma/values.yaml and templates/_helpers.tpl
//     ("kuma.formatImage": registry defaults to global.image.registry,
//     docker.io/kumahq, joined with kuma-cp, kuma-dp, kuma-init, kumactl; tag
//     = appVersion); kubectl.image {registry: docker.io, repository:
//     bitnami/kubectl, tag: "1.27.5"}; global.imagePullSecrets (names) on
//     every ServiceAccount. CNI (kuma-cni) is disabled by default.
//   - velero 5.0.2: vmware-tanzu/helm-charts@366786c7 charts/velero/values.yaml
//     and templates/upgrade-crds/upgrade-crds.yaml: image {repository:
//     velero/velero, tag: v1.11.1} (also Kurator's default values,
//     pkg/fleet-manager/manifests/plugins/velero.yaml), image.imagePullSecrets
//     (names), kubectl.image.repository docker.io/bitnami/kubectl tagged with
//     the cluster's Kubernetes version (upgradeCRDs: true); the init
//     container of Kurator's buildAWSProviderValues (plugin.go, b6339412).
//   - rook-ceph / rook-ceph-cluster 1.11.11: rook/rook@be8e3342 (v1.11.11)
//     deploy/charts/rook-ceph/values.yaml: image.repository rook/ceph (tag
//     v1.11.11), the CSI images the operator deploys (csi.*.image, full
//     strings, defaults as listed), imagePullSecrets [{name}] on every
//     ServiceAccount (so the CSI pods get them too);
//     deploy/charts/rook-ceph-cluster/values.yaml:
//     cephClusterSpec.cephVersion.image quay.io/ceph/ceph:v17.2.6.
//   - submariner-operator 0.18.0: submariner-io/submariner-charts@30728cdf
//     (tag v0.18.0) submariner-operator/values.yaml: operator.image.repository
//     quay.io/submariner/submariner-operator and submariner.images.repository
//     quay.io/submariner, from which the operator deploys its components (tag
//     "" = the operator's version).
//
// When Kurator or a chart is upgraded, update this table, the golden case
// kurator-fleet-all-plugins and PLUGIN-IMAGES.md together.

// imageShape is how a chart takes one image in its values.
type imageShape uint8

const (
	// shapeBitnami: {registry, repository, tag}, image registry/repository:tag.
	shapeBitnami imageShape = iota
	// shapeRepository: {repository, tag}; repository is the full name.
	shapeRepository
	// shapeString: one string holding the whole reference.
	shapeString
	// shapeNginx: {registry, image, tag, digest} (ingress-nginx; "image" is
	// the path below the registry).
	shapeNginx
	// shapePrefix: a registry/path prefix the chart or an operator joins
	// with component names (kuma global.image.registry, submariner
	// submariner.images.repository).
	shapePrefix
	// shapeInitContainers: velero's initContainers list, which replaces
	// Kurator's list as a whole.
	shapeInitContainers
	// shapeRepositoryAnyTag: {repository} whose tag the chart computes at
	// install time (velero's kubectl: the cluster's Kubernetes version).
	shapeRepositoryAnyTag
)

// chartImage is one image a chart pulls with Kurator's default values.
type chartImage struct {
	// Ref is the full default reference, normalised.
	Ref string
	// Key is the values path of the image (dotted).
	Key   string
	Shape imageShape
	// Split is, for shapeBitnami and shapeNginx, the chart's own
	// repository (or image) part, which a registry-only override keeps;
	// for shapePrefix the default prefix.
	Split string
	// Components are the names joined to a shapePrefix (with their tags).
	Components []string
	// Unless is a values path that, set to false, disables the image.
	Unless string
	// Why is said for shapeRepositoryAnyTag images.
	Why string
	// Provider: pulled only with this flagger trafficRoutingProvider.
	Provider string
}

// pullSecretStyle says how a chart takes image pull secrets.
type pullSecretStyle uint8

const (
	secretsNone    pullSecretStyle = iota // the chart has no key (or none known): warn
	secretsNames                          // a list of names
	secretsObjects                        // a list of {name: ...}
	secretsSingle                         // one name (flagger image.pullSecret)
)

type pullSecretKey struct {
	Key   string
	Style pullSecretStyle
}

// chartImages of each fleetPlugins entry, by Component.
var chartImages = map[string][]chartImage{
	"thanos": {
		{Ref: "docker.io/bitnami/thanos:0.31.0-scratch-r2", Key: "image", Shape: shapeBitnami, Split: "bitnami/thanos"},
	},
	"prometheus": {
		{Ref: "docker.io/bitnami/prometheus-operator:0.64.1-debian-11-r0", Key: "operator.image", Shape: shapeBitnami, Split: "bitnami/prometheus-operator"},
		{Ref: "docker.io/bitnami/prometheus:2.43.0-debian-11-r10", Key: "prometheus.image", Shape: shapeBitnami, Split: "bitnami/prometheus"},
		{Ref: "docker.io/bitnami/thanos:0.31.0-scratch-r1", Key: "prometheus.thanos.image", Shape: shapeBitnami, Split: "bitnami/thanos",
			Unless: "prometheus.thanos.create"},
	},
	"grafana": {
		{Ref: "docker.io/bitnami/grafana:9.4.7-debian-11-r2", Key: "image", Shape: shapeBitnami, Split: "bitnami/grafana"},
	},
	"kyverno": {
		{Ref: "ghcr.io/kyverno/kyvernopre:v1.10.0", Key: "admissionController.initContainer.image", Shape: shapeBitnami, Split: "kyverno/kyvernopre"},
		{Ref: "ghcr.io/kyverno/kyverno:v1.10.0", Key: "admissionController.container.image", Shape: shapeBitnami, Split: "kyverno/kyverno"},
		{Ref: "ghcr.io/kyverno/background-controller:v1.10.0", Key: "backgroundController.image", Shape: shapeBitnami, Split: "kyverno/background-controller",
			Unless: "backgroundController.enabled"},
		{Ref: "ghcr.io/kyverno/cleanup-controller:v1.10.0", Key: "cleanupController.image", Shape: shapeBitnami, Split: "kyverno/cleanup-controller",
			Unless: "cleanupController.enabled"},
		{Ref: "ghcr.io/kyverno/reports-controller:v1.10.0", Key: "reportsController.image", Shape: shapeBitnami, Split: "kyverno/reports-controller",
			Unless: "reportsController.enabled"},
		// registry ~ in the chart: "bitnami/kubectl" is a Docker Hub name
		{Ref: "docker.io/bitnami/kubectl:1.26.4", Key: "cleanupJobs.admissionReports.image", Shape: shapeBitnami, Split: "bitnami/kubectl",
			Unless: "cleanupJobs.admissionReports.enabled"},
		{Ref: "docker.io/bitnami/kubectl:1.26.4", Key: "cleanupJobs.clusterAdmissionReports.image", Shape: shapeBitnami, Split: "bitnami/kubectl",
			Unless: "cleanupJobs.clusterAdmissionReports.enabled"},
	},
	"flagger": {
		{Ref: "ghcr.io/fluxcd/flagger:1.44.0", Key: "image", Shape: shapeRepository},
		// Kurator sets prometheus.install: true for provider nginx
		{Ref: "docker.io/prom/prometheus:v2.41.0", Key: "prometheus.image", Shape: shapeString, Provider: "nginx"},
	},
	"ingress-nginx (flagger provider nginx)": {
		{Ref: "registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1",
			Key: "controller.image", Shape: shapeNginx, Split: "ingress-nginx/controller"},
		{Ref: "registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.9@sha256:01038e7de14b78d702d2849c3aad72fd25903c4765af63cf16aa3398f5d5f2dd",
			Key: "controller.admissionWebhooks.patch.image", Shape: shapeNginx, Split: "ingress-nginx/kube-webhook-certgen",
			Unless: "controller.admissionWebhooks.enabled"},
	},
	"kuma (flagger provider kuma)": {
		{Ref: "docker.io/kumahq", Key: "global.image.registry", Shape: shapePrefix, Split: "docker.io/kumahq",
			Components: []string{"kuma-cp:2.7.3", "kuma-dp:2.7.3", "kuma-init:2.7.3", "kumactl:2.7.3"}},
		{Ref: "docker.io/bitnami/kubectl:1.27.5", Key: "kubectl.image", Shape: shapeBitnami, Split: "bitnami/kubectl"},
	},
	"velero (backup)": {
		{Ref: "docker.io/velero/velero:v1.11.1", Key: "image", Shape: shapeRepository},
		{Ref: "docker.io/velero/velero-plugin-for-aws:v1.7.1", Key: "initContainers", Shape: shapeInitContainers},
		{Ref: "docker.io/bitnami/kubectl", Key: "kubectl.image", Shape: shapeRepositoryAnyTag, Unless: "upgradeCRDs",
			Why: "velero's upgradeCRDs job; the chart tags it with the member's Kubernetes version (e.g. 1.25): copy that tag"},
	},
	"rook-ceph (distributedStorage)": {
		{Ref: "docker.io/rook/ceph:v1.11.11", Key: "image", Shape: shapeRepository},
		{Ref: "quay.io/cephcsi/cephcsi:v3.8.0", Key: "csi.cephcsi.image", Shape: shapeString},
		{Ref: "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.7.0", Key: "csi.registrar.image", Shape: shapeString},
		{Ref: "registry.k8s.io/sig-storage/csi-provisioner:v3.4.0", Key: "csi.provisioner.image", Shape: shapeString},
		{Ref: "registry.k8s.io/sig-storage/csi-attacher:v4.1.0", Key: "csi.attacher.image", Shape: shapeString},
		{Ref: "registry.k8s.io/sig-storage/csi-snapshotter:v6.2.1", Key: "csi.snapshotter.image", Shape: shapeString},
		{Ref: "registry.k8s.io/sig-storage/csi-resizer:v1.7.0", Key: "csi.resizer.image", Shape: shapeString},
		// rook-ceph-cluster gets the same extraArgs (see sharedRelease): its
		// key does not collide with the operator chart's
		{Ref: "quay.io/ceph/ceph:v17.2.6", Key: "cephClusterSpec.cephVersion.image", Shape: shapeString},
	},
	"submariner-operator": {
		{Ref: "quay.io/submariner/submariner-operator:0.18.0", Key: "operator.image", Shape: shapeRepository},
		{Ref: "quay.io/submariner", Key: "submariner.images.repository", Shape: shapePrefix, Split: "quay.io/submariner",
			Components: []string{"submariner-gateway:0.18.0", "submariner-route-agent:0.18.0", "submariner-globalnet:0.18.0",
				"lighthouse-agent:0.18.0", "lighthouse-coredns:0.18.0"}},
	},
}

// floatingVersions: for a chart version range, the version the table
// assumes (the newest release in range when the table was written).
var floatingVersions = map[string]string{
	"flagger 1.x":       "1.44.0",
	"ingress-nginx 4.x": "4.15.1",
}

// chartPullSecrets: where each chart takes image pull secrets.
var chartPullSecrets = map[string][]pullSecretKey{
	"thanos":     {{"global.imagePullSecrets", secretsNames}},
	"prometheus": {{"global.imagePullSecrets", secretsNames}},
	"grafana":    {{"global.imagePullSecrets", secretsNames}},
	"kyverno": {
		{"admissionController.container.imagePullSecrets", secretsObjects},
		{"backgroundController.imagePullSecrets", secretsObjects},
		{"cleanupController.imagePullSecrets", secretsObjects},
		{"reportsController.imagePullSecrets", secretsObjects},
	},
	"flagger":                                {{"image.pullSecret", secretsSingle}, {"prometheus.pullSecret", secretsSingle}},
	"ingress-nginx (flagger provider nginx)": {{"imagePullSecrets", secretsObjects}},
	"velero (backup)":                        {{"image.imagePullSecrets", secretsNames}},
	"rook-ceph (distributedStorage)":         {{"imagePullSecrets", secretsObjects}},
	"kuma (flagger provider kuma)":           {{"global.imagePullSecrets", secretsNames}},
}

// The loadtester chart's own image (the release takes flagger's extraArgs
// as values and no chart override): fluxcd/flagger@daab4973
// charts/loadtester/values.yaml (chart 0.30.0).
const imagePublicLoadtester = "ghcr.io/fluxcd/flagger-loadtester:0.30.0"
