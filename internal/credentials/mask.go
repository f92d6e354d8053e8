package credentials

import (
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/utils"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Mask is what a credential is replaced by.
const Mask = "***"

// MinMaskLength is the shortest value masked wherever it appears in a
// message. Shorter credentials ("abc") would mask unrelated words; they
// are masked in messages about their own field only (MaskQuoted).
const MinMaskLength = 4

// Masker replaces known credential values in text. The zero value masks
// nothing; add the resources (or values) whose credentials must not be
// printed.
type Masker struct {
	seen   map[string]bool
	values []string // longest first, so that a value containing another is masked whole
	sorted bool
}

// AddNode adds the credentials Find reports in n (placeholders excepted).
func (m *Masker) AddNode(n *yaml.RNode) {
	for _, f := range Find(n) {
		if !f.Placeholder {
			m.Add(f.Value)
		}
	}
}

// Add adds one value, and the pieces of it a message may quote: each line
// of a multi-line value, and each ${ expression in it (Flux messages quote
// the expression, not the value).
func (m *Masker) Add(v string) {
	v = strings.TrimSpace(v)
	if len(v) < MinMaskLength || IsPlaceholder(v) {
		return
	}
	m.add(v)
	if strings.Contains(v, "\n") {
		for _, line := range strings.Split(v, "\n") {
			if line = strings.TrimSpace(line); len(line) >= MinMaskLength && !IsPlaceholder(line) {
				m.add(line)
			}
		}
	}
	for i := strings.Index(v, "${"); i >= 0; {
		frag := v[i:]
		if end := strings.IndexByte(frag, '}'); end >= 0 {
			frag = frag[:end+1]
		}
		if len(frag) >= MinMaskLength {
			m.add(frag)
		}
		next := strings.Index(v[i+2:], "${")
		if next < 0 {
			break
		}
		i += 2 + next
	}
}

func (m *Masker) add(v string) {
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	if !m.seen[v] {
		m.seen[v] = true
		m.values = append(m.values, v)
		m.sorted = false
	}
}

// Len is the number of values masked.
func (m *Masker) Len() int { return len(m.values) }

// String masks every known value in s.
func (m *Masker) String(s string) string {
	if m == nil || len(m.values) == 0 || s == "" {
		return s
	}
	if !m.sorted {
		sort.SliceStable(m.values, func(i, j int) bool { return len(m.values[i]) > len(m.values[j]) })
		m.sorted = true
	}
	for _, v := range m.values {
		if len(v) <= len(s) && strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return s
}

// urlPassword finds the password of a URL in a message
// (scheme://user:PASSWORD@host), which may be quoted.
var urlPassword = regexp.MustCompile(`(://[^/\s:@"]+:)[^/\s@"]+@`)

// MaskURLPasswords masks the password of every URL in s, whatever its
// length.
func MaskURLPasswords(s string) string {
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return s
	}
	return urlPassword.ReplaceAllString(s, "${1}"+Mask+"@")
}

var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// MaskQuoted replaces every double-quoted string in s by "***", except
// the names of the field's own keys (field, in kustomize path syntax): for
// messages about a credential field, which quote its value, and may quote
// its name ('parameter "adminPassword" is an integer').
func MaskQuoted(s, field string) string {
	if !strings.Contains(s, `"`) {
		return s
	}
	names := map[string]bool{}
	for _, part := range utils.SmarterPathSplitter(field, ".") {
		part = strings.Trim(part, "[]")
		if i := strings.IndexByte(part, '='); i >= 0 {
			part = part[i+1:]
		}
		names[part] = true
	}
	return quoted.ReplaceAllStringFunc(s, func(q string) string {
		if names[q[1:len(q)-1]] {
			return q
		}
		return `"` + Mask + `"`
	})
}

// SensitiveField reports whether field (kustomize path syntax) of a
// resource of kind holds a credential: a Secret's data or stringData, or
// any field under a credential key (spec.values.password,
// extraArgs.auth.adminPassword).
func SensitiveField(kind, field string) bool {
	if field == "" {
		return false
	}
	if kind == "Secret" && (field == "data" || field == "stringData" ||
		strings.HasPrefix(field, "data.") || strings.HasPrefix(field, "stringData.")) {
		return true
	}
	for _, part := range utils.SmarterPathSplitter(field, ".") {
		if IsKey(strings.Trim(part, "[]")) {
			return true
		}
	}
	return false
}

// Nodes returns the scalars of n that hold a credential in plain text:
// every value of a Secret's data and stringData, and the other findings of
// Find that are not placeholders, with the part of each to mask.
func Nodes(n *yaml.RNode) map[*yaml.Node]string {
	out := map[*yaml.Node]string{}
	for _, f := range Find(n) {
		if f.Node == nil {
			continue
		}
		secretValue := f.Inner == "" && strings.HasPrefix(f.Reason, "Secret ")
		switch {
		case secretValue, f.Inner != "":
			out[f.Node] = f.Node.Value // a Secret value is masked whole
		case !f.Placeholder:
			if _, whole := out[f.Node]; !whole {
				out[f.Node] = f.Value
			}
		}
	}
	return out
}

// MaskNode masks, in place, the credentials of n that Nodes reports: for
// displaying a resource (explain), never for output.
func MaskNode(n *yaml.RNode) {
	for node, part := range Nodes(n) {
		MaskScalar(node, part)
	}
}

// MaskScalar masks part of the scalar node (the whole value when part is
// the value).
func MaskScalar(node *yaml.Node, part string) {
	if part == node.Value || part == "" {
		node.Value = Mask
	} else {
		node.Value = strings.ReplaceAll(node.Value, part, Mask)
	}
	node.Tag, node.Style = yaml.NodeTagString, 0
}
