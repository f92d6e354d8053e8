package generators

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// IsOverlay tells whether a package item is an overlay: annotated
// AnnotationOverlay with anything but "" or "false".
func IsOverlay(n *yaml.RNode) bool {
	v := n.GetAnnotations()[AnnotationOverlay]
	return v != "" && v != "false"
}

// OverlayAppliesTo tells whether a package item is an overlay for the
// instance named name: annotated AnnotationOverlay "true", or a
// comma-separated list of instance names that contains name.
func OverlayAppliesTo(n *yaml.RNode, name string) bool {
	return IsOverlay(n) && appliesTo(n.GetAnnotations()[AnnotationOverlay], name)
}

// appliesTo reads an overlay annotation: "true" for every instance, or a
// comma-separated list of instance names.
func appliesTo(list, name string) bool {
	if list == "true" {
		return true
	}
	for _, n := range strings.Split(list, ",") {
		if strings.TrimSpace(n) == name {
			return true
		}
	}
	return false
}
