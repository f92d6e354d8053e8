package fieldpath

import "sigs.k8s.io/kustomize/kyaml/yaml"

// Walk says how Leaves treats what the leaf walkers of the project used to
// disagree on.
type Walk struct {
	// Empty reports an empty map or list as a leaf (provenance attributes
	// adding {} or [] to a layer); otherwise only scalars are leaves.
	Empty bool
	// Aliases follows alias nodes to their anchor, reporting the anchor's
	// leaves under the alias's path, once per alias on the way down (an
	// alias back into its own anchor is not followed again). Otherwise
	// aliases are skipped: a walker that changes the leaves it visits must
	// not reach an anchored node twice.
	Aliases bool
}

// Leaves calls fn for every leaf of n (a document, mapping, sequence,
// scalar or alias) in document order, with its path in the project's
// field path spelling (Join with Key and Element), extending path.
func (w Walk) Leaves(n *yaml.Node, path string, fn func(n *yaml.Node, path string)) {
	w.leaves(n, path, fn, nil)
}

func (w Walk) leaves(n *yaml.Node, path string, fn func(n *yaml.Node, path string), anchors []*yaml.Node) {
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			w.leaves(c, path, fn, anchors)
		}
	case yaml.MappingNode:
		if len(n.Content) == 0 && w.Empty {
			fn(n, path)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			w.leaves(n.Content[i+1], Join(path, Key(n.Content[i].Value)), fn, anchors)
		}
	case yaml.SequenceNode:
		if len(n.Content) == 0 && w.Empty {
			fn(n, path)
		}
		for i, c := range n.Content {
			w.leaves(c, Join(path, Element(c, i)), fn, anchors)
		}
	case yaml.AliasNode:
		if !w.Aliases || n.Alias == nil {
			return
		}
		for _, a := range anchors {
			if a == n.Alias {
				return
			}
		}
		w.leaves(n.Alias, path, fn, append(anchors, n.Alias))
	case yaml.ScalarNode:
		fn(n, path)
	}
}
