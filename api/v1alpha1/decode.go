package v1alpha1

import (
	"fmt"

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

// DecodeScenarioTemplate decodes a ScenarioTemplate document (a mapping
// node). Validate the document against its CRD first: on a document the
// CRD accepts, decoding does not fail. On any other it decodes what fits
// and returns the rest as the error (each field that did not fit, with its
// line), so that a reader that must not stop at a bad field (masking
// credentials in the messages about it) still sees the good ones.
// Metadata is read as kyaml reads it everywhere else (RNode.GetMeta), so
// that metadata a runner accepts never fails the decode.
func DecodeScenarioTemplate(n *yaml.Node) (*ScenarioTemplate, error) {
	t := &ScenarioTemplate{}
	meta, err := decode(n, &t.Spec)
	t.APIVersion, t.Kind, t.Metadata = meta.APIVersion, meta.Kind, meta.ObjectMeta
	return t, err
}

// DecodeImageRegistryTransformer decodes an ImageRegistryTransformer
// document, like DecodeScenarioTemplate.
func DecodeImageRegistryTransformer(n *yaml.Node) (*ImageRegistryTransformer, error) {
	t := &ImageRegistryTransformer{}
	meta, err := decode(n, &t.Spec)
	t.APIVersion, t.Kind, t.Metadata = meta.APIVersion, meta.Kind, meta.ObjectMeta
	return t, err
}

// decode reads the document's metadata and decodes its spec into spec.
func decode(n *yaml.Node, spec any) (yaml.ResourceMeta, error) {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return yaml.ResourceMeta{}, fmt.Errorf("the document is not a mapping")
	}
	meta, _ := yaml.NewRNode(n).GetMeta() // only ErrMissingMetadata, with what there is
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "spec" {
			return meta, n.Content[i+1].Decode(spec)
		}
	}
	return meta, nil
}
