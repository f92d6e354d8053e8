package kurator

import (
	"fmt"
	"strings"

	"github.com/kurator-scenario/scenario-fn/internal/yamlnode"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/schema"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Severity of a finding.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one problem in one object.
type Finding struct {
	Severity Severity
	Path     string // kustomize field path syntax
	Message  string
	Hint     string
	// Rule names the controller, webhook or value rule that found it (see
	// Rules); it is empty for what the API server checks itself: the CRD
	// schema and the object's metadata.
	Rule string
}

// Problem is the finding as the krm.Problem reported for resource id,
// located at src.
func (f Finding) Problem(id *yaml.ResourceIdentifier, src krm.Source) krm.Problem {
	sev := framework.Error
	if f.Severity == Warning {
		sev = framework.Warning
	}
	return krm.Problem{Severity: sev, Resource: id, Field: f.Path, Source: src, Message: f.Message, Hint: f.Hint}
}

// Validate checks a Kurator object against its embedded CRD schema and the
// controller and webhook rules the schema misses (API.md). Objects of other
// kinds get the metadata checks only. Findings are sorted by path.
func Validate(obj *yaml.RNode) []Finding {
	return validate(obj, false)
}

// ValidatePartial checks a partial Kurator resource, as templates and
// overlays hold them: types, enums, patterns and unknown fields, but no
// required fields (another layer or a parameter may set them) and none of
// the rules that judge a whole object.
func ValidatePartial(obj *yaml.RNode) []Finding {
	return validate(obj, true)
}

func validate(obj *yaml.RNode, partial bool) []Finding {
	var out []Finding
	meta, err := obj.GetMeta()
	if err != nil {
		return []Finding{{Severity: Error, Message: "not a Kubernetes object: " + err.Error()}}
	}
	if !partial || meta.Name != "" {
		out = append(out, validateMeta(meta)...)
	}
	out = append(out, metadataFields(obj)...)
	typ := Lookup(meta.APIVersion, meta.Kind)
	if typ == nil {
		if IsKurator(meta.APIVersion) {
			out = append(out, unknownKind(meta))
		}
		return out
	}
	for _, fe := range typ.Validate(obj) {
		if partial && fe.Code == schema.Required {
			continue
		}
		f := Finding{Severity: Error, Path: fe.Path, Message: fe.Message, Hint: schemaHint(fe)}
		if f.Path == "status" || strings.HasPrefix(f.Path, "status.") {
			// Controllers write status; the API server drops it on create,
			// so a stale status block in a doc is no reason to reject.
			f.Severity = Warning
			f.Message += "; status is written by the controller and dropped by the API server on create"
			f.Hint = "remove the status block: it is not applied"
		}
		out = append(out, f)
	}
	if partial {
		return out
	}
	var rules []Finding
	switch meta.Kind {
	case "Fleet":
		rules = tag("fleet", fleetRules(obj))
	case "Application":
		rules = tag("application", applicationRules(obj))
	case "Pipeline":
		rules = tag("pipeline", pipelineRules(obj))
	case "AttachedCluster":
		rules = tag("attachedcluster", attachedClusterRules(obj))
	case "Cluster":
		rules = tag("cluster", clusterRules(obj, meta.Name))
	case "Backup", "Restore", "Migrate":
		rules = tag("backup", backupRules(obj, meta.Kind))
	}
	out = append(out, rules...)
	out = append(out, valueRules(obj, meta.Kind)...)
	return out
}

// tag marks findings with the rule group that produced them, unless a
// finer rule is already named.
func tag(rule string, fs []Finding) []Finding {
	for i := range fs {
		if fs[i].Rule == "" {
			fs[i].Rule = rule
		}
	}
	return fs
}

// unknownKind explains a Kurator apiVersion/kind without a CRD here.
func unknownKind(meta yaml.ResourceMeta) Finding {
	if k := KnownKind(meta.Kind); k != nil && IsKurator(meta.APIVersion) {
		return Finding{Severity: Error, Path: "apiVersion",
			Message: fmt.Sprintf("Kurator serves %s as %s, not %s", meta.Kind, k.APIVersion, meta.APIVersion),
			Hint:    "use apiVersion: " + k.APIVersion}
	}
	var names []string
	for _, k := range Kinds {
		names = append(names, k.Kind)
	}
	return Finding{Severity: Error, Path: "kind",
		Message: fmt.Sprintf("unknown Kurator kind %s %s: Kurator's CRDs define %s", meta.APIVersion, meta.Kind, strings.Join(names, ", ")),
		Hint:    "check the kind's spelling and apiVersion against the Kurator API reference; objects of other APIs are not judged here"}
}

// patternHints explain the CRD patterns people trip over (API.md §4).
var patternHints = map[string]string{
	`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`: "write a duration such as 5m0s, 90s or 1h (units ms, s, m, h; no spaces)",
	`^([0-9]+(\.[0-9]+)?(ms|s|m))+$`:   "write a duration such as 60s or 1m0s (units ms, s, m; this timeout does not take h)",
	`^[0-9]+(\.[0-9]+)?(Gi|Mi)$`:       "write a size in Gi or Mi, such as 1Gi or 500Mi (1G and 1Ti are rejected)",
	`^(http|https|ssh)://.*$`:          "use an http://, https:// or ssh:// URL",
	`^oci://.*$`:                       "use an oci:// URL",
	`^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`: quantityHint,
}

// schemaHint says how to fix a schema error, from what kube-openapi found
// (the code, the pattern, the allowed values, the bound), not from the
// wording of its message.
func schemaHint(fe schema.FieldError) string {
	switch fe.Code {
	case schema.UnknownField:
		return "remove it, or check its spelling and indentation against the CRD (scenario-fn validate prints the allowed fields)"
	case schema.Required:
		return "set it"
	case schema.WrongType:
		return typeHints[fe.Expected]
	case schema.Pattern:
		if h, ok := patternHints[fe.Pattern]; ok {
			return h
		}
		if fe.Pattern != "" {
			return "change the value so that it matches " + fe.Pattern
		}
	case schema.Enum:
		if len(fe.Allowed) > 0 {
			return "use one of " + joinValues(fe.Allowed)
		}
	case schema.TooLong:
		if fe.Limit != "" {
			return "shorten it to at most " + fe.Limit + " characters"
		}
	case schema.Minimum:
		switch {
		case fe.Limit != "" && fe.Exclusive:
			return "use more than " + fe.Limit
		case fe.Limit != "":
			return "use " + fe.Limit + " or more"
		}
	case schema.Maximum:
		switch {
		case fe.Limit != "" && fe.Exclusive:
			return "use less than " + fe.Limit
		case fe.Limit != "":
			return "use " + fe.Limit + " or less"
		}
	}
	return ""
}

// typeHints say how to write a value of each schema type in YAML.
var typeHints = map[string]string{
	"string":  "quote the value",
	"integer": "write a number, without quotes",
	"number":  "write a number, without quotes",
	"boolean": "write true or false, without quotes",
	"object":  "write a map (key: value lines, indented under the field)",
	"array":   "write a list (- item lines, or [a, b])",
}

func joinValues(vs []interface{}) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprint(v)
	}
	return strings.Join(out, ", ")
}

func validateMeta(meta yaml.ResourceMeta) []Finding {
	var out []Finding
	if meta.Name == "" {
		out = append(out, Finding{Severity: Error, Path: "metadata.name", Message: "required field is missing", Hint: "set a DNS-1123 name"})
	} else if !krm.IsDNS1123Subdomain(meta.Name) && !strings.Contains(meta.Name, "${") {
		out = append(out, Finding{Severity: Error, Path: "metadata.name",
			Message: fmt.Sprintf("%q is not a DNS-1123 subdomain", meta.Name),
			Hint:    "use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"})
	}
	if meta.Namespace != "" && !krm.IsDNS1123Label(meta.Namespace) && !strings.Contains(meta.Namespace, "${") {
		out = append(out, Finding{Severity: Error, Path: "metadata.namespace",
			Message: fmt.Sprintf("%q is not a DNS-1123 label", meta.Namespace),
			Hint:    "use at most 63 lower-case letters, digits and '-'"})
	}
	return out
}

// --- small YAML helpers -------------------------------------------------

// get returns the value at a path of field names, or nil when it is
// missing or null. It walks the nodes directly (kyaml's Lookup allocates a
// filter per call, and rules call this for every rendered object).
func get(n *yaml.RNode, path ...string) *yaml.RNode {
	if n == nil {
		return nil
	}
	cur := n.YNode()
	for _, part := range path {
		if cur != nil && cur.Kind == yaml.DocumentNode && len(cur.Content) > 0 {
			cur = cur.Content[0]
		}
		cur = yamlnode.MapValue(cur, part)
		if cur == nil {
			return nil
		}
	}
	if cur.Kind == yaml.ScalarNode && cur.ShortTag() == yaml.NodeTagNull {
		return nil
	}
	if len(path) == 0 {
		return n
	}
	return yaml.NewRNode(cur)
}

func str(n *yaml.RNode, path ...string) string {
	v := get(n, path...)
	if v == nil || v.YNode().Kind != yaml.ScalarNode {
		return ""
	}
	return v.YNode().Value
}

func elements(n *yaml.RNode) []*yaml.RNode {
	if n == nil || n.YNode().Kind != yaml.SequenceNode {
		return nil
	}
	els, _ := n.Elements()
	return els
}

func fields(n *yaml.RNode) []string {
	if n == nil || n.YNode().Kind != yaml.MappingNode {
		return nil
	}
	f, _ := n.Fields()
	return f
}

func elemPath(list string, el *yaml.RNode, i int) string {
	if name := str(el, "name"); name != "" {
		return list + ".[name=" + name + "]"
	}
	return fmt.Sprintf("%s.%d", list, i)
}

func duplicates(list *yaml.RNode, listPath, key string) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, el := range elements(list) {
		v := str(el, key)
		if v == "" {
			continue
		}
		if seen[v] {
			out = append(out, Finding{Severity: Error, Path: listPath + ".[" + key + "=" + v + "]",
				Message: fmt.Sprintf("duplicate %s %q", key, v), Hint: "each element needs a unique " + key})
		}
		seen[v] = true
	}
	return out
}

// --- Fleet ---------------------------------------------------------------

func fleetRules(obj *yaml.RNode) []Finding {
	var out []Finding
	clusters := get(obj, "spec", "clusters")
	for i, c := range elements(clusters) {
		switch k := str(c, "kind"); k {
		case "", "Cluster", "AttachedCluster":
		default:
			out = append(out, Finding{Severity: Error, Path: elemPath("spec.clusters", c, i) + ".kind",
				Message: fmt.Sprintf("unsupported cluster kind %q: the fleet controller fails to reconcile it", k),
				Hint:    "use Cluster or AttachedCluster"})
		}
		if str(c, "name") == "" {
			out = append(out, Finding{Severity: Error, Path: elemPath("spec.clusters", c, i) + ".name",
				Message: "cluster reference without a name", Hint: "name the Cluster or AttachedCluster in the Fleet's namespace"})
		}
	}
	out = append(out, duplicates(clusters, "spec.clusters", "name")...)

	plugin := get(obj, "spec", "plugin")
	for _, name := range fields(plugin) {
		p := get(plugin, name)
		out = append(out, chartRule(p, "spec.plugin."+name)...)
		if name == "metric" {
			for _, sub := range fields(p) {
				out = append(out, chartRule(get(p, sub), "spec.plugin.metric."+sub)...)
			}
			if str(p, "thanos", "objectStoreConfig", "secretName") == "" {
				out = append(out, Finding{Severity: Error, Path: "spec.plugin.metric.thanos.objectStoreConfig.secretName",
					Message: "the metric plugin needs a Thanos object store: without it the controller fails with an empty secret name",
					Hint:    "set thanos.objectStoreConfig.secretName to a Secret with key objstore.yml in the Fleet's namespace"})
			}
		}
		if name == "policy" {
			out = append(out, chartRule(get(p, "kyverno"), "spec.plugin.policy.kyverno")...)
		}
		if name == "flagger" {
			out = append(out, chartRule(get(p, "config"), "spec.plugin.flagger.config")...)
			switch prov := str(p, "trafficRoutingProvider"); prov {
			case "", "istio", "kuma", "nginx":
			default:
				out = append(out, Finding{Severity: Error, Path: "spec.plugin.flagger.trafficRoutingProvider",
					Message: fmt.Sprintf("unsupported provider %q", prov), Hint: "use istio, kuma or nginx"})
			}
		}
		if name == "backup" {
			switch prov := str(p, "storage", "location", "provider"); prov {
			case "", "aws", "huaweicloud", "gcp", "azure":
			default:
				out = append(out, Finding{Severity: Error, Path: "spec.plugin.backup.storage.location.provider",
					Message: fmt.Sprintf("unsupported provider %q: the controller fails to reconcile it", prov),
					Hint:    "use aws, huaweicloud, gcp or azure"})
			}
		}
	}
	return out
}

// chartRule: a chart override replaces repository, name and version
// together, so a partial one sends empty values to Flux.
func chartRule(plugin *yaml.RNode, path string) []Finding {
	chart := get(plugin, "chart")
	if chart == nil {
		return nil
	}
	var missing []string
	for _, f := range []string{"repository", "name", "version"} {
		if str(chart, f) == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return []Finding{{Severity: Error, Path: path + ".chart",
		Message: fmt.Sprintf("chart override without %s: the controller replaces repository, name and version together, so Flux would get empty values", strings.Join(missing, ", ")),
		Hint:    "write repository, name and version (the defaults are in the CRD field descriptions)"}}
}

// --- Application ---------------------------------------------------------

func applicationRules(obj *yaml.RNode) []Finding {
	var out []Finding
	var sources []string
	for _, s := range []string{"gitRepository", "helmRepository", "ociRepository"} {
		if get(obj, "spec", "source", s) != nil {
			sources = append(sources, s)
		}
	}
	if len(sources) != 1 && get(obj, "spec", "source") != nil {
		out = append(out, Finding{Severity: Error, Path: "spec.source",
			Message: fmt.Sprintf("an Application needs exactly one source, found %d (%s)", len(sources), strings.Join(sources, ", ")),
			Hint:    "keep one of gitRepository, helmRepository, ociRepository"})
	}
	if url := str(obj, "spec", "source", "helmRepository", "url"); url != "" && str(obj, "spec", "source", "helmRepository", "type") == "oci" && !strings.HasPrefix(url, "oci://") && !strings.Contains(url, "${") {
		out = append(out, Finding{Severity: Error, Path: "spec.source.helmRepository.url",
			Message: "a helmRepository of type oci needs an oci:// url", Hint: "start the url with oci://"})
	}

	appFleet := str(obj, "spec", "destination", "fleet")
	policies := get(obj, "spec", "syncPolicies")
	fleets := map[string]bool{}
	withFleet, withoutFleet := 0, 0
	for i, p := range elements(policies) {
		pp := elemPath("spec.syncPolicies", p, i)
		f := str(p, "destination", "fleet")
		if f != "" {
			withFleet++
			fleets[f] = true
			if appFleet != "" && f != appFleet {
				out = append(out, Finding{Severity: Error, Path: pp + ".destination.fleet",
					Message: fmt.Sprintf("fleet %q differs from spec.destination.fleet %q: the Application webhook rejects it", f, appFleet),
					Hint:    "an Application deploys to one fleet; use a second Application for another fleet"})
			}
		} else {
			withoutFleet++
		}
		k, h := get(p, "kustomization"), get(p, "helm")
		switch {
		case k == nil && h == nil:
			out = append(out, Finding{Severity: Error, Path: pp,
				Message: "sync policy with neither kustomization nor helm does nothing", Hint: "add a kustomization or a helm block"})
		case k != nil && h != nil:
			out = append(out, Finding{Severity: Warning, Path: pp + ".helm",
				Message: "sync policy has both kustomization and helm: the controller uses kustomization and ignores helm", Hint: "keep one"})
		}
		if r := get(p, "rollout"); r != nil {
			out = append(out, rolloutRules(r, pp+".rollout")...)
		}
	}
	if appFleet == "" && (len(fleets) > 1 || (withFleet > 0 && withoutFleet > 0)) {
		out = append(out, Finding{Severity: Error, Path: "spec.syncPolicies",
			Message: "sync policies name different fleets, or some name a fleet and some do not: the Application webhook rejects this",
			Hint:    "set spec.destination.fleet once, or give every policy the same fleet"})
	}
	out = append(out, duplicates(policies, "spec.syncPolicies", "name")...)
	return out
}

func rolloutRules(r *yaml.RNode, path string) []Finding {
	var out []Finding
	provider := str(r, "trafficRoutingProvider")
	switch provider {
	case "", "istio", "kuma", "nginx":
	default:
		if !strings.Contains(provider, "${") {
			out = append(out, Finding{Severity: Error, Path: path + ".trafficRoutingProvider",
				Message: fmt.Sprintf("unsupported provider %q", provider), Hint: "use istio, kuma or nginx"})
		}
	}
	tr := get(r, "rolloutPolicy", "trafficRouting")
	if provider == "nginx" && str(tr, "host") == "" {
		out = append(out, Finding{Severity: Error, Path: path + ".rolloutPolicy.trafficRouting.host",
			Message: "the nginx provider needs an ingress host: the Application webhook refuses it without one", Hint: "set trafficRouting.host"})
	}
	if get(tr, "canaryStrategy") != nil && get(tr, "analysisTimes") != nil {
		out = append(out, Finding{Severity: Error, Path: path + ".rolloutPolicy.trafficRouting",
			Message: "canaryStrategy and analysisTimes select different strategies (canary vs A/B or blue/green)",
			Hint:    "keep canaryStrategy for a canary, or analysisTimes (with match for A/B) for the others"})
	}
	out = append(out, duplicates(get(r, "rolloutPolicy", "trafficAnalysis", "metrics"), path+".rolloutPolicy.trafficAnalysis.metrics", "name")...)
	return out
}

// --- Pipeline ------------------------------------------------------------

// PredefinedTasks are the task templates the Kurator pipeline controller knows.
var PredefinedTasks = []string{"git-clone", "go-test", "go-lint", "build-and-push-image"}

func pipelineRules(obj *yaml.RNode) []Finding {
	var out []Finding
	tasks := get(obj, "spec", "tasks")
	els := elements(tasks)
	if len(els) > 0 {
		first := els[0]
		if str(first, "name") != "git-clone" || str(first, "predefinedTask", "name") != "git-clone" {
			out = append(out, Finding{Severity: Error, Path: elemPath("spec.tasks", first, 0),
				Message: "the first task must be the predefined git-clone: the generated Tekton pipeline always starts from it",
				Hint:    "start spec.tasks with {name: git-clone, predefinedTask: {name: git-clone}}"})
		}
	}
	for i, t := range els {
		tp := elemPath("spec.tasks", t, i)
		pre, custom := get(t, "predefinedTask"), get(t, "customTask")
		switch {
		case pre == nil && custom == nil:
			out = append(out, Finding{Severity: Error, Path: tp,
				Message: "task has neither predefinedTask nor customTask", Hint: "set exactly one of them"})
		case pre != nil && custom != nil:
			out = append(out, Finding{Severity: Error, Path: tp,
				Message: "task has both predefinedTask and customTask", Hint: "set exactly one of them"})
		}
		if pre != nil {
			pn := str(pre, "name")
			if pn != "" && !contains(PredefinedTasks, pn) {
				out = append(out, Finding{Severity: Error, Path: tp + ".predefinedTask.name",
					Message: fmt.Sprintf("unknown predefined task %q: it fails at reconcile", pn),
					Hint:    "use one of " + strings.Join(PredefinedTasks, ", ") + ", or a customTask"})
			}
			if n := str(t, "name"); pn != "" && n != pn {
				out = append(out, Finding{Severity: Error, Path: tp + ".name",
					Message: fmt.Sprintf("a predefined task's name must equal predefinedTask.name (%q): Kurator creates the Task as %s-<pipeline> but references it by the task name", pn, pn),
					Hint:    fmt.Sprintf("rename the task to %q", pn)})
			}
			if pn == "build-and-push-image" {
				if img := str(pre, "params", "image"); img == "" || img == "Unknown" {
					out = append(out, Finding{Severity: Error, Path: tp + ".predefinedTask.params.image",
						Message: "build-and-push-image needs the image to push", Hint: "set params.image, e.g. ghcr.io/acme/app:v1"})
				}
			}
		}
		if custom != nil {
			if str(custom, "image") == "" {
				out = append(out, Finding{Severity: Error, Path: tp + ".customTask.image",
					Message: "customTask.image is empty: the pipeline controller fails to render the task", Hint: "set the container image the step runs in"})
			}
			if get(custom, "script") != nil && get(custom, "command") != nil {
				out = append(out, Finding{Severity: Error, Path: tp + ".customTask",
					Message: "script and command are mutually exclusive (Tekton)", Hint: "keep one"})
			}
			for j, e := range elements(get(custom, "env")) {
				if get(e, "valueFrom") != nil {
					out = append(out, Finding{Severity: Warning, Path: elemPath(tp+".customTask.env", e, j) + ".valueFrom",
						Message: "Kurator renders only env name and value: valueFrom is dropped", Hint: "use value"})
				}
			}
		}
	}
	out = append(out, duplicates(tasks, "spec.tasks", "name")...)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
