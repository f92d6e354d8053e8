package yamlnode

import "sigs.k8s.io/kustomize/kyaml/yaml"

// MapValue returns the value of key in a mapping node, or nil (also when n
// is nil or not a mapping). It reads the node's content directly: kyaml's
// Lookup allocates a filter per call. Merge keys (<<) are not followed.
func MapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
