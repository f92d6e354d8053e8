package generators

import (
	"fmt"
	"strings"

	"github.com/kurator-scenario/scenario-fn/kurator"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/merge2"
	"sigs.k8s.io/kustomize/kyaml/yaml/walk"
)

const patchDirective = "$patch"

// mergeResource strategic-merges patch into dest with Kubernetes semantics:
// maps merge, scalars override, null deletes, $patch: delete|replace on maps
// and list elements. Kurator kinds use the embedded CRD schema with the
// project's merge keys; other kinds use kyaml's built-in Kubernetes schema.
// dest and patch are both consumed.
func mergeResource(dest, patch *yaml.RNode, apiVersion, kind string) (*yaml.RNode, error) {
	var s *openapi.ResourceSchema
	if typ := kurator.Lookup(apiVersion, kind); typ != nil {
		s = typ.MergeSchema()
	}
	return walk.Walker{
		Sources:      []*yaml.RNode{dest, patch},
		Visitor:      merge2.Merger{},
		Schema:       s,
		MergeOptions: yaml.MergeOptions{ListIncreaseDirection: yaml.MergeOptionsListAppend},
	}.Walk()
}

// layerFinding is a problem in one layer document, at a field path.
type layerFinding struct {
	path, msg, hint string
	node            *yaml.Node
}

// checkLayer finds what strategic merge would silently get wrong in a
// layer document of a Kurator kind: keyed list elements without their key,
// $patch directives in lists that are replaced whole (they would leak into
// the output), and unknown directives.
func checkLayer(doc *yaml.RNode, apiVersion, kind string) []layerFinding {
	var root *spec.Schema
	if typ := kurator.Lookup(apiVersion, kind); typ != nil {
		root = typ.Schema
	}
	var out []layerFinding
	var visit func(n *yaml.Node, s *spec.Schema, path string)
	visit = func(n *yaml.Node, s *spec.Schema, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if strings.HasPrefix(k.Value, "$") {
					switch {
					case k.Value == patchDirective && (v.Value == "delete" || v.Value == "replace" || v.Value == "merge"):
					case k.Value == patchDirective:
						out = append(out, layerFinding{path: join(path, k.Value), node: v,
							msg: fmt.Sprintf("unknown $patch directive %q", v.Value), hint: "use $patch: delete, replace or merge"})
					default:
						out = append(out, layerFinding{path: join(path, k.Value), node: k,
							msg: fmt.Sprintf("unsupported directive %q", k.Value), hint: "use $patch: delete or replace, or null to delete a field"})
					}
					continue
				}
				visit(v, child(s, k.Value), join(path, quoteKey(k.Value)))
			}
		case yaml.SequenceNode:
			key := ""
			if s != nil {
				if k, ok := s.Extensions.GetString("x-kubernetes-patch-merge-key"); ok {
					key = k
				}
			}
			var items *spec.Schema
			if s != nil && s.Items != nil {
				items = s.Items.Schema
			}
			for i, el := range n.Content {
				elPath := join(path, elementSelector(el, i, key))
				if el.Kind == yaml.MappingNode {
					directive := mapValue(el, patchDirective)
					switch {
					case key != "" && directive != nil && len(el.Content) == 2:
						// A list-level directive ({$patch: replace}) needs no key.
					case key != "" && mapValue(el, key) == nil:
						out = append(out, layerFinding{path: elPath, node: el,
							msg:  fmt.Sprintf("list element has no %q: this list merges by %s", key, key),
							hint: fmt.Sprintf("add %s: <value> to the element (it identifies the element across layers)", key)})
					case key == "" && directive != nil && root != nil:
						out = append(out, layerFinding{path: join(elPath, patchDirective), node: directive,
							msg:  "$patch in a list that has no merge key: the list is replaced as a whole, so the directive would leak into the output",
							hint: "write the whole list instead, or null to remove it"})
					}
				}
				visit(el, items, elPath)
			}
		}
	}
	visit(doc.YNode(), root, "")
	return out
}

func child(s *spec.Schema, field string) *spec.Schema {
	if s == nil {
		return nil
	}
	if p, ok := s.Properties[field]; ok {
		return &p
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		return s.AdditionalProperties.Schema
	}
	return nil
}

// elementSelector names a list element: [key=value] for keyed lists (or
// [name=value] when the element has a name), else its index.
func elementSelector(el *yaml.Node, i int, key string) string {
	if key == "" {
		key = "name"
	}
	if el.Kind == yaml.MappingNode {
		if v := mapValue(el, key); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
			return "[" + key + "=" + v.Value + "]"
		}
	}
	return fmt.Sprint(i)
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
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

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func quoteKey(k string) string {
	if strings.Contains(k, ".") {
		return "[" + k + "]"
	}
	return k
}

// findDirective returns the path of a $patch key left in n, or "".
func findDirective(n *yaml.Node, path string) string {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == patchDirective {
				return join(path, patchDirective)
			}
			if p := findDirective(n.Content[i+1], join(path, quoteKey(n.Content[i].Value))); p != "" {
				return p
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p := findDirective(c, join(path, elementSelector(c, i, ""))); p != "" {
				return p
			}
		}
	}
	return ""
}
