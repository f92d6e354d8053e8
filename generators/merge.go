package generators

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/internal/yamlnode"
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
	directives := hasDirective(patch.YNode())
	out, err := mergeResourceRaw(dest, patch, apiVersion, kind)
	if err != nil || out == nil || !directives {
		return out, err
	}
	if !settleDirectives(out.YNode()) {
		return nil, nil
	}
	return out, nil
}

func mergeResourceRaw(dest, patch *yaml.RNode, apiVersion, kind string) (*yaml.RNode, error) {
	typ := kurator.Lookup(apiVersion, kind)
	defer useKyamlSchema(typ == nil)()
	var s *openapi.ResourceSchema
	if typ != nil {
		s = typ.MergeSchema()
		if mapValue(patch.YNode(), patchDirective) != nil {
			return walkMerge(dest, patch, s) // a directive on the whole resource
		}
		// Only Kurator kinds descend: their schemas are self-contained. Other
		// kinds resolve nested schemas through kyaml's global registry.
		if err := descend(dest.YNode(), patch.YNode(), s); err != nil {
			return nil, err
		}
		return dest, nil
	}
	return walkMerge(dest, patch, s)
}

// kyamlSchema guards kyaml's global OpenAPI registry. kyaml's merge walker
// looks up field schemas there, and the first lookup parses kyaml's
// built-in Kubernetes schema, which takes more time than the rest of a
// one-instance render. Kurator kinds do not need it: their CRD schemas are
// self-contained (mergeResourceRaw passes them to the walker). So the
// built-in schema is switched off until the first resource of another kind
// (a Secret, a Deployment) is merged; from then on it is on for the rest of
// the process, and that kind's nested lists merge by the Kubernetes API's
// keys as always.
var kyamlSchema struct {
	sync.RWMutex
	decided bool // Suppress or Reset has been called
	builtin bool // the built-in Kubernetes schema is in use
}

// useKyamlSchema sets the registry up for a merge that needs the built-in
// Kubernetes schema (builtin) or not, and holds it in that state until the
// returned func is called.
func useKyamlSchema(builtin bool) (release func()) {
	ks := &kyamlSchema
	ks.RLock()
	if ks.decided && (ks.builtin || !builtin) {
		return ks.RUnlock
	}
	ks.RUnlock()
	ks.Lock()
	switch {
	case builtin && !ks.builtin:
		openapi.ResetOpenAPI() // parsed again, with the built-in schema, on next use
		ks.builtin = true
	case !ks.decided:
		openapi.SuppressBuiltInSchemaUse()
	}
	ks.decided = true
	ks.Unlock()
	ks.RLock()
	return ks.RUnlock
}

// settleDirectives applies the directives a merge left in place. merge2
// elides a directive where the destination has something to delete or
// replace, but keeps it in a subtree it adds whole (the destination had
// nothing there). Against nothing, replace keeps the content and delete
// removes it. It reports whether n itself survives.
func settleDirectives(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.MappingNode:
		if d := mapValue(n, patchDirective); d != nil {
			setMapValue(n, &yaml.Node{Kind: yaml.ScalarNode, Value: patchDirective}, nil)
			if d.Value == "delete" {
				return false
			}
		}
		for i := 0; i+1 < len(n.Content); {
			if settleDirectives(n.Content[i+1]) {
				i += 2
				continue
			}
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
		}
	case yaml.SequenceNode:
		kept := n.Content[:0]
		for _, el := range n.Content {
			if el.Kind == yaml.MappingNode && len(el.Content) == 2 && el.Content[0].Value == patchDirective {
				if el.Content[1].Value == "delete" {
					return false // {$patch: delete} clears the list
				}
				continue // {$patch: replace|merge}: the list is the rest
			}
			if settleDirectives(el) {
				kept = append(kept, el)
			}
		}
		n.Content = kept
	}
	return true
}

func walkMerge(dest, patch *yaml.RNode, s *openapi.ResourceSchema) (*yaml.RNode, error) {
	return walk.Walker{
		Sources:      []*yaml.RNode{dest, patch},
		Visitor:      merge2.Merger{},
		Schema:       s,
		MergeOptions: yaml.MergeOptions{ListIncreaseDirection: yaml.MergeOptionsListAppend},
	}.Walk()
}

// descend merges patch into dest, both mappings, exactly as merge2 would,
// but visits only the keys the patch has: merge2 keeps fields that exist
// only in dest unchanged, so walking them is wasted work. Where the patch
// carries a directive, or a value is not a map on both sides, the subtree is
// handed to kyaml's merge walker with its schema.
func descend(dest, patch *yaml.Node, s *openapi.ResourceSchema) error {
	if mapValue(patch, patchDirective) != nil {
		return fmt.Errorf("internal: directive at a descended map")
	}
	for i := 0; i+1 < len(patch.Content); i += 2 {
		key, pv := patch.Content[i], patch.Content[i+1]
		var fs *openapi.ResourceSchema
		if s != nil {
			fs = s.Field(key.Value)
		}
		dv := mapValue(dest, key.Value)
		if dv != nil && dv.Kind == yaml.MappingNode && pv.Kind == yaml.MappingNode && mapValue(pv, patchDirective) == nil {
			copyCommentsAndStyle(dv, pv)
			if err := descend(dv, pv, fs); err != nil {
				return err
			}
			continue
		}
		if dv != nil && dv.Kind == yaml.SequenceNode && pv.Kind == yaml.SequenceNode && fs != nil {
			ok, err := descendKeyedList(dv, pv, fs)
			if err != nil {
				return err
			}
			if ok {
				continue
			}
		}
		// One field: merge {key: dv} with {key: pv} through kyaml.
		dn := &yaml.Node{Kind: yaml.MappingNode}
		if dv != nil {
			dn.Content = []*yaml.Node{key, dv}
		}
		pn := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, pv}}
		var wrapper *openapi.ResourceSchema
		if fs != nil {
			wrapper = &openapi.ResourceSchema{Schema: &spec.Schema{SchemaProps: spec.SchemaProps{
				Type: spec.StringOrArray{"object"}, Properties: map[string]spec.Schema{key.Value: *fs.Schema}}}}
		}
		out, err := walkMerge(yaml.NewRNode(dn), yaml.NewRNode(pn), wrapper)
		if err != nil {
			return err
		}
		nv := mapValue(out.YNode(), key.Value)
		setMapValue(dest, key, nv)
	}
	return nil
}

// setMapValue sets key to v in mapping n (appending a new key), or removes
// the key when v is nil.
func setMapValue(n, key, v *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key.Value {
			if v == nil {
				n.Content = append(n.Content[:i], n.Content[i+2:]...)
			} else {
				n.Content[i+1] = v
			}
			return
		}
	}
	if v != nil {
		n.Content = append(n.Content, key, v)
	}
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
				if k.Kind != yaml.ScalarNode {
					out = append(out, layerFinding{path: path, node: k,
						msg: "a field name is not a string", hint: "field names are plain strings; check the indentation and braces"})
					continue
				}
				if strings.HasPrefix(k.Tag, "!") && !strings.HasPrefix(k.Tag, "!!") {
					out = append(out, layerFinding{path: path, node: k,
						msg:  "field name " + strconv.Quote(k.Value) + " has the YAML tag " + k.Tag + ", which Kubernetes does not keep",
						hint: "remove the tag"})
					continue
				}
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
					case key != "" && !hasKey(el, key):
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

func mapValue(n *yaml.Node, key string) *yaml.Node { return yamlnode.MapValue(n, key) }

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

// copyCommentsAndStyle does what merge2's SetComments and SetStyle do for a
// map both sides have.
func copyCommentsAndStyle(dest, src *yaml.Node) {
	if src.HeadComment != "" {
		dest.HeadComment = src.HeadComment
	}
	if src.LineComment != "" {
		dest.LineComment = src.LineComment
	}
	if src.FootComment != "" {
		dest.FootComment = src.FootComment
	}
	if len(dest.Content) == 0 {
		dest.Style = src.Style
	}
}

// descendKeyedList merges a keyed list the way merge2 does (elements
// matched by key are merged, new ones appended in patch order, the rest kept
// in place), descending only into the elements the patch names. It declines
// (false) whenever the patch or dest holds anything else: directives,
// elements without a key, duplicate keys, non-map elements; the caller then
// uses kyaml's walker.
func descendKeyedList(dest, patch *yaml.Node, s *openapi.ResourceSchema) (bool, error) {
	strategy, key := s.PatchStrategyAndKey()
	if strategy != "merge" || key == "" {
		return false, nil
	}
	index := map[string]*yaml.Node{}
	for _, el := range dest.Content {
		k := mapValue(el, key)
		if !hasKey(el, key) || index[k.Value] != nil || mapValue(el, patchDirective) != nil {
			return false, nil
		}
		index[k.Value] = el
	}
	seen := map[string]bool{}
	for _, el := range patch.Content {
		k := mapValue(el, key)
		if !hasKey(el, key) || seen[k.Value] || hasDirective(el) {
			return false, nil
		}
		// A new element is appended as it is, but merge drops its null
		// fields (a deletion of nothing): leave those to the walker.
		if index[k.Value] == nil && hasNull(el) {
			return false, nil
		}
		seen[k.Value] = true
	}
	items := s.Elements()
	if len(dest.Content) == 0 {
		dest.Style = patch.Style
	}
	for _, el := range patch.Content {
		k := mapValue(el, key).Value
		if d := index[k]; d != nil {
			copyCommentsAndStyle(d, el)
			if err := descend(d, el, items); err != nil {
				return true, err
			}
			continue
		}
		dest.Content = append(dest.Content, el)
	}
	return true, nil
}

// hasNull reports whether a null value occurs anywhere in n.
func hasNull(n *yaml.Node) bool {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagNull {
		return true
	}
	for _, c := range n.Content {
		if hasNull(c) {
			return true
		}
	}
	return false
}

// hasDirective reports whether a $patch key occurs anywhere in n.
func hasDirective(n *yaml.Node) bool { return findDirective(n, "") != "" }

// hasKey reports whether a list element carries a usable merge key: a
// non-empty scalar (name: with no value is no key).
func hasKey(el *yaml.Node, key string) bool {
	k := mapValue(el, key)
	return el.Kind == yaml.MappingNode && k != nil && k.Kind == yaml.ScalarNode && k.Value != "" && k.ShortTag() != yaml.NodeTagNull
}
