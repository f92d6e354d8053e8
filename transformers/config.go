package transformers

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/api/v1alpha1"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/schema"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Kind and APIVersion of the functionConfig this package handles
// (api/v1alpha1).
const (
	Kind       = v1alpha1.ImageRegistryTransformerKind
	APIVersion = v1alpha1.GroupVersion
)

// The function compiles the CRD's compact form (its schemas without
// descriptions, as JSON: several times cheaper to decode than the YAML,
// paid on every process start); crd/*.yaml stays the source.
//
//go:generate go run ../internal/compactcrd crd crd/compact *.yaml
//go:embed crd/compact/*.json
var crdFS embed.FS

var (
	schemaOnce sync.Once
	configType *schema.Type
	schemaErr  error
)

// configSchema compiles the embedded CRD once.
func configSchema() (*schema.Type, error) {
	schemaOnce.Do(func() {
		set, err := schema.Load(crdFS, "crd/compact/*.json")
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

// The configuration's types are the API's (api/v1alpha1).
type (
	// Config is the decoded spec of an ImageRegistryTransformer.
	Config = v1alpha1.ImageRegistryTransformerSpec
	// Rule maps a registry (or chart repository) prefix to another.
	Rule = v1alpha1.Rule
	// SourceCredentials name Secrets in the namespace of each source.
	SourceCredentials = v1alpha1.SourceCredentials
	// KuratorOptions tunes the Kurator-specific rewrites.
	KuratorOptions = v1alpha1.KuratorOptions
	// MirrorListOutput asks for the mirror list as a ConfigMap item.
	MirrorListOutput = v1alpha1.MirrorListOutput
)

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
	doc, err := v1alpha1.DecodeImageRegistryTransformer(cfg.YNode())
	if err != nil {
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
	chartRules := make([]Rule, len(c.ChartRules))
	for i, r := range c.ChartRules {
		chartRules[i] = Rule{From: r.From, To: r.To}
	}
	c.charts = compileChartRules(chartRules, c.images, errf)
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
	for i, f := range c.FieldSpecs {
		field := "spec.fieldSpecs." + strconv.Itoa(i)
		fs := types.FieldSpec{Gvk: resid.Gvk{Group: f.Group, Version: f.Version, Kind: f.Kind}, Path: f.Path, CreateIfNotPresent: f.Create}
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
