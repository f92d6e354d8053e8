package schema

import (
	"strconv"
	"strings"

	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/internal/yamlnode"
	"k8s.io/kube-openapi/pkg/validation/errors"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// toJSONValue converts a YAML node to the values kube-openapi validates
// (map[string]interface{}, []interface{}, string, int64, float64, bool, nil),
// following the node's resolved tag so that "1" stays a string. It also
// returns the raw (dotted) paths whose value is a Flux ${VAR} placeholder.
func toJSONValue(n *yaml.Node, path string, placeholders map[string]bool) (interface{}, map[string]bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, placeholders
		}
		return toJSONValue(n.Content[0], path, placeholders)
	case yaml.AliasNode:
		return toJSONValue(n.Alias, path, placeholders)
	case yaml.MappingNode:
		m := make(map[string]interface{}, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			var v interface{}
			v, placeholders = toJSONValue(n.Content[i+1], rawJoin(path, k), placeholders)
			m[k] = v
		}
		return m, placeholders
	case yaml.SequenceNode:
		l := make([]interface{}, len(n.Content))
		for i, c := range n.Content {
			l[i], placeholders = toJSONValue(c, rawJoin(path, strconv.Itoa(i)), placeholders)
		}
		return l, placeholders
	}
	switch n.ShortTag() {
	case yaml.NodeTagNull:
		return nil, placeholders
	case yaml.NodeTagBool:
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err == nil {
			return b, placeholders
		}
	case yaml.NodeTagInt:
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return i, placeholders
		}
	case yaml.NodeTagFloat:
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f, placeholders
		}
	}
	if strings.Contains(n.Value, "${") {
		if placeholders == nil {
			placeholders = map[string]bool{}
		}
		placeholders[path] = true
	}
	return n.Value, placeholders
}

// rawJoin extends a path in kube-openapi's own naming (dots between keys
// and indexes, keys unquoted), which convertError reads: not the field
// path of messages (internal/fieldpath).
func rawJoin(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// normalizeIndexes turns kube-openapi's "a[0].b" into "a.0.b".
func normalizeIndexes(p string) string {
	if !strings.Contains(p, "[") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '[':
			b.WriteByte('.')
		case ']':
		default:
			b.WriteByte(p[i])
		}
	}
	return b.String()
}

type convertedError struct {
	FieldError
	rawPath string
}

// convertError turns a kube-openapi error into a FieldError whose path uses
// list keys where the object has them, and keeps what kube-openapi knows
// as fields (code, value, allowed values); the schema at the path supplies
// what its errors hold only as text (the expected type, the pattern, the
// bound).
func convertError(obj *yaml.RNode, root *spec.Schema, err error) convertedError {
	ve, ok := err.(*errors.Validation)
	if !ok {
		return convertedError{FieldError: FieldError{Code: Other, Message: err.Error()}}
	}
	name := ve.Name
	msg := ve.Error()
	if name != "" {
		msg = strings.TrimPrefix(msg, name+" in body ")
		msg = strings.TrimPrefix(msg, name+" ")
	}
	code := codeOf(ve.Code())
	fe := FieldError{Code: code, Value: ve.Value}
	switch code {
	case UnknownField:
		if key, ok := ve.Value.(string); ok {
			name = rawJoin(name, key)
			fe.Field = key
		}
		msg = "unknown field (not in the CRD schema)"
	case Required:
		msg = "required field is missing"
		fe.Value = nil
	case WrongType:
		fe.Value = nil // kube-openapi puts the value's type name here
	}
	raw := strings.TrimPrefix(normalizeIndexes(name), ".") // kube-openapi names a root field ".spec"
	path, leaf := prettyPath(obj.YNode(), root, raw)
	fe.Path, fe.Message = path, msg
	if code == Required && fe.Field == "" {
		fe.Field = raw[strings.LastIndex(raw, ".")+1:]
	}
	if leaf != nil {
		fe.fromSchema(leaf)
	}
	return convertedError{FieldError: fe, rawPath: raw}
}

// codeOf maps kube-openapi's codes to the project's.
func codeOf(c int32) Code {
	switch c {
	case errors.UnallowedPropertyCode:
		return UnknownField
	case errors.RequiredFailCode:
		return Required
	case errors.InvalidTypeCode:
		return WrongType
	case errors.EnumFailCode:
		return Enum
	case errors.PatternFailCode:
		return Pattern
	case errors.TooLongFailCode:
		return TooLong
	case errors.TooShortFailCode:
		return TooShort
	case errors.MaxFailCode:
		return Maximum
	case errors.MinFailCode:
		return Minimum
	case errors.MaxItemsFailCode:
		return TooManyItems
	case errors.MinItemsFailCode:
		return TooFewItems
	case errors.UniqueFailCode:
		return Duplicates
	}
	return Other
}

// fromSchema fills in what the schema at the error's path says the value
// should have been.
func (fe *FieldError) fromSchema(s *spec.Schema) {
	switch fe.Code {
	case WrongType:
		fe.Expected = strings.Join(s.Type, ",")
	case Enum:
		fe.Allowed = s.Enum
	case Pattern:
		fe.Pattern = s.Pattern
	case TooLong:
		fe.Limit = limit(s.MaxLength)
	case TooShort:
		fe.Limit = limit(s.MinLength)
	case TooManyItems:
		fe.Limit = limit(s.MaxItems)
	case TooFewItems:
		fe.Limit = limit(s.MinItems)
	case Maximum:
		if s.Maximum != nil {
			fe.Limit = strconv.FormatFloat(*s.Maximum, 'f', -1, 64)
		}
		fe.Exclusive = s.ExclusiveMaximum
	case Minimum:
		if s.Minimum != nil {
			fe.Limit = strconv.FormatFloat(*s.Minimum, 'f', -1, 64)
		}
		fe.Exclusive = s.ExclusiveMinimum
	}
}

func limit(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

// prettyPath rewrites a dotted kube-openapi path (spec.syncPolicies.0.name)
// into the field path of messages (internal/fieldpath), naming list
// elements by their "name" when they have one:
// spec.syncPolicies.[name=prod].name. Map keys that contain dots are
// matched greedily against the object, and where the object ends (a
// missing required field) against the schema's properties. It also
// returns the schema at the path, or nil when the schema does not reach it.
func prettyPath(n *yaml.Node, s *spec.Schema, raw string) (string, *spec.Schema) {
	if raw == "" {
		return "", s
	}
	parts := strings.Split(raw, ".")
	var out fieldpath.Path
	for i := 0; i < len(parts); i++ {
		if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
			n = n.Content[0]
		}
		switch {
		case n != nil && n.Kind == yaml.SequenceNode:
			s = itemSchema(s)
			idx, err := strconv.Atoi(parts[i])
			if err != nil || idx < 0 || idx >= len(n.Content) {
				out = append(out, rawSegment(parts[i]))
				n = nil
				continue
			}
			el := n.Content[idx]
			out = append(out, fieldpath.Element(el, idx))
			n = el
		case n != nil && n.Kind == yaml.MappingNode:
			matched := false
			for j := len(parts); j > i; j-- {
				key := strings.Join(parts[i:j], ".")
				if v := yamlnode.MapValue(n, key); v != nil {
					out = append(out, fieldpath.Key(key))
					s = propertySchema(s, key)
					n = v
					i = j - 1
					matched = true
					break
				}
			}
			if !matched {
				out, s = schemaPath(s, parts[i:], out)
				return out.String(), s
			}
		default:
			out, s = schemaPath(s, parts[i:], out)
			return out.String(), s
		}
	}
	return out.String(), s
}

// rawSegment is an index of kube-openapi's naming, or else a key.
func rawSegment(part string) fieldpath.Segment {
	if i, err := strconv.Atoi(part); err == nil && i >= 0 {
		return fieldpath.Index(i)
	}
	return fieldpath.Key(part)
}

// schemaPath follows the rest of a path that the object does not have
// through the schema alone, matching dotted property names greedily, and
// appends it to out.
func schemaPath(s *spec.Schema, parts []string, out fieldpath.Path) (fieldpath.Path, *spec.Schema) {
	for i := 0; i < len(parts); i++ {
		if s == nil {
			return append(out, fieldpath.Key(strings.Join(parts[i:], "."))), nil
		}
		if idx, err := strconv.Atoi(parts[i]); err == nil && idx >= 0 && s.Items != nil {
			out = append(out, fieldpath.Index(idx))
			s = itemSchema(s)
			continue
		}
		matched := false
		for j := len(parts); j > i; j-- {
			key := strings.Join(parts[i:j], ".")
			if _, ok := s.Properties[key]; ok {
				out = append(out, fieldpath.Key(key))
				s = propertySchema(s, key)
				i = j - 1
				matched = true
				break
			}
		}
		if !matched {
			return append(out, fieldpath.Key(strings.Join(parts[i:], "."))), propertySchema(s, strings.Join(parts[i:], "."))
		}
	}
	return out, s
}

func propertySchema(s *spec.Schema, key string) *spec.Schema {
	if s == nil {
		return nil
	}
	if p, ok := s.Properties[key]; ok {
		return &p
	}
	if s.AdditionalProperties != nil {
		return s.AdditionalProperties.Schema
	}
	return nil
}

func itemSchema(s *spec.Schema) *spec.Schema {
	if s == nil || s.Items == nil {
		return nil
	}
	return s.Items.Schema
}
