package kurator

import (
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Rules documents every rule group a Finding can name: what the CRD
// schemas do not express but a controller, a webhook or the value's
// consumer enforces. Where one is stricter than the API server's CRD
// validation, this is why (the differential test in e2e accepts no other
// difference).
var Rules = map[string]string{
	"fleet":           "Fleet controller: cluster kinds Cluster|AttachedCluster, chart overrides with repository, name and version, metric needs thanos.objectStoreConfig, known flagger and backup providers (API.md §1)",
	"application":     "Application webhook and controller: one source, one fleet, kustomization or helm per policy, nginx needs a host, canary and analysisTimes exclusive (API.md §2)",
	"pipeline":        "Pipeline controller: git-clone first, predefined task names, customTask image, script/command exclusive (API.md §3)",
	"attachedcluster": "AttachedCluster webhook: spec.kubeconfig name and key set, both DNS-1123 subdomains (pkg/webhooks/attachedcluster_webhook.go)",
	"cluster":         "Cluster webhook: name is a label value, infraType, credential.secretRef, region on aws, a Kubernetes version v1.2.3, valid CIDRs, at most 25 data volumes on aws, unique additionalResources (pkg/webhooks/cluster_webhook.go)",
	"backup":          "Backup/Restore/Migrate controllers: destination clusters named with kind Cluster|AttachedCluster, a 5-field cron schedule, a Go duration ttl, one source cluster for a migration (pkg/fleet-manager/backup)",
	"value.name":      "fields that name another object (a Fleet, a Secret, a cluster, a Backup) hold a name such an object can have: DNS-1123",
	"value.image":     "image references parse as such; fields meant for a repository carry no tag or digest; tags and digests are well-formed",
	"value.duration":  "durations outside the CRD patterns are Go durations (Backup ttl, retry perTryTimeout)",
	"value.quantity":  "compute resources in Helm values and kustomize patches are Kubernetes quantities",
}

// --- AttachedCluster ------------------------------------------------------

func attachedClusterRules(obj *yaml.RNode) []Finding {
	kc := get(obj, "spec", "kubeconfig")
	if kc == nil {
		return []Finding{{Severity: Error, Path: "spec.kubeconfig",
			Message: "an AttachedCluster needs the Secret that holds its kubeconfig: the AttachedCluster webhook refuses it without spec.kubeconfig.name",
			Hint:    "set spec.kubeconfig: {name: <Secret in this namespace>, key: <key of the kubeconfig in it>}"}}
	}
	var out []Finding
	for _, f := range []string{"name", "key"} {
		v := get(kc, f)
		p := "spec.kubeconfig." + f
		switch {
		case v == nil && f == "key":
			// defaulted to "value" by the CRD
		case v == nil || v.YNode().Value == "":
			out = append(out, Finding{Severity: Error, Path: p, Message: "must be set: the AttachedCluster webhook refuses an empty " + f,
				Hint: "name the Secret and the key of the kubeconfig in it"})
		case v.YNode().Kind == yaml.ScalarNode && !krm.IsDNS1123Subdomain(v.YNode().Value) && !isPlaceholder(v.YNode().Value):
			out = append(out, Finding{Severity: Error, Path: p, Rule: "attachedcluster",
				Message: fmt.Sprintf("%q is not a DNS-1123 subdomain: the AttachedCluster webhook refuses it", v.YNode().Value),
				Hint:    "use lower-case letters, digits, '-' and '.' (such as member1.config)"})
		}
	}
	return out
}

// --- Cluster --------------------------------------------------------------

// kubeSemver is Cluster API's util/version.KubeSemver, which the Cluster
// webhook applies to spec.version.
var kubeSemver = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([-0-9a-zA-Z_\.+]*)?$`)

const awsMaxDataVolumes = 25

func clusterRules(obj *yaml.RNode, name string) []Finding {
	var out []Finding
	if name != "" && !ValidLabelValue(name) && !isPlaceholder(name) {
		out = append(out, Finding{Severity: Error, Path: "metadata.name",
			Message: fmt.Sprintf("%q cannot be a Cluster name: the Cluster webhook requires a valid label value (at most 63 characters)", name),
			Hint:    "use at most 63 lower-case letters, digits and '-'"})
	}
	spec := get(obj, "spec")
	if spec == nil {
		return out
	}
	infra := str(spec, "infraType")
	if get(spec, "infraType") != nil && infra == "" {
		out = append(out, Finding{Severity: Error, Path: "spec.infraType", Message: "must be set: the Cluster webhook refuses an empty infraType", Hint: "use aws"})
	}
	if infra == "aws" && str(spec, "region") == "" && get(spec, "region") != nil {
		out = append(out, Finding{Severity: Error, Path: "spec.region", Message: "an aws Cluster needs a region: the Cluster webhook refuses an empty one", Hint: "set the AWS region, such as us-east-2"})
	}
	if str(spec, "credential", "secretRef") == "" {
		out = append(out, Finding{Severity: Error, Path: "spec.credential.secretRef",
			Message: "must be set: the Cluster webhook refuses a Cluster without the Secret of its cloud credentials",
			Hint:    "set spec.credential.secretRef to a Secret in this namespace"})
	}
	if v := str(spec, "version"); v != "" && !kubeSemver.MatchString(v) && !isPlaceholder(v) {
		out = append(out, Finding{Severity: Error, Path: "spec.version",
			Message: fmt.Sprintf("%q is not a Kubernetes version: the Cluster webhook requires v<major>.<minor>.<patch>", v),
			Hint:    "write it like v1.28.3 (with the v)"})
	}
	cidr := func(p, v string) {
		if v == "" || isPlaceholder(v) {
			return
		}
		if _, _, err := net.ParseCIDR(v); err != nil {
			out = append(out, Finding{Severity: Error, Path: p, Message: fmt.Sprintf("%q is not a CIDR block: the Cluster webhook refuses it", v),
				Hint: "write an address and prefix length, such as 10.0.0.0/16"})
		}
	}
	if vpc := get(spec, "network", "vpc"); vpc != nil {
		if c := get(vpc, "cidrBlock"); c != nil {
			if c.YNode().Value == "" {
				out = append(out, Finding{Severity: Error, Path: "spec.network.vpc.cidrBlock", Message: "an empty CIDR block: the Cluster webhook refuses it", Hint: "remove it (the default is 10.0.0.0/16) or write one"})
			}
			cidr("spec.network.vpc.cidrBlock", c.YNode().Value)
		}
	}
	for _, l := range []string{"podCIDRs", "serviceCIDRs"} {
		for i, c := range elements(get(spec, "network", l)) {
			cidr(fmt.Sprintf("spec.network.%s.%d", l, i), c.YNode().Value)
		}
	}
	if infra == "aws" {
		if n := len(elements(get(spec, "master", "nonRootVolumes"))); n > awsMaxDataVolumes {
			out = append(out, Finding{Severity: Error, Path: "spec.master.nonRootVolumes",
				Message: fmt.Sprintf("%d data volumes: the Cluster webhook allows at most %d on aws", n, awsMaxDataVolumes), Hint: "attach fewer volumes"})
		}
		for i, w := range elements(get(spec, "workers")) {
			if n := len(elements(get(w, "nonRootVolumes"))); n > awsMaxDataVolumes {
				out = append(out, Finding{Severity: Error, Path: fmt.Sprintf("spec.workers.%d.nonRootVolumes", i),
					Message: fmt.Sprintf("%d data volumes: the Cluster webhook allows at most %d on aws", n, awsMaxDataVolumes), Hint: "attach fewer volumes"})
			}
		}
	}
	seen := map[string]bool{}
	for i, r := range elements(get(spec, "additionalResources")) {
		key := str(r, "kind") + "/" + str(r, "name")
		if seen[key] {
			out = append(out, Finding{Severity: Error, Path: fmt.Sprintf("spec.additionalResources.%d", i),
				Message: fmt.Sprintf("duplicate additional resource %s: the Cluster webhook refuses it", key), Hint: "list each ConfigMap or Secret once"})
		}
		seen[key] = true
	}
	return out
}

// --- Backup, Restore, Migrate -------------------------------------------

func backupRules(obj *yaml.RNode, kind string) []Finding {
	var out []Finding
	switch kind {
	case "Backup":
		out = append(out, destinationRules(get(obj, "spec", "destination"), "spec.destination")...)
		if s := get(obj, "spec", "schedule"); s != nil && s.YNode().Kind == yaml.ScalarNode && s.YNode().Value != "" && !isPlaceholder(s.YNode().Value) {
			if why := cronProblem(s.YNode().Value); why != "" {
				out = append(out, Finding{Severity: Error, Path: "spec.schedule",
					Message: fmt.Sprintf("%q is not a cron schedule: %s (the backup controller parses it as minute hour day-of-month month day-of-week)", s.YNode().Value, why),
					Hint:    "write five fields, such as \"0 2 * * *\" for 02:00 every day"})
			}
		}
	case "Restore":
		out = append(out, destinationRules(get(obj, "spec", "destination"), "spec.destination")...)
	case "Migrate":
		src := get(obj, "spec", "sourceCluster")
		out = append(out, destinationRules(src, "spec.sourceCluster")...)
		out = append(out, destinationRules(get(obj, "spec", "targetCluster"), "spec.targetCluster")...)
		if src != nil {
			if n := len(elements(get(src, "clusters"))); n != 1 {
				out = append(out, Finding{Severity: Error, Path: "spec.sourceCluster.clusters",
					Message: fmt.Sprintf("a migration reads from exactly one cluster, found %d: the migrate controller would pick one at random", n),
					Hint:    "list the one cluster to migrate from: clusters: [{name: <cluster>, kind: AttachedCluster}]"})
			}
		}
	}
	return out
}

// destinationRules: the backup controllers find each listed cluster among
// the Fleet's by name and kind.
func destinationRules(dest *yaml.RNode, path string) []Finding {
	var out []Finding
	for i, c := range elements(get(dest, "clusters")) {
		p := elemPath(path+".clusters", c, i)
		if str(c, "name") == "" {
			out = append(out, Finding{Severity: Error, Path: p + ".name", Message: "cluster reference without a name",
				Hint: "name a Cluster or AttachedCluster of the Fleet"})
		}
		switch k := str(c, "kind"); k {
		case "", "Cluster", "AttachedCluster":
		default:
			out = append(out, Finding{Severity: Error, Path: p + ".kind",
				Message: fmt.Sprintf("unsupported cluster kind %q: the controller looks clusters up among the Fleet's Clusters and AttachedClusters", k),
				Hint:    "use Cluster or AttachedCluster"})
		}
	}
	return out
}

// cronProblem checks a standard five-field cron expression (robfig/cron's
// parser with minute, hour, day of month, month, day of week, which the
// backup controller uses), returning why it is not one, or "".
func cronProblem(expr string) string {
	f := strings.Fields(expr)
	if len(f) != 5 {
		if strings.HasPrefix(expr, "@") {
			return "descriptors such as @daily are not accepted"
		}
		return fmt.Sprintf("it has %d fields, not 5", len(f))
	}
	limits := []struct {
		name     string
		min, max int
		names    []string
	}{
		{"minute", 0, 59, nil},
		{"hour", 0, 23, nil},
		{"day of month", 1, 31, nil},
		{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
		{"day of week", 0, 6, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
	}
	for i, field := range f {
		l := limits[i]
		for _, part := range strings.Split(field, ",") {
			if !cronPart(part, l.min, l.max, l.names) {
				return fmt.Sprintf("%s %q is out of range %d-%d or malformed", l.name, part, l.min, l.max)
			}
		}
	}
	return ""
}

func cronPart(part string, min, max int, names []string) bool {
	rng, step, hasStep := strings.Cut(part, "/")
	if hasStep {
		if n, ok := cronNumber(step, nil, 0); !ok || n < 1 {
			return false
		}
	}
	if rng == "*" || rng == "?" {
		return true
	}
	lo, hi, isRange := strings.Cut(rng, "-")
	a, ok := cronNumber(lo, names, min)
	if !ok || a < min || a > max {
		return false
	}
	if isRange {
		b, ok := cronNumber(hi, names, min)
		if !ok || b < a || b > max {
			return false
		}
	}
	return true
}

func cronNumber(s string, names []string, base int) (int, bool) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return base + i, true
		}
	}
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isPlaceholder(s string) bool { return strings.Contains(s, "${") }
