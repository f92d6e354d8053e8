package transformers

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/schema"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Kind and APIVersion of the functionConfig this package handles.
const (
	Kind       = "ImageRegistryTransformer"
	APIVersion = "scenario.kurator.dev/v1alpha1"
)

//go:embed crd/*.yaml
var crdFS embed.FS

var (
	schemaOnce sync.Once
	configType *schema.Type
	schemaErr  error
)

// configSchema compiles the embedded CRD once.
func configSchema() (*schema.Type, error) {
	schemaOnce.Do(func() {
		set, err := schema.Load(crdFS, "crd/*.yaml")
		if err != nil {
			schemaErr = err
			return
		}
		configType = set.Lookup(APIVersion, Kind)
		if configType == nil {
			schemaErr = fmt.Errorf("crd/: no schema for %s %s", APIVersion, Kind)
		}
	})
	return configType, schemaErr
}

// Config is the decoded spec of an ImageRegistryTransformer.
type Config struct {
	// Rules map registries (host or host/path prefix, or "*") to targets.
	Rules []Rule `json:"rules,omitempty" yaml:"rules,omitempty"`
	// ChartRules map chart repository URL prefixes, before Rules.
	ChartRules []Rule `json:"chartRules,omitempty" yaml:"chartRules,omitempty"`
	// ImagePullSecrets are added to pod specs whose images were rewritten.
	ImagePullSecrets []string `json:"imagePullSecrets,omitempty" yaml:"imagePullSecrets,omitempty"`
	// FieldSpecs name extra image fields, in kustomize fieldSpec syntax.
	FieldSpecs []types.FieldSpec `json:"fieldSpecs,omitempty" yaml:"fieldSpecs,omitempty"`
	// Kurator tunes the Fleet chart handling.
	Kurator KuratorOptions `json:"kurator,omitempty" yaml:"kurator,omitempty"`
	// MirrorList, when set, also emits the mirror list as a ConfigMap.
	MirrorList *MirrorListOutput `json:"mirrorList,omitempty" yaml:"mirrorList,omitempty"`
	// SourceCredentials are Secrets given to the chart and OCI sources the
	// function redirects (Application sources, Flux HelmRepository and
	// OCIRepository), where their API has a field for them.
	SourceCredentials *SourceCredentials `json:"sourceCredentials,omitempty" yaml:"sourceCredentials,omitempty"`
}

// SourceCredentials name Secrets in the namespace of each source.
type SourceCredentials struct {
	// SecretName: the registry credentials (secretRef). For OCI sources a
	// kubernetes.io/dockerconfigjson Secret; for https Helm repositories
	// username/password.
	SecretName string `json:"secretName,omitempty" yaml:"secretName,omitempty"`
	// CASecretName: a Secret with ca.crt, the private registry's CA
	// (certSecretRef).
	CASecretName string `json:"caSecretName,omitempty" yaml:"caSecretName,omitempty"`
}

// Rule maps a registry (or chart repository) prefix to another.
type Rule struct {
	// From is the source prefix, or "*" for every other source.
	From string `json:"from" yaml:"from"`
	// To is the target prefix that replaces From.
	To string `json:"to" yaml:"to"`
	// CopyFrom, on an image rule, is where the mirror list copies images
	// from instead of From (a registry host/path prefix): the manifests
	// keep naming From, only the copy source changes. Bitnami's free images
	// moved to docker.io/bitnamilegacy in 2025.
	CopyFrom string `json:"copyFrom,omitempty" yaml:"copyFrom,omitempty"`
}

// KuratorOptions tunes the Kurator-specific rewrites.
type KuratorOptions struct {
	// WriteCharts writes repository, name and version into every Fleet
	// plugin whose chart repository is rewritten, creating the chart block
	// when the plugin has none. Nil means true.
	WriteCharts *bool `json:"writeCharts,omitempty" yaml:"writeCharts,omitempty"`
}

// MirrorListOutput asks for the mirror list as a ConfigMap item.
type MirrorListOutput struct {
	// Name of the ConfigMap, default mirror-list.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Namespace of the ConfigMap, default none.
	Namespace string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	// LocalConfig marks it config.kubernetes.io/local-config; nil means true.
	LocalConfig *bool `json:"localConfig,omitempty" yaml:"localConfig,omitempty"`
	// Path is the file kpt writes it to, default mirror-list.yaml.
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
}

// config is a validated configuration, compiled for matching.
type config struct {
	Config
	images      *ruleSet
	charts      *chartRuleSet
	writeCharts bool
	fieldSpecs  []types.FieldSpec // paths with "[]" hints removed, see fieldspecs.go
}

const configHintDocs = "see transformers/README.md, \"Configuration\""

// loadConfig validates the functionConfig against the CRD, decodes it and
// checks what the schema cannot. Every error names the field path and the
// config file.
func loadConfig(cfg *yaml.RNode) (*config, krm.Problems) {
	var problems krm.Problems
	id := krm.IDOf(cfg)
	src := krm.Source{File: krm.PathOf(cfg)}
	typ, err := configSchema()
	if err != nil {
		problems.Errorf(id, "", src, "this is a build defect; please report it", "embedded ImageRegistryTransformer schema: %v", err)
		return nil, problems
	}
	meta, _ := cfg.GetMeta()
	if meta.APIVersion != APIVersion {
		problems.Errorf(id, "apiVersion", src, "write apiVersion: "+APIVersion,
			"unsupported apiVersion %q for kind %s", meta.APIVersion, Kind)
		return nil, problems
	}
	for _, fe := range typ.Validate(cfg) {
		hint := configHintDocs
		switch fe.Code {
		case schema.UnknownField:
			hint = "remove it or fix its spelling and indentation; the allowed fields are in transformers/crd/scenario.kurator.dev_imageregistrytransformers.yaml"
		case schema.Required:
			hint = "add it; " + configHintDocs
		}
		problems.Errorf(id, fe.Path, src, hint, "%s", fe.Message)
	}
	if problems.HasErrors() {
		return nil, problems
	}
	var doc struct {
		Spec Config `yaml:"spec"`
	}
	if err := cfg.YNode().Decode(&doc); err != nil {
		problems.Errorf(id, "spec", src, configHintDocs, "cannot decode the configuration: %v", err)
		return nil, problems
	}
	c := &config{Config: doc.Spec, writeCharts: true}
	if c.Kurator.WriteCharts != nil {
		c.writeCharts = *c.Kurator.WriteCharts
	}
	errf := func(field, hint, format string, args ...any) {
		problems.Errorf(id, field, src, hint, format, args...)
	}
	if len(c.Rules) == 0 && len(c.ChartRules) == 0 {
		errf("spec.rules", "add at least one rule, e.g. {from: docker.io, to: harbor.example.com/dockerhub}",
			"no rules: the transformer would change nothing")
	}
	c.images = compileRules(c.Rules, errf)
	c.charts = compileChartRules(c.ChartRules, c.images, errf)
	for i, s := range c.ImagePullSecrets {
		field := "spec.imagePullSecrets." + strconv.Itoa(i)
		if !krm.IsDNS1123Subdomain(s) {
			errf(field, "use the name of a kubernetes.io/dockerconfigjson Secret in the workloads' namespaces",
				"%q is not a valid Secret name (DNS-1123 subdomain)", s)
		}
		for j := 0; j < i; j++ {
			if c.ImagePullSecrets[j] == s {
				errf(field, "remove the duplicate", "duplicate Secret %q (also at spec.imagePullSecrets.%d)", s, j)
			}
		}
	}
	if sc := c.SourceCredentials; sc != nil {
		for _, f := range []struct{ field, v string }{{"secretName", sc.SecretName}, {"caSecretName", sc.CASecretName}} {
			if f.v != "" && !krm.IsDNS1123Subdomain(f.v) {
				errf("spec.sourceCredentials."+f.field, "use the name of a Secret in the sources' namespaces",
					"%q is not a valid Secret name (DNS-1123 subdomain)", f.v)
			}
		}
	}
	for i, fs := range c.FieldSpecs {
		field := "spec.fieldSpecs." + strconv.Itoa(i)
		if fs.CreateIfNotPresent {
			errf(field+".create", "remove create: image fields are rewritten where they exist, never created",
				"create: true is not supported")
		}
		fixed, msg := checkFieldSpecPath(fs.Path)
		if msg != "" {
			errf(field+".path", "write a kustomize fieldSpec path such as spec/runner/image or spec/containers[]/image", "%s", msg)
			continue
		}
		fs.Path = fixed
		c.fieldSpecs = append(c.fieldSpecs, fs)
	}
	if ml := c.MirrorList; ml != nil {
		if ml.Name == "" {
			ml.Name = "mirror-list"
		}
		if ml.Path == "" {
			ml.Path = "mirror-list.yaml"
		}
		if !krm.IsDNS1123Subdomain(ml.Name) {
			errf("spec.mirrorList.name", "use a DNS-1123 subdomain such as mirror-list", "%q is not a valid ConfigMap name", ml.Name)
		}
		if ml.Namespace != "" && !krm.IsDNS1123Label(ml.Namespace) {
			errf("spec.mirrorList.namespace", "use a DNS-1123 label", "%q is not a valid namespace", ml.Namespace)
		}
		if strings.HasPrefix(ml.Path, "/") || strings.Contains(ml.Path, "..") {
			errf("spec.mirrorList.path", "use a relative path inside the package, such as mirror-list.yaml",
				"path %q leaves the package", ml.Path)
		}
	}
	if problems.HasErrors() {
		return nil, problems
	}
	return c, problems
}
