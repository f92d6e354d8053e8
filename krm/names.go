package krm

import "regexp"

// DefaultNamespace is the namespace of a namespaced object that names none.
const DefaultNamespace = "default"

// NamespaceOrDefault returns ns, or "default" when it is empty: the
// namespace the API server puts a namespaced object without one in.
func NamespaceOrDefault(ns string) string {
	if ns == "" {
		return DefaultNamespace
	}
	return ns
}

var (
	dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	dns1123Label     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// IsDNS1123Subdomain reports whether s is a DNS-1123 subdomain (at most
// 253 characters of lower-case letters, digits, '-' and '.', starting and
// ending with a letter or digit), as Kubernetes requires of most object
// names (apimachinery's validation.IsDNS1123Subdomain).
func IsDNS1123Subdomain(s string) bool {
	return len(s) <= 253 && dns1123Subdomain.MatchString(s)
}

// IsDNS1123Label reports whether s is a DNS-1123 label (at most 63
// lower-case letters, digits and '-', starting and ending with a letter or
// digit), as Kubernetes requires of namespaces.
func IsDNS1123Label(s string) bool {
	return len(s) <= 63 && dns1123Label.MatchString(s)
}
