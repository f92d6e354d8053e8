package transformers

// This file is data: what Kurator installs by default and which images its
// controllers pull on their own. Sources, at kurator-dev/kurator@b6339412
// (the commit kurator/crds/SOURCE.md names):
// pkg/fleet-manager/manifests/plugins/*.yaml,
// pkg/fleet-manager/plugin/plugin.go (mergeChartConfig replaces repository,
// name and version together) and
// pkg/fleet-manager/pipeline/render/predefined_task_content.go. When Kurator
// is upgraded, update this table and the golden tests together.

// chartRef is a Helm chart: repository URL, chart name and version.
type chartRef struct {
	Repository, Name, Version string
}

// fleetPlugin is one chart release a Fleet plugin installs.
type fleetPlugin struct {
	// Component names the release in messages.
	Component string
	// Path is the plugin's block below spec.plugin.
	Path []string
	// Chart is Kurator's default chart.
	Chart chartRef
	// Values is how the chart composes images from extraArgs.
	Values valuesStyle
	// Parent, when set, is a block below spec.plugin whose presence installs
	// this release even without its own block (metric always installs
	// Prometheus); the block is then created to hold the chart.
	Parent []string
	// Provider restricts the release to a flagger trafficRoutingProvider.
	Provider string
	// SharedWith names a second release that Kurator installs with the same
	// chart override (a Kurator bug: the override replaces its chart too),
	// and the condition under which it is installed ("" = always).
	SharedWith      *chartRef
	SharedCondition []string // path below the plugin block that must be set
	// SharedValues: the second release gets the plugin's extraArgs too.
	SharedValues bool
}

var bitnami = valuesStyle{registry: "docker.io"}

// fleetPlugins lists every release whose chart a Fleet field can change, in
// the order results are reported.
var fleetPlugins = []fleetPlugin{
	{Component: "thanos", Path: []string{"metric", "thanos"}, Values: bitnami,
		Chart: chartRef{"oci://registry-1.docker.io/bitnamicharts", "thanos", "12.5.1"}},
	{Component: "prometheus", Path: []string{"metric", "prometheus"}, Parent: []string{"metric"}, Values: bitnami,
		Chart: chartRef{"oci://registry-1.docker.io/bitnamicharts", "kube-prometheus", "8.9.1"}},
	{Component: "grafana", Path: []string{"grafana"}, Values: bitnami,
		Chart: chartRef{"oci://registry-1.docker.io/bitnamicharts", "grafana", "8.2.33"}},
	// kyverno: an image block without registry is the repository alone
	// ("kyverno.image" in the chart's _image.tpl), so no default registry;
	// the chart's own blocks (registry ghcr.io) are in chartImages.
	{Component: "kyverno", Path: []string{"policy", "kyverno"},
		Chart:           chartRef{"https://kyverno.github.io/kyverno/", "kyverno", "3.0.0"},
		SharedWith:      &chartRef{"https://kyverno.github.io/kyverno/", "kyverno-policies", "3.0.0"},
		SharedCondition: []string{"podSecurity"}},
	{Component: "flagger", Path: []string{"flagger"},
		Chart: chartRef{"oci://ghcr.io/fluxcd/charts", "flagger", "1.x"}},
	{Component: "ingress-nginx (flagger provider nginx)", Path: []string{"flagger", "config"}, Parent: []string{"flagger"}, Provider: "nginx",
		Chart: chartRef{"https://kubernetes.github.io/ingress-nginx", "ingress-nginx", "4.x"}},
	{Component: "kuma (flagger provider kuma)", Path: []string{"flagger", "config"}, Parent: []string{"flagger"}, Provider: "kuma",
		Chart: chartRef{"https://kumahq.github.io/charts", "kuma", "2.7.3"}},
	{Component: "velero (backup)", Path: []string{"backup"},
		Chart: chartRef{"https://vmware-tanzu.github.io/helm-charts", "velero", "5.0.2"}},
	{Component: "rook-ceph (distributedStorage)", Path: []string{"distributedStorage"},
		Chart:      chartRef{"https://charts.rook.io/release", "rook-ceph", "1.11.11"},
		SharedWith: &chartRef{"https://charts.rook.io/release", "rook-ceph-cluster", "1.11.11"}, SharedValues: true},
	{Component: "submariner-operator", Path: []string{"submariner"},
		Chart: chartRef{"https://submariner-io.github.io/submariner-charts/charts", "submariner-operator", "0.18.0"}},
}

// fixedCharts are releases no Fleet field can redirect.
var (
	publicTestloaderChart = chartRef{"https://flagger.app", "loadtester", "0.30.0"}
	submarinerBrokerChart = chartRef{"https://submariner-io.github.io/submariner-charts/charts", "submariner-k8s-broker", "0.18.0"}
)

// Images Kurator's controllers pull that no field of a Kurator resource
// changes: they can only come from a containerd registry mirror.
const (
	imageGitInit          = "gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init:v0.40.2"
	imageGolang           = "docker.io/library/golang" // :<params.version>, default latest
	imageGolangciLint     = "docker.io/golangci/golangci-lint"
	imageBash             = "docker.io/library/bash:5.1.4@sha256:c523c636b722339f41b6a431b44588ab2f762c5de5ec3bd7964420ff982fb1d9"
	imageKaniko           = "gcr.io/kaniko-project/executor@sha256:899886a2db1c127ff1565d5c7b1e574af1810bbdad048e9850e4f40b5848d79c"
	imageLoadtester       = "ghcr.io/fluxcd/flagger-loadtester:0.29.0"
	defaultGoToolsVersion = "latest"
)
