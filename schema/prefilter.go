package schema

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// prefilter is a schema compiled for one question: is an object certainly
// valid? It answers yes only when kube-openapi would report nothing, and
// "not sure" for everything else (any keyword it does not model, any value
// it does not fully understand). Validate runs kube-openapi, which remains
// the only source of error messages, whenever the answer is not yes. It
// exists because kube-openapi rebuilds its validators for every field of
// every object, which dominated the generator's render time.
type prefilter struct {
	types           []string
	nullable        bool
	props           map[string]*prefilter
	required        []string
	closed          bool
	additional      *prefilter
	items           *prefilter
	anyOf           []*prefilter
	enum            map[string]bool // string values
	pattern         *lazyRegexp
	minLen, maxLen  int64 // -1: none
	minimum         *float64
	maximum         *float64
	minItems        int64
	preserveUnknown bool
	unsure          bool // a keyword this prefilter does not model
}

// lazyRegexp is a schema pattern compiled when a value first meets it: a
// CRD has hundreds of patterns and a run meets a few (compiling them all
// was 5% of a one-instance run).
type lazyRegexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp // nil when src does not compile
}

func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re, _ = regexp.Compile(l.src) })
	return l.re
}

func compilePrefilter(s *spec.Schema) *prefilter {
	if s == nil {
		return nil
	}
	p := &prefilter{types: s.Type, nullable: s.Nullable, required: s.Required, minLen: -1, maxLen: -1, minItems: -1,
		preserveUnknown: preservesUnknown(s)}
	if s.Ref.String() != "" || len(s.AllOf) > 0 || len(s.OneOf) > 0 || s.Not != nil || s.MultipleOf != nil ||
		s.MaxItems != nil || s.UniqueItems || s.MaxProperties != nil || s.MinProperties != nil ||
		len(s.PatternProperties) > 0 || len(s.Dependencies) > 0 || s.ExclusiveMinimum || s.ExclusiveMaximum ||
		(s.Items != nil && len(s.Items.Schemas) > 0) {
		p.unsure = true
	}
	if s.Format != "" && (len(s.Type) == 0 || s.Type.Contains("string")) {
		p.unsure = true // string formats are checked by kube-openapi's registry
	}
	if len(s.Properties) > 0 {
		p.props = make(map[string]*prefilter, len(s.Properties))
		for k := range s.Properties {
			v := s.Properties[k]
			p.props[k] = compilePrefilter(&v)
		}
	}
	if ap := s.AdditionalProperties; ap != nil {
		if ap.Schema != nil {
			p.additional = compilePrefilter(ap.Schema)
		} else if !ap.Allows {
			p.closed = true
		}
	}
	if s.Items != nil && s.Items.Schema != nil {
		p.items = compilePrefilter(s.Items.Schema)
	}
	for i := range s.AnyOf {
		p.anyOf = append(p.anyOf, compilePrefilter(&s.AnyOf[i]))
	}
	if len(s.Enum) > 0 {
		p.enum = map[string]bool{}
		for _, e := range s.Enum {
			if str, ok := e.(string); ok {
				p.enum[str] = true
			} else {
				p.unsure = true
			}
		}
	}
	if s.Pattern != "" {
		p.pattern = &lazyRegexp{src: s.Pattern}
	}
	if s.MinLength != nil {
		p.minLen = *s.MinLength
	}
	if s.MaxLength != nil {
		p.maxLen = *s.MaxLength
	}
	if s.MinItems != nil {
		p.minItems = *s.MinItems
	}
	p.minimum, p.maximum = s.Minimum, s.Maximum
	if s.Format == "int32" && s.Type.Contains("integer") {
		// kube-openapi checks the int32 range (rolloutTimeoutSeconds:
		// 99999999999 is an error): model it as bounds.
		lo, hi := float64(math.MinInt32), float64(math.MaxInt32)
		if p.minimum == nil || *p.minimum < lo {
			p.minimum = &lo
		}
		if p.maximum == nil || *p.maximum > hi {
			p.maximum = &hi
		}
	}
	return p
}

// valid reports whether n certainly satisfies the schema.
func (p *prefilter) valid(n *yaml.Node) bool {
	if p == nil {
		return true
	}
	if p.unsure {
		return false
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) != 1 {
			return false
		}
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		return false
	}
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") && n.ShortTag() == yaml.NodeTagString {
		// Flux placeholders are not judged: Validate drops errors at them.
		return true
	}
	if len(p.anyOf) > 0 {
		// Sure only when one branch is certainly valid.
		matched := false
		for _, a := range p.anyOf {
			if a.valid(n) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	return p.check(n)
}

func (p *prefilter) check(n *yaml.Node) bool {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagNull {
		return p.nullable || (len(p.types) == 0 && p.anyOf == nil && p.enum == nil)
	}
	if len(p.types) > 0 && !typeMatches(p.types, n) {
		return false
	}
	switch n.Kind {
	case yaml.MappingNode:
		present := make(map[string]bool, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || present[k.Value] {
				return false
			}
			present[k.Value] = true
			if c, ok := p.props[k.Value]; ok {
				if !c.valid(v) {
					return false
				}
				continue
			}
			if p.closed {
				return false
			}
			if p.additional != nil && !p.additional.valid(v) {
				return false
			}
		}
		for _, r := range p.required {
			if !present[r] {
				return false
			}
		}
	case yaml.SequenceNode:
		if p.minItems >= 0 && int64(len(n.Content)) < p.minItems {
			return false
		}
		for _, c := range n.Content {
			if !p.items.valid(c) {
				return false
			}
		}
	case yaml.ScalarNode:
		tag := n.ShortTag()
		if p.enum != nil && !(tag == yaml.NodeTagString && p.enum[n.Value]) {
			return false
		}
		if tag == yaml.NodeTagString {
			l := int64(utf8.RuneCountInString(n.Value))
			if (p.minLen >= 0 && l < p.minLen) || (p.maxLen >= 0 && l > p.maxLen) {
				return false
			}
			if p.pattern != nil {
				if re := p.pattern.get(); re == nil || !re.MatchString(n.Value) {
					return false // a pattern Go cannot compile: not sure
				}
			}
		} else if p.pattern != nil || p.minLen >= 0 || p.maxLen >= 0 {
			return false
		}
		if p.minimum != nil || p.maximum != nil {
			if tag != yaml.NodeTagInt {
				return false
			}
			v, err := strconv.ParseInt(n.Value, 10, 64)
			if err != nil || (p.minimum != nil && float64(v) < *p.minimum) || (p.maximum != nil && float64(v) > *p.maximum) {
				return false
			}
		}
	default:
		return false
	}
	return true
}

// typeMatches follows toJSONValue: the value's kind comes from its tag.
func typeMatches(types []string, n *yaml.Node) bool {
	for _, t := range types {
		switch t {
		case "object":
			if n.Kind == yaml.MappingNode {
				return true
			}
		case "array":
			if n.Kind == yaml.SequenceNode {
				return true
			}
		case "string":
			if n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagString {
				return true
			}
		case "boolean":
			if n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagBool && isBool(n.Value) {
				return true
			}
		case "integer":
			if n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagInt && isDecimal(n.Value) {
				return true
			}
		case "number":
			if n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagInt && isDecimal(n.Value) {
				return true
			}
		}
	}
	return false
}

func isBool(s string) bool { return s == "true" || s == "false" }

func isDecimal(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}
