package schema

import (
	"strconv"
	"strings"

	"k8s.io/kube-openapi/pkg/validation/errors"
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
			v, placeholders = toJSONValue(n.Content[i+1], join(path, k), placeholders)
			m[k] = v
		}
		return m, placeholders
	case yaml.SequenceNode:
		l := make([]interface{}, len(n.Content))
		for i, c := range n.Content {
			l[i], placeholders = toJSONValue(c, join(path, strconv.Itoa(i)), placeholders)
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

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

type convertedError struct {
	FieldError
	rawPath string
}

// convertError turns a kube-openapi error into a FieldError whose path uses
// list keys where the object has them.
func convertError(obj *yaml.RNode, err error) convertedError {
	ve, ok := err.(*errors.Validation)
	if !ok {
		return convertedError{FieldError: FieldError{Message: err.Error()}}
	}
	name := ve.Name
	msg := ve.Error()
	if name != "" {
		msg = strings.TrimPrefix(msg, name+" in body ")
		msg = strings.TrimPrefix(msg, name+" ")
	}
	if ve.Code() == errors.UnallowedPropertyCode {
		if key, ok := ve.Value.(string); ok {
			name = join(name, key)
		}
		msg = "unknown field (not in the CRD schema)"
	}
	raw := strings.TrimPrefix(normalizeIndexes(name), ".") // kube-openapi names a root field ".spec"
	if ve.Code() == errors.RequiredFailCode {
		msg = "required field is missing"
	}
	return convertedError{FieldError: FieldError{Path: prettyPath(obj.YNode(), raw), Message: msg}, rawPath: raw}
}

// prettyPath rewrites a dotted kube-openapi path (spec.syncPolicies.0.name)
// into the project's path syntax, naming list elements by their "name" when
// they have one: spec.syncPolicies.[name=prod].name. Map keys that contain
// dots are matched greedily against the object.
func prettyPath(n *yaml.Node, raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, ".")
	var out []string
	for i := 0; i < len(parts); i++ {
		if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
			n = n.Content[0]
		}
		switch {
		case n != nil && n.Kind == yaml.SequenceNode:
			idx, err := strconv.Atoi(parts[i])
			if err != nil || idx < 0 || idx >= len(n.Content) {
				out = append(out, parts[i])
				n = nil
				continue
			}
			el := n.Content[idx]
			out = append(out, ElementSelector(el, idx))
			n = el
		case n != nil && n.Kind == yaml.MappingNode:
			matched := false
			for j := len(parts); j > i; j-- {
				key := strings.Join(parts[i:j], ".")
				if v := mapValue(n, key); v != nil {
					out = append(out, quoteKey(key))
					n = v
					i = j - 1
					matched = true
					break
				}
			}
			if !matched {
				out = append(out, quoteKey(strings.Join(parts[i:], ".")))
				return strings.Join(out, ".")
			}
		default:
			out = append(out, parts[i])
			n = nil
		}
	}
	return strings.Join(out, ".")
}

// ElementSelector names a list element in path syntax: [name=x] when it has
// a scalar name, else its index.
func ElementSelector(el *yaml.Node, idx int) string {
	if el != nil && el.Kind == yaml.MappingNode {
		if v := mapValue(el, "name"); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
			return "[name=" + v.Value + "]"
		}
	}
	return strconv.Itoa(idx)
}

func quoteKey(k string) string {
	if strings.Contains(k, ".") {
		return "[" + k + "]"
	}
	return k
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
