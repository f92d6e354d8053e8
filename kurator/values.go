package kurator

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distribution/reference"
	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/opencontainers/go-digest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Value checks: values the CRD types only as strings, but whose consumer
// (the API server for the object a field names, Flux, kustomize, a
// registry, Helm) accepts only in one form. Users get these wrong most.

// nameFields are the fields, per kind, that name another object. Paths use
// [] for every element of a list. label marks a DNS-1123 label (namespaces),
// service a DNS-1035 label (Service names).
var nameFields = map[string][]struct {
	path, what string
	form       nameForm
}{
	"Fleet": {
		{"spec.clusters.[].name", "cluster", subdomain},
		{"spec.plugin.metric.thanos.objectStoreConfig.secretName", "Secret", subdomain},
		{"spec.plugin.backup.storage.secretName", "Secret", subdomain},
	},
	"Application": {
		{"spec.destination.fleet", "Fleet", subdomain},
		{"spec.syncPolicies.[].destination.fleet", "Fleet", subdomain},
		{"spec.source.gitRepository.secretRef.name", "Secret", subdomain},
		{"spec.source.helmRepository.secretRef.name", "Secret", subdomain},
		{"spec.source.ociRepository.secretRef.name", "Secret", subdomain},
		{"spec.syncPolicies.[].kustomization.targetNamespace", "namespace", label},
		{"spec.syncPolicies.[].helm.targetNamespace", "namespace", label},
		{"spec.syncPolicies.[].rollout.workload.name", "workload", subdomain},
		{"spec.syncPolicies.[].rollout.workload.namespace", "namespace", label},
		{"spec.syncPolicies.[].rollout.serviceName", "Service", service},
	},
	"Cluster": {
		{"spec.credential.secretRef", "Secret", subdomain},
		{"spec.additionalResources.[].name", "ConfigMap or Secret", subdomain},
	},
	"Backup": {
		{"spec.destination.fleet", "Fleet", subdomain},
		{"spec.destination.clusters.[].name", "cluster", subdomain},
	},
	"Restore": {
		{"spec.backupName", "Backup", subdomain},
		{"spec.destination.fleet", "Fleet", subdomain},
		{"spec.destination.clusters.[].name", "cluster", subdomain},
	},
	"Migrate": {
		{"spec.sourceCluster.fleet", "Fleet", subdomain},
		{"spec.sourceCluster.clusters.[].name", "cluster", subdomain},
		{"spec.targetCluster.fleet", "Fleet", subdomain},
		{"spec.targetCluster.clusters.[].name", "cluster", subdomain},
	},
}

type nameForm int

const (
	subdomain nameForm = iota
	label
	service
)

var dns1035Label = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

func (f nameForm) check(v string) (ok bool, what, hint string) {
	switch f {
	case label:
		return krm.IsDNS1123Label(v), "DNS-1123 label", "use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"
	case service:
		return len(v) <= 63 && dns1035Label.MatchString(v), "DNS-1035 label", "use at most 63 lower-case letters, digits and '-', starting with a letter"
	}
	return krm.IsDNS1123Subdomain(v), "DNS-1123 subdomain", "use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
}

// suggestName turns Prod_1 into prod-1.
func suggestName(v string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(v) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-.")
}

func valueRules(obj *yaml.RNode, kind string) []Finding {
	var out []Finding
	for _, nf := range nameFields[kind] {
		each(obj, nf.path, func(n *yaml.RNode, p string) {
			v := n.YNode().Value
			if n.YNode().Kind != yaml.ScalarNode || v == "" || isPlaceholder(v) {
				return
			}
			if ok, what, hint := nf.form.check(v); !ok {
				if s := suggestName(v); s != "" && s != v {
					if ok2, _, _ := nf.form.check(s); ok2 {
						hint = fmt.Sprintf("%s, such as %q", hint, s)
					}
				}
				out = append(out, Finding{Severity: Error, Path: p, Rule: "value.name",
					Message: fmt.Sprintf("%q cannot be the name of a %s: names are %ss, so this reference never resolves", v, nf.what, what),
					Hint:    hint})
			}
		})
	}
	switch kind {
	case "Pipeline":
		each(obj, "spec.tasks.[].customTask.image", func(n *yaml.RNode, p string) {
			out = append(out, imageRef(n, p, false)...)
		})
		each(obj, "spec.tasks.[]", func(t *yaml.RNode, p string) {
			if str(t, "predefinedTask", "name") != "build-and-push-image" {
				return
			}
			for _, param := range []string{"image", "builder_image"} {
				if v := get(t, "predefinedTask", "params", param); v != nil && v.YNode().Value != "Unknown" {
					out = append(out, imageRef(v, p+".predefinedTask.params."+param, false)...)
				}
			}
		})
	case "Application":
		// The controller names the Flux Kustomization or HelmRelease of a
		// policy <policy>-<cluster kind>-<cluster>, lower-cased.
		each(obj, "spec.syncPolicies.[].name", func(n *yaml.RNode, p string) {
			v := n.YNode().Value
			if n.YNode().Kind == yaml.ScalarNode && v != "" && !isPlaceholder(v) && !krm.IsDNS1123Subdomain(strings.ToLower(v)) {
				out = append(out, Finding{Severity: Error, Path: p, Rule: "value.name",
					Message: fmt.Sprintf("%q cannot become an object name: the controller names the policy's Flux objects %s-<cluster kind>-<cluster>", v, strings.ToLower(v)),
					Hint:    fmt.Sprintf("use letters, digits, '-' and '.', such as %q", suggestName(v))})
			}
		})
		each(obj, "spec.syncPolicies.[].kustomization.images.[]", func(im *yaml.RNode, p string) {
			for _, f := range []string{"name", "newName"} {
				if v := get(im, f); v != nil {
					out = append(out, imageRef(v, p+"."+f, true)...)
				}
			}
			if v := get(im, "newTag"); v != nil {
				out = append(out, tagValue(v, p+".newTag")...)
			}
			if v := get(im, "digest"); v != nil {
				out = append(out, digestValue(v, p+".digest")...)
			}
		})
		each(obj, "spec.source.ociRepository.ref.tag", func(n *yaml.RNode, p string) { out = append(out, tagValue(n, p)...) })
		each(obj, "spec.source.ociRepository.ref.digest", func(n *yaml.RNode, p string) { out = append(out, digestValue(n, p)...) })
		each(obj, "spec.syncPolicies.[].rollout.rolloutPolicy.trafficRouting.retries.perTryTimeout", func(n *yaml.RNode, p string) {
			out = append(out, goDuration(n, p, "Istio's retry timeout", time.Millisecond)...)
		})
		each(obj, "spec.syncPolicies.[].helm.values", func(n *yaml.RNode, p string) { out = append(out, freeValues(n.YNode(), p, "")...) })
		each(obj, "spec.syncPolicies.[].kustomization.patches.[].patch", func(n *yaml.RNode, p string) { out = append(out, patchValues(n, p)...) })
	case "Fleet":
		plugin := get(obj, "spec", "plugin")
		for _, name := range fields(plugin) {
			p := get(plugin, name)
			each(p, "extraArgs", func(n *yaml.RNode, _ string) {
				out = append(out, freeValues(n.YNode(), "spec.plugin."+name+".extraArgs", "")...)
			})
			for _, sub := range fields(p) {
				each(get(p, sub), "extraArgs", func(n *yaml.RNode, _ string) {
					out = append(out, freeValues(n.YNode(), "spec.plugin."+name+"."+sub+".extraArgs", "")...)
				})
			}
		}
	case "Backup":
		each(obj, "spec.policy.ttl", func(n *yaml.RNode, p string) {
			out = append(out, goDuration(n, p, "the backup controller decodes ttl as a Go duration", 0)...)
		})
	}
	return out
}

// each calls fn for every node at path (kustomize syntax with [] for every
// element), with the node's path in the project's syntax. Paths are split
// once and the path string is only built for nodes that exist: this runs
// on every rendered object.
func each(n *yaml.RNode, path string, fn func(*yaml.RNode, string)) {
	if n == nil {
		return
	}
	parts, ok := splitCache.Load(path)
	if !ok {
		parts, _ = splitCache.LoadOrStore(path, strings.Split(path, "."))
	}
	var stack fieldpath.Path
	var walk func(n *yaml.Node, parts []string)
	walk = func(n *yaml.Node, parts []string) {
		if n == nil {
			return
		}
		if len(parts) == 0 {
			if !(n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagNull) {
				fn(yaml.NewRNode(n), stack.String())
			}
			return
		}
		if parts[0] == "[]" {
			if n.Kind != yaml.SequenceNode {
				return
			}
			for i, el := range n.Content {
				stack = append(stack, fieldpath.Element(el, i))
				walk(el, parts[1:])
				stack = stack[:len(stack)-1]
			}
			return
		}
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == parts[0] {
				stack = append(stack, fieldpath.Key(parts[0]))
				walk(n.Content[i+1], parts[1:])
				stack = stack[:len(stack)-1]
			}
		}
	}
	walk(n.YNode(), parts.([]string))
}

var splitCache sync.Map // path -> []string

// imageRef checks an image reference. repoOnly: the field is a repository
// (kustomize images name/newName, Helm image.repository), so a tag or a
// digest in it is a mistake.
func imageRef(n *yaml.RNode, p string, repoOnly bool) []Finding {
	v := n.YNode().Value
	if n.YNode().Kind != yaml.ScalarNode || v == "" || isPlaceholder(v) {
		return nil
	}
	key := "i:" + v
	if repoOnly {
		key = "r:" + v
	}
	out := imageMemo.get(key, func() []Finding { return imageFindings(v, repoOnly) })
	for i := range out {
		out[i].Path = p
	}
	return out
}

func imageFindings(v string, repoOnly bool) []Finding {
	ref, err := reference.ParseNormalizedNamed(v)
	if err != nil {
		hint := "write registry/repository:tag, all lower-case, such as ghcr.io/acme/orders:v1.4.2"
		if repoOnly {
			hint = "write registry/repository, all lower-case, such as ghcr.io/acme/orders"
		}
		return []Finding{{Severity: Error, Rule: "value.image",
			Message: fmt.Sprintf("%q is not an image reference: %v", v, err), Hint: hint}}
	}
	if !repoOnly {
		return nil
	}
	if t, ok := ref.(reference.Tagged); ok {
		return []Finding{{Severity: Error, Rule: "value.image",
			Message: fmt.Sprintf("%q is meant to be a repository but carries the tag %q: the tag is added separately, so the image would become %s:%s:<tag>", v, t.Tag(), reference.TrimNamed(ref).String(), t.Tag()),
			Hint:    fmt.Sprintf("write %q here and put %q in the tag field (kustomize images: newTag)", strings.TrimSuffix(v, ":"+t.Tag()), t.Tag())}}
	}
	if d, ok := ref.(reference.Digested); ok {
		return []Finding{{Severity: Error, Rule: "value.image",
			Message: fmt.Sprintf("%q is meant to be a repository but carries the digest %s", v, d.Digest()),
			Hint:    "write the repository alone here and put the digest in the digest field"}}
	}
	return nil
}

var anchoredTag = regexp.MustCompile(`^` + reference.TagRegexp.String() + `$`)

func tagValue(n *yaml.RNode, p string) []Finding {
	v := n.YNode().Value
	if n.YNode().Kind != yaml.ScalarNode || v == "" || isPlaceholder(v) || anchoredTag.MatchString(v) {
		return nil
	}
	hint := "a tag is at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"
	if strings.HasPrefix(v, "sha256:") {
		hint = "a digest goes in the digest field, not the tag"
	}
	return []Finding{{Severity: Error, Path: p, Rule: "value.image", Message: fmt.Sprintf("%q is not an image tag", v), Hint: hint}}
}

func digestValue(n *yaml.RNode, p string) []Finding {
	v := n.YNode().Value
	if n.YNode().Kind != yaml.ScalarNode || v == "" || isPlaceholder(v) {
		return nil
	}
	if _, err := digest.Parse(v); err != nil {
		return []Finding{{Severity: Error, Path: p, Rule: "value.image", Message: fmt.Sprintf("%q is not an image digest: %v", v, err),
			Hint: "write sha256: followed by 64 hex digits (docker buildx imagetools inspect prints it)"}}
	}
	return nil
}

// goDuration checks a Go duration (time.ParseDuration), at least min.
func goDuration(n *yaml.RNode, p, consumer string, min time.Duration) []Finding {
	v := n.YNode().Value
	if n.YNode().Kind != yaml.ScalarNode || v == "" || isPlaceholder(v) {
		return nil
	}
	d, err := time.ParseDuration(v)
	hint := "write a duration such as 720h, 90m or 1h30m0s (units ns, us, ms, s, m, h; no days)"
	if err == nil && d >= min {
		return nil
	}
	msg := fmt.Sprintf("%q is not a duration: %s", v, consumer)
	if err == nil {
		msg = fmt.Sprintf("%q is shorter than %s: %s", v, min, consumer)
	} else if strings.HasSuffix(v, "d") {
		hint = fmt.Sprintf("there is no day unit: write %sh", daysToHours(v))
	}
	return []Finding{{Severity: Error, Path: p, Rule: "value.duration", Message: msg, Hint: hint}}
}

func daysToHours(v string) string {
	n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
	if err != nil {
		return "24*days "
	}
	return strconv.Itoa(n * 24)
}

const quantityHint = "write a Kubernetes quantity: cpu as 500m or 2, memory as 512Mi or 1Gi (binary Ki Mi Gi Ti, decimal k M G T; no space, no B)"

// ValidQuantity reports whether s parses as a Kubernetes resource.Quantity:
// the grammar of k8s.io/apimachinery's ParseQuantity (sign, digits with an
// optional fraction, then one suffix: a binary Ki..Ei, a decimal n u m k M
// G T P E, or an integer exponent e3/E-2). The e2e module checks it against
// ParseQuantity itself.
func ValidQuantity(s string) bool {
	if s == "" {
		return false
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	digits := func() {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	// ParseQuantity reads a missing number as 0: ".", "+" and "Gi" parse.
	digits()
	if i < len(s) && s[i] == '.' {
		i++
		digits()
	}
	switch suffix := s[i:]; suffix {
	case "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E":
		return true
	default:
		if suffix[0] != 'e' && suffix[0] != 'E' {
			return false
		}
		// An exponent is what strconv.ParseInt reads in 64 bits.
		_, err := strconv.ParseInt(suffix[1:], 10, 64)
		return len(suffix) > 1 && err == nil
	}
}

// CheckQuantity checks a quantity and returns a hint for a wrong one.
func CheckQuantity(s string) (bool, string) {
	if ValidQuantity(s) {
		return true, ""
	}
	return false, QuantityHint(s)
}

// QuantityHint says how to write s as a quantity: the closest valid forms
// for the usual mistakes (1Gb, 512MB, 1GiB, 1 Gi, 1gi, 1K), else the rule.
func QuantityHint(s string) string {
	t := strings.TrimSpace(strings.ReplaceAll(s, " ", ""))
	num := strings.TrimRightFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	if num == "" || !ValidQuantity(num) {
		return quantityHint
	}
	unit := t[len(num):]
	u := strings.TrimSuffix(strings.TrimSuffix(unit, "B"), "b")
	if u != unit && strings.HasSuffix(u, "i") && len(u) == 2 {
		u = u[:1] // 1GiB: the i says binary already
		if c := strings.ToUpper(u); strings.Contains("KMGTPE", c) {
			return fmt.Sprintf("write %s%si (a Kubernetes quantity has no B)", num, c)
		}
	}
	if len(u) == 1 || len(u) == 2 && (u[1] == 'i' || u[1] == 'I') {
		c := strings.ToUpper(u[:1])
		if !strings.Contains("KMGTPE", c) {
			return quantityHint
		}
		dec := c
		if c == "K" {
			dec = "k"
		}
		if len(u) == 2 {
			return fmt.Sprintf("write %s%si (binary suffixes are Ki Mi Gi Ti Pi Ei)", num, c)
		}
		return fmt.Sprintf("write %s%s or %s%si (decimal or binary; a Kubernetes quantity has no B and no space)", num, dec, num, c)
	}
	return quantityHint
}

// freeValues walks free-form values (Helm values, patch values) for what
// is never free: compute resources, and image repositories.
func freeValues(n *yaml.Node, p, key string) []Finding {
	var out []Finding
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			kp := fieldpath.JoinKey(p, k)
			if key == "resources" && (k == "requests" || k == "limits") && v.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(v.Content); j += 2 {
					q := v.Content[j+1]
					if q.Kind != yaml.ScalarNode || isPlaceholder(q.Value) || q.ShortTag() == yaml.NodeTagNull || ValidQuantity(q.Value) {
						continue
					}
					out = append(out, Finding{Severity: Error, Path: fieldpath.JoinKey(kp, v.Content[j].Value), Rule: "value.quantity",
						Message: fmt.Sprintf("%q is not a Kubernetes quantity: the API server refuses the Pod", q.Value), Hint: QuantityHint(q.Value)})
				}
				continue
			}
			if key == "image" && k == "repository" && v.Kind == yaml.ScalarNode {
				for _, f := range imageRef(yaml.NewRNode(v), kp, true) {
					f.Severity = Warning // free-form: the chart may read it differently
					out = append(out, f)
				}
				continue
			}
			out = append(out, freeValues(v, kp, k)...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			out = append(out, freeValues(c, fieldpath.Join(p, fieldpath.Element(c, i)), "")...)
		}
	}
	return out
}

// memo holds the findings of checks that depend on one string only (a
// patch, an image reference): renders repeat the same values across
// instances. It is bounded; past the bound results are just not kept.
type memo struct {
	m sync.Map
	n atomic.Int64
}

const memoMax = 4096

func (c *memo) get(key string, compute func() []Finding) []Finding {
	if v, ok := c.m.Load(key); ok {
		return append([]Finding(nil), v.([]Finding)...)
	}
	out := compute()
	if c.n.Add(1) <= memoMax {
		c.m.Store(key, append([]Finding(nil), out...))
	}
	return out
}

var patchMemo, imageMemo memo

// patchValues checks the values a kustomize patch (JSON 6902 or strategic
// merge, as a string) writes.
func patchValues(n *yaml.RNode, p string) []Finding {
	v := n.YNode().Value
	if n.YNode().Kind != yaml.ScalarNode || v == "" || len(v) > 1<<20 {
		return nil
	}
	out := patchMemo.get(v, func() []Finding { return patchFindings(v) })
	for i := range out {
		out[i].Path = p
	}
	return out
}

func patchFindings(v string) []Finding {
	doc, err := yaml.Parse(v)
	if err != nil {
		return nil // Flux reports a patch it cannot parse; its syntax is not ours to judge
	}
	root := doc.YNode()
	var out []Finding
	if root.Kind == yaml.SequenceNode {
		for _, op := range root.Content {
			if op.Kind != yaml.MappingNode {
				continue
			}
			var opPath string
			var value *yaml.Node
			for i := 0; i+1 < len(op.Content); i += 2 {
				switch op.Content[i].Value {
				case "path":
					opPath = op.Content[i+1].Value
				case "value":
					value = op.Content[i+1]
				}
			}
			if value == nil {
				continue
			}
			last := opPath[strings.LastIndex(opPath, "/")+1:]
			for _, f := range freeValues(value, "", last) {
				f.Path = strings.TrimSuffix(opPath+"/"+strings.ReplaceAll(f.Path, ".", "/"), "/")
				out = append(out, f)
			}
		}
	} else {
		out = append(out, freeValues(root, "", "")...)
	}
	for i := range out {
		out[i].Message = fmt.Sprintf("in the patch, at %s: %s", orRoot(out[i].Path), out[i].Message)
	}
	return out
}

func orRoot(p string) string {
	if p == "" {
		return "its value"
	}
	return p
}
