package krm

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Source says where a piece of configuration came from: a file (with a
// line when known) or a built-in template.
type Source struct {
	File string
	Line int
}

func (s Source) String() string {
	switch {
	case s.File == "":
		return ""
	case s.Line > 0:
		return s.File + ":" + strconv.Itoa(s.Line)
	default:
		return s.File
	}
}

// Problem is one finding. Every processor reports through Problems, so that
// results and stderr always carry the resource, the field path, the source
// file and a hint on how to fix it.
type Problem struct {
	Severity framework.Severity
	Resource *yaml.ResourceIdentifier
	Field    string
	Source   Source
	Message  string
	Hint     string
}

// Problems collects findings in the order they were found.
type Problems []Problem

func (ps *Problems) add(sev framework.Severity, res *yaml.ResourceIdentifier, field string, src Source, hint, format string, args ...any) {
	*ps = append(*ps, Problem{Severity: sev, Resource: res, Field: field, Source: src,
		Message: fmt.Sprintf(format, args...), Hint: hint})
}

// Errorf records an error.
func (ps *Problems) Errorf(res *yaml.ResourceIdentifier, field string, src Source, hint, format string, args ...any) {
	ps.add(framework.Error, res, field, src, hint, format, args...)
}

// Warnf records a warning.
func (ps *Problems) Warnf(res *yaml.ResourceIdentifier, field string, src Source, hint, format string, args ...any) {
	ps.add(framework.Warning, res, field, src, hint, format, args...)
}

// Infof records an informational result.
func (ps *Problems) Infof(res *yaml.ResourceIdentifier, field string, src Source, format string, args ...any) {
	ps.add(framework.Info, res, field, src, "", format, args...)
}

// HasErrors reports whether any problem has error severity.
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == framework.Error {
			return true
		}
	}
	return false
}

// Error makes Problems usable as an error: the error-severity lines only.
func (ps Problems) Error() string {
	var lines []string
	for _, p := range ps {
		if p.Severity == framework.Error {
			lines = append(lines, p.String())
		}
	}
	return strings.Join(lines, "\n")
}

// MaxMessage bounds the message and the hint of a problem as printed:
// a message that quotes a 10 MB value is cut in the middle.
const MaxMessage = 2048

// clip shortens s to at most MaxMessage bytes (plus a note), keeping its
// start and end and valid UTF-8.
func clip(s string) string {
	if len(s) <= MaxMessage {
		return s
	}
	head, tail := MaxMessage*3/4, MaxMessage/4
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return s[:head] + fmt.Sprintf(" [... %d bytes ...] ", start-head) + s[start:]
}

// String renders a problem the way it is printed on stderr:
//
//	error: platform/app.yaml:12: Application shop/orders: spec.syncPolicies[1]: message (hint: ...)
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(string(p.Severity))
	b.WriteString(": ")
	if s := p.Source.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if id := ResourceString(p.Resource); id != "" {
		b.WriteString(id)
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(clip(p.Field))
		b.WriteString(": ")
	}
	b.WriteString(clip(p.Message))
	if p.Hint != "" {
		b.WriteString(" (fix: ")
		b.WriteString(clip(p.Hint))
		b.WriteString(")")
	}
	return b.String()
}

// Result converts the problem to a KRM result.
func (p Problem) Result() *framework.Result {
	r := &framework.Result{Severity: p.Severity, Message: clip(p.Message), ResourceRef: p.Resource}
	if p.Hint != "" {
		r.Message += " (fix: " + clip(p.Hint) + ")"
	}
	if p.Field != "" {
		r.Field = &framework.Field{Path: clip(p.Field)}
	}
	if p.Source.File != "" {
		r.File = &framework.File{Path: p.Source.File}
		if p.Source.Line > 0 {
			r.Tags = map[string]string{"line": strconv.Itoa(p.Source.Line)}
		}
	}
	return r
}

// Results converts all problems to KRM results.
func (ps Problems) Results() framework.Results {
	out := make(framework.Results, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Result())
	}
	return out
}

// ResourceString renders "Kind namespace/name" (or "Kind name").
func ResourceString(id *yaml.ResourceIdentifier) string {
	if id == nil || (id.Kind == "" && id.Name == "") {
		return ""
	}
	name := id.Name
	if name == "" {
		name = "(unnamed)"
	}
	if id.Namespace != "" {
		name = id.Namespace + "/" + name
	}
	if id.Kind == "" {
		return name
	}
	return id.Kind + " " + name
}

// IDOf returns the identity of a resource node, for problem reports.
func IDOf(n *yaml.RNode) *yaml.ResourceIdentifier {
	if n == nil {
		return nil
	}
	m, _ := n.GetMeta()
	return &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: m.APIVersion, Kind: m.Kind},
		NameMeta: yaml.NameMeta{Name: m.Name, Namespace: m.Namespace},
	}
}

// PathOf returns the file a runner says an item came from (kpt and
// kustomize both annotate it), or "".
func PathOf(n *yaml.RNode) string {
	if n == nil {
		return ""
	}
	//lint:ignore SA1019 kustomize and older kpt still write the legacy annotation
	a := n.GetAnnotations(kioutil.PathAnnotation, kioutil.LegacyPathAnnotation)
	if p := a[kioutil.PathAnnotation]; p != "" {
		return p
	}
	//lint:ignore SA1019 see above
	return a[kioutil.LegacyPathAnnotation]
}
