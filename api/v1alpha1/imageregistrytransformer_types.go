package v1alpha1

import "sigs.k8s.io/kustomize/kyaml/yaml"

// ImageRegistryTransformer is the functionConfig of scenario-fn's image
// registry transformer: it rewrites image and Helm chart references so
// that they name a private registry, and lists every source -> target pair
// so that the registry can be filled (skopeo, crane, helm). Its schema is
// transformers/crd/scenario.kurator.dev_imageregistrytransformers.yaml;
// transformers/README.md documents it.
type ImageRegistryTransformer struct {
	// APIVersion is scenario.kurator.dev/v1alpha1 (GroupVersion).
	APIVersion string `json:"apiVersion" yaml:"apiVersion"`
	// Kind is ImageRegistryTransformer (ImageRegistryTransformerKind).
	Kind string `json:"kind" yaml:"kind"`
	// Metadata names the configuration.
	Metadata yaml.ObjectMeta `json:"metadata,omitempty" yaml:"metadata,omitempty"`
	// Spec is the configuration.
	Spec ImageRegistryTransformerSpec `json:"spec" yaml:"spec"`
}

// ImageRegistryTransformerSpec is the transformer's configuration.
type ImageRegistryTransformerSpec struct {
	// Rules are registry rules for images and OCI charts (and https chart
	// repositories no chart rule matches). The most specific matching From
	// wins; "*" is the catch-all and maps every other registry to
	// <to>/<registry>/<path>.
	Rules []Rule `json:"rules,omitempty" yaml:"rules,omitempty"`
	// ChartRules are chart repository rules, checked before Rules for
	// chart repositories.
	ChartRules []ChartRule `json:"chartRules,omitempty" yaml:"chartRules,omitempty"`
	// SourceCredentials are Secrets (in each source's namespace) given to
	// the chart and OCI sources the function redirects, where their API
	// has a field for them: Application source.helmRepository secretRef,
	// source.ociRepository secretRef and certSecretRef, Flux HelmRepository
	// and OCIRepository secretRef and certSecretRef. The user's own refs
	// are kept.
	SourceCredentials *SourceCredentials `json:"sourceCredentials,omitempty" yaml:"sourceCredentials,omitempty"`
	// ImagePullSecrets are Secret names added to the imagePullSecrets of
	// every pod spec whose images were rewritten.
	ImagePullSecrets []string `json:"imagePullSecrets,omitempty" yaml:"imagePullSecrets,omitempty"`
	// FieldSpecs name extra image fields in other kinds, in kustomize
	// fieldSpec syntax; each field holds a full image reference.
	FieldSpecs []FieldSpec `json:"fieldSpecs,omitempty" yaml:"fieldSpecs,omitempty"`
	// Kurator tunes the Fleet plugin chart handling.
	Kurator KuratorOptions `json:"kurator,omitempty" yaml:"kurator,omitempty"`
	// MirrorList, when set, also emits the mirror list as a ConfigMap item
	// (data keys images.txt, charts.txt, mirror-only.txt,
	// skopeo-sync.yaml). It is always reported as info results.
	MirrorList *MirrorListOutput `json:"mirrorList,omitempty" yaml:"mirrorList,omitempty"`
}

// Rule maps a registry (host, or host/path prefix) to another.
type Rule struct {
	// From is a registry host (docker.io, localhost:5000), a host/path
	// prefix (docker.io/bitnami), or "*" for every other registry.
	From string `json:"from" yaml:"from"`
	// To is the registry host and optional path that replaces From
	// (harbor.corp.local/dockerhub).
	To string `json:"to" yaml:"to"`
	// CopyFrom is where the mirror list copies the images of this rule
	// from, instead of From (a registry host and optional path, e.g.
	// docker.io/bitnamilegacy: Bitnami moved its free images there in
	// 2025). The manifests keep naming From; not with "*".
	CopyFrom string `json:"copyFrom,omitempty" yaml:"copyFrom,omitempty"`
}

// ChartRule maps a chart repository URL prefix to another repository.
type ChartRule struct {
	// From is a repository URL prefix (https://kyverno.github.io/kyverno,
	// oci://ghcr.io/fluxcd/charts) or "*" (every chart repository).
	From string `json:"from" yaml:"from"`
	// To is an oci:// or https:// repository URL.
	To string `json:"to" yaml:"to"`
}

// SourceCredentials name Secrets in the namespace of each source.
type SourceCredentials struct {
	// SecretName is the registry credentials (secretRef): for OCI sources
	// a kubernetes.io/dockerconfigjson Secret, for https Helm repositories
	// username and password.
	SecretName string `json:"secretName,omitempty" yaml:"secretName,omitempty"`
	// CASecretName is a Secret holding ca.crt, the private registry's CA
	// (certSecretRef).
	CASecretName string `json:"caSecretName,omitempty" yaml:"caSecretName,omitempty"`
}

// FieldSpec names an image field of other kinds, as kustomize's
// types.FieldSpec.
type FieldSpec struct {
	// Group is the API group of the kinds ("" for any).
	Group string `json:"group,omitempty" yaml:"group,omitempty"`
	// Version is the API version of the kinds ("" for any).
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
	// Kind is the kind ("" for any).
	Kind string `json:"kind,omitempty" yaml:"kind,omitempty"`
	// Path is the field, like spec/runner/image; every list on the way is
	// visited.
	Path string `json:"path" yaml:"path"`
	// Create is accepted for kustomize compatibility; it must be false
	// (images are never created).
	Create bool `json:"create,omitempty" yaml:"create,omitempty"`
}

// KuratorOptions tunes the Kurator-specific rewrites.
type KuratorOptions struct {
	// WriteCharts writes a full chart block (repository, name, version)
	// into every Fleet plugin whose chart repository a rule rewrites,
	// including plugins that have no chart block (their default chart
	// would be pulled from the internet). Nil means true.
	WriteCharts *bool `json:"writeCharts,omitempty" yaml:"writeCharts,omitempty"`
}

// MirrorListOutput asks for the mirror list as a ConfigMap item.
type MirrorListOutput struct {
	// Name is the ConfigMap's name (default mirror-list).
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Namespace is the ConfigMap's namespace (default none).
	Namespace string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	// LocalConfig annotates it config.kubernetes.io/local-config "true"
	// (nil means true): kpt keeps it as a file in the package, kustomize
	// drops it from its output. False keeps it in kustomize's output
	// (filter it out before applying).
	LocalConfig *bool `json:"localConfig,omitempty" yaml:"localConfig,omitempty"`
	// Path is the file kpt writes it to
	// (internal.config.kubernetes.io/path), default mirror-list.yaml.
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
}
