package kurator

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/internal/suggest"
	"github.com/kurator-scenario/scenario-fn/internal/yamlnode"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// objectMetaFields are the fields of metav1.ObjectMeta. The API server
// decodes metadata strictly: any other field is an unknown field.
var objectMetaFields = map[string]bool{
	"name": true, "generateName": true, "namespace": true, "selfLink": true, "uid": true,
	"resourceVersion": true, "generation": true, "creationTimestamp": true, "deletionTimestamp": true,
	"deletionGracePeriodSeconds": true, "labels": true, "annotations": true, "ownerReferences": true,
	"finalizers": true, "managedFields": true,
}

var qualifiedNamePart = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)

// qualifiedName reports why k is not a Kubernetes qualified name
// ([prefix/]name: a DNS-1123 subdomain prefix, a name of at most 63
// alphanumerics, '-', '_' and '.'), or "".
func qualifiedName(k string) string {
	prefix, name, found := strings.Cut(k, "/")
	if !found {
		name, prefix = prefix, ""
	} else if prefix == "" || !krm.IsDNS1123Subdomain(prefix) {
		return "its prefix before / must be a DNS-1123 subdomain (lower-case, such as example.com)"
	}
	if strings.Contains(name, "/") {
		return "it has more than one /"
	}
	if len(name) > 63 || !qualifiedNamePart.MatchString(name) {
		return "the name part must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	}
	return ""
}

// ValidLabelValue reports whether v is a valid label value: empty, or at
// most 63 letters, digits, '-', '_' and '.', starting and ending with a
// letter or digit.
func ValidLabelValue(v string) bool {
	return v == "" || (len(v) <= 63 && qualifiedNamePart.MatchString(v))
}

// metadataFields checks what the API server checks in metadata beyond name
// and namespace: unknown fields, label keys and values, annotation keys.
func metadataFields(obj *yaml.RNode) []Finding {
	md := yamlnode.MapValue(obj.YNode(), "metadata")
	if md == nil || (md.Kind == yaml.ScalarNode && md.ShortTag() == yaml.NodeTagNull) {
		return nil
	}
	if md.Kind != yaml.MappingNode {
		return []Finding{{Severity: Error, Path: "metadata", Message: "metadata must be a map", Hint: "write metadata: {name: ..., namespace: ...}"}}
	}
	var out []Finding
	for i := 0; i+1 < len(md.Content); i += 2 {
		f := md.Content[i].Value
		if !objectMetaFields[f] {
			hint := "remove it, or check its spelling and indentation (metadata has name, namespace, labels, annotations, ...)"
			if s := closest(f, objectMetaFields); s != "" {
				hint = "did you mean " + s + "?"
			}
			out = append(out, Finding{Severity: Error, Path: fieldpath.JoinKey("metadata", f), Message: "unknown field (not in ObjectMeta)", Hint: hint})
		}
	}
	for _, which := range []string{"labels", "annotations"} {
		m := yamlnode.MapValue(md, which)
		if m == nil || (m.Kind == yaml.ScalarNode && m.ShortTag() == yaml.NodeTagNull) {
			continue
		}
		if m.Kind != yaml.MappingNode {
			out = append(out, Finding{Severity: Error, Path: "metadata." + which, Message: which + " must be a map of strings", Hint: "write " + which + ": {key: value}"})
			continue
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			if strings.Contains(k.Value, "${") {
				continue
			}
			key := k.Value
			if which == "annotations" {
				key = strings.ToLower(key) // the API server lower-cases annotation keys before checking
			}
			p := func() string { return fieldpath.JoinKey("metadata."+which, k.Value) }
			if why := qualifiedName(key); why != "" {
				out = append(out, Finding{Severity: Error, Path: p(), Message: fmt.Sprintf("%s key %q is not a qualified name: %s", strings.TrimSuffix(which, "s"), k.Value, why),
					Hint: "use a key such as app.kubernetes.io/name or team"})
			}
			if v.Kind != yaml.ScalarNode || (v.ShortTag() != yaml.NodeTagString && v.ShortTag() != yaml.NodeTagNull) {
				out = append(out, Finding{Severity: Error, Path: p(), Message: "must be of type string", Hint: "quote the value"})
				continue
			}
			if which == "labels" && !strings.Contains(v.Value, "${") && !ValidLabelValue(v.Value) {
				out = append(out, Finding{Severity: Error, Path: p(), Message: fmt.Sprintf("label value %q is invalid: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit", v.Value),
					Hint: "shorten it or replace other characters with '-'"})
			}
		}
	}
	return out
}

// closest returns the candidate a typo most likely meant (edit distance at
// most 2), or "".
func closest(s string, candidates map[string]bool) string {
	keys := make([]string, 0, len(candidates))
	for k := range candidates {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best, bestD := "", 3
	for _, c := range keys {
		if d := suggest.EditDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
