package v1alpha1

import (
	"fmt"
	"reflect"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Raw is free-form YAML: the document's own node, not a copy (yaml.v3
// copies a yaml.Node it decodes into), so that line numbers, comments and
// styles survive and an edit of the node is an edit of the document. The
// node is nil when the field is absent or null.
type Raw struct {
	*yaml.Node
}

// UnmarshalYAML keeps n itself.
func (r *Raw) UnmarshalYAML(n *yaml.Node) error {
	r.Node = n
	return nil
}

// IsZero reports whether the field is absent (for omitempty).
func (r Raw) IsZero() bool { return r.Node == nil }

// MarshalYAML writes the node as it is.
func (r Raw) MarshalYAML() (any, error) {
	return r.Node, nil
}

// RNode returns the node as a kyaml RNode, or nil.
func (r Raw) RNode() *yaml.RNode {
	if r.Node == nil {
		return nil
	}
	return yaml.NewRNode(r.Node)
}

// Raws is a list of free-form YAML values, each the document's own node:
// a null entry too (a []Raw would lose it, as yaml.v3 drops a null it
// cannot set), and an alias entry as the node it names, as decoding reads
// aliases.
type Raws []Raw

// UnmarshalYAML keeps the sequence's own nodes.
func (r *Raws) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: cannot unmarshal %s into a list", n.Line, n.ShortTag())}}
	}
	*r = make(Raws, len(n.Content))
	for i, c := range n.Content {
		if c.Kind == yaml.AliasNode && c.Alias != nil {
			c = c.Alias
		}
		(*r)[i] = Raw{c}
	}
	return nil
}

// RNodes returns the nodes as kyaml RNodes (nil for no list).
func (r Raws) RNodes() []*yaml.RNode {
	if r == nil {
		return nil
	}
	out := make([]*yaml.RNode, len(r))
	for i, v := range r {
		out[i] = yaml.NewRNode(v.Node)
	}
	return out
}

// DecodeScenarioTemplate decodes a ScenarioTemplate document (a mapping
// node). Validate the document against its CRD first: on a document the
// CRD accepts, decoding does not fail. On any other it decodes what fits
// and returns the rest as the error (each field that did not fit, with its
// line), so that a reader that must not stop at a bad field (masking
// credentials in the messages about it) still sees the good ones. The
// metadata is read as kyaml reads it everywhere else (RNode.GetMeta): it
// never fails the decode.
func DecodeScenarioTemplate(n *yaml.Node) (*ScenarioTemplate, error) {
	spec, err := DecodeScenarioTemplateSpec(n)
	meta := header(n)
	return &ScenarioTemplate{APIVersion: meta.APIVersion, Kind: meta.Kind, Metadata: meta.ObjectMeta, Spec: *spec}, err
}

// DecodeScenarioTemplateSpec decodes the spec of a ScenarioTemplate
// document, like DecodeScenarioTemplate, for a reader that has read the
// metadata already (kyaml's RNode.GetMeta).
func DecodeScenarioTemplateSpec(n *yaml.Node) (*ScenarioTemplateSpec, error) {
	spec := &ScenarioTemplateSpec{}
	return spec, decodeSpec(n, spec)
}

// DecodeImageRegistryTransformer decodes an ImageRegistryTransformer
// document, like DecodeScenarioTemplate.
func DecodeImageRegistryTransformer(n *yaml.Node) (*ImageRegistryTransformer, error) {
	t := &ImageRegistryTransformer{}
	err := decodeSpec(n, &t.Spec)
	meta := header(n)
	t.APIVersion, t.Kind, t.Metadata = meta.APIVersion, meta.Kind, meta.ObjectMeta
	return t, err
}

func mapping(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

// header reads apiVersion, kind and metadata as kyaml does.
func header(n *yaml.Node) yaml.ResourceMeta {
	if n = mapping(n); n == nil {
		return yaml.ResourceMeta{}
	}
	meta, _ := yaml.NewRNode(n).GetMeta() // only ErrMissingMetadata, with what there is
	return meta
}

// decodeSpec decodes the spec of document n into spec.
func decodeSpec(n *yaml.Node, spec any) error {
	if n = mapping(n); n == nil {
		return fmt.Errorf("the document is not a mapping")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "spec" {
			continue
		}
		sn := n.Content[i+1]
		err := sn.Decode(spec)
		if err == nil {
			return nil
		}
		// A key given twice (YAML forbids it; fn refuses such input before
		// any processor runs, the CLI's readers do not) is read as kyaml's
		// RNode.Field reads it, the first one, not as a decode error.
		if first := firstKeys(sn, reflect.TypeOf(spec)); first != sn {
			reflect.ValueOf(spec).Elem().SetZero()
			err = first.Decode(spec)
		}
		return err
	}
	return nil
}

var (
	rawType  = reflect.TypeFor[Raw]()
	rawsType = reflect.TypeFor[Raws]()
)

// firstKeys returns n, or a copy of it without the later occurrences of a
// key, in the mappings that decoding into typ descends into (not inside
// Raw, whose nodes are kept as they are).
func firstKeys(n *yaml.Node, typ reflect.Type) *yaml.Node {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	var out []*yaml.Node
	changed := false
	switch {
	case typ == rawType || typ == rawsType:
		return n
	case typ.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			f := firstKeys(c, typ.Elem())
			if f != c && !changed {
				changed, out = true, append([]*yaml.Node(nil), n.Content[:i]...)
			}
			if changed {
				out = append(out, f)
			}
		}
	case typ.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := map[string]reflect.Type{}
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
			fields[name] = typ.Field(i).Type
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f := v
			if ft, ok := fields[k.Value]; ok && !seen[k.Value] {
				f = firstKeys(v, ft)
			}
			if (seen[k.Value] || f != v) && !changed {
				changed, out = true, append([]*yaml.Node(nil), n.Content[:i]...)
			}
			if changed && !seen[k.Value] {
				out = append(out, k, f)
			}
			seen[k.Value] = true
		}
	}
	if !changed {
		return n
	}
	c := *n
	c.Content = out
	return &c
}
