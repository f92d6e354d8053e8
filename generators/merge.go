package generators

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
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
					case isOrderDirective(k.Value):
						// Checked and taken out by takeOrders.
					case k.Value == patchDirective && (v.Value == "delete" || v.Value == "replace" || v.Value == "merge"):
					case k.Value == patchDirective:
						out = append(out, layerFinding{path: fieldpath.JoinKey(path, k.Value), node: v,
							msg: fmt.Sprintf("unknown $patch directive %q", v.Value), hint: "use $patch: delete, replace or merge"})
					default:
						out = append(out, layerFinding{path: fieldpath.JoinKey(path, k.Value), node: k,
							msg: fmt.Sprintf("unsupported directive %q", k.Value), hint: "use $patch: delete or replace, or null to delete a field"})
					}
					continue
				}
				visit(v, child(s, k.Value), fieldpath.JoinKey(path, k.Value))
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
				elPath := fieldpath.Join(path, fieldpath.ElementBy(el, i, key))
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
						out = append(out, layerFinding{path: fieldpath.JoinKey(elPath, patchDirective), node: directive,
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

func mapValue(n *yaml.Node, key string) *yaml.Node { return yamlnode.MapValue(n, key) }

func isOrderDirective(k string) bool {
	return k == positionDirective || strings.HasPrefix(k, setOrderPrefix)
}

// findDirective returns the path of a directive ($patch, $position,
// $setElementOrder/...) left in n, or "".
func findDirective(n *yaml.Node, path string) string {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; k == patchDirective || isOrderDirective(k) {
				return fieldpath.JoinKey(path, k)
			}
			if p := findDirective(n.Content[i+1], fieldpath.JoinKey(path, n.Content[i].Value)); p != "" {
				return p
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p := findDirective(c, fieldpath.Join(path, fieldpath.Element(c, i))); p != "" {
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

// Ordering directives. Kurator runs a Pipeline's tasks in list order, and a
// keyed merge appends what a layer adds after what it inherits. Two
// directives place elements of keyed lists:
//
//	$position: {after: <key>} or {before: <key>}   on one list element
//	$setElementOrder/<list>: [{name: a}, {name: b}] next to the list
//
// They are taken out of a layer document before the merge (so both merge
// paths, kyaml's walker and the descent, see the same plain patch) and
// applied to the merged resource afterwards.
const (
	positionDirective = "$position"
	setOrderPrefix    = "$setElementOrder/"
)

// listOrder is one ordering directive taken out of a layer document.
type listOrder struct {
	steps []pathStep // from the resource to the map holding the list
	list  string     // the list's field name
	key   string     // the list's merge key
	// $position
	elem, after, before string
	// $setElementOrder (setOrder)
	setOrder bool
	order    []string
	server   []string // the list's keys before the merge (set by mergeOrdered)
	// where the directive is in the layer document
	path string
	node *yaml.Node
}

// pathStep is a map field, or (key != "") the element of a keyed list whose
// key field is value.
type pathStep struct{ field, key, value string }

// takeOrders removes the ordering directives from doc and returns them,
// with findings for directives it cannot apply: $position or
// $setElementOrder on a list that does not merge by key (it is replaced
// whole), a malformed directive, $position with both after and before.
func takeOrders(doc *yaml.RNode, apiVersion, kind string) ([]listOrder, []layerFinding) {
	if !hasOrderDirective(doc.YNode()) {
		return nil, nil
	}
	var root *spec.Schema
	if typ := kurator.Lookup(apiVersion, kind); typ != nil {
		root = typ.Schema
	}
	var orders []listOrder
	var out []layerFinding
	bad := func(path string, n *yaml.Node, hint, format string, args ...any) {
		out = append(out, layerFinding{path: path, node: n, hint: hint, msg: fmt.Sprintf(format, args...)})
	}
	// visit walks a map; keyed is false inside lists replaced whole, where
	// no element can be addressed across layers.
	var visit func(n *yaml.Node, s *spec.Schema, path string, steps []pathStep, element, keyed bool)
	visitList := func(n *yaml.Node, s *spec.Schema, path string, steps []pathStep, field string, keyed bool) {
		key := mergeKey(s)
		var items *spec.Schema
		if s != nil && s.Items != nil {
			items = s.Items.Schema
		}
		for i, el := range n.Content {
			elPath := fieldpath.Join(path, fieldpath.ElementBy(el, i, key))
			if el.Kind != yaml.MappingNode {
				continue
			}
			if p := mapValue(el, positionDirective); p != nil {
				setMapValue(el, &yaml.Node{Kind: yaml.ScalarNode, Value: positionDirective}, nil)
				dpath := fieldpath.JoinKey(elPath, positionDirective)
				switch {
				case key == "" || !keyed:
					bad(dpath, p, "$position works in lists that merge by key (spec.tasks, spec.syncPolicies, ...); write the whole list in the order you want instead",
						"$position on an element of a list that is not keyed: the list is replaced as a whole")
					continue
				case !hasKey(el, key):
					continue // checkLayer reports the missing key
				}
				o := listOrder{steps: steps, list: field, key: key, elem: mapValue(el, key).Value, path: dpath, node: p}
				if !positionOK(p, &o, dpath, bad) {
					continue
				}
				orders = append(orders, o)
			}
			var elSteps []pathStep
			if key != "" && keyed && hasKey(el, key) {
				elSteps = append(append(append([]pathStep(nil), steps...), pathStep{field: field}), pathStep{key: key, value: mapValue(el, key).Value})
			}
			visit(el, items, elPath, elSteps, true, keyed && key != "" && elSteps != nil)
		}
	}
	visit = func(n *yaml.Node, s *spec.Schema, path string, steps []pathStep, element, keyed bool) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case k.Value == positionDirective:
				// An element's $position is taken by visitList.
				bad(fieldpath.JoinKey(path, k.Value), k, "put $position on an element of a keyed list, e.g. a task of spec.tasks",
					"$position is not on a list element")
				n.Content = append(n.Content[:i], n.Content[i+2:]...)
				continue
			case strings.HasPrefix(k.Value, setOrderPrefix):
				n.Content = append(n.Content[:i], n.Content[i+2:]...)
				field := strings.TrimPrefix(k.Value, setOrderPrefix)
				dpath := fieldpath.JoinKey(path, k.Value)
				fs := child(s, field)
				key := mergeKey(fs)
				if key == "" || !keyed {
					bad(dpath, k, "$setElementOrder works on lists that merge by key (spec.tasks, spec.syncPolicies, ...); write the whole list in the order you want instead",
						"$setElementOrder on %s, which is not a keyed list", strconv.Quote(field))
					continue
				}
				if o, ok := setOrderOK(v, mapValue(n, field), key, dpath, bad); ok {
					o.steps, o.list, o.key, o.path, o.node = steps, field, key, dpath, k
					orders = append(orders, o)
				}
				continue
			}
			fs := child(s, k.Value)
			fpath := fieldpath.JoinKey(path, k.Value)
			fsteps := append(append([]pathStep(nil), steps...), pathStep{field: k.Value})
			switch v.Kind {
			case yaml.MappingNode:
				visit(v, fs, fpath, fsteps, false, keyed)
			case yaml.SequenceNode:
				visitList(v, fs, fpath, steps, k.Value, keyed)
			}
			i += 2
		}
	}
	visit(doc.YNode(), root, "", nil, false, true)
	return orders, out
}

// hasOrderDirective reports whether a $position or $setElementOrder key
// occurs in n (without allocating: most layers have none).
func hasOrderDirective(n *yaml.Node) bool {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if isOrderDirective(n.Content[i].Value) {
				return true
			}
		}
	}
	for _, c := range n.Content {
		if hasOrderDirective(c) {
			return true
		}
	}
	return false
}

func mergeKey(s *spec.Schema) string {
	if s == nil {
		return ""
	}
	k, _ := s.Extensions.GetString("x-kubernetes-patch-merge-key")
	return k
}

// positionOK checks a $position value: a map with after or before (not
// both), naming an element by its key.
func positionOK(p *yaml.Node, o *listOrder, path string, bad func(string, *yaml.Node, string, string, ...any)) bool {
	const hint = "write $position: {after: <key>} or $position: {before: <key>}"
	if p.Kind != yaml.MappingNode {
		bad(path, p, hint, "$position is not a map")
		return false
	}
	for i := 0; i+1 < len(p.Content); i += 2 {
		k, v := p.Content[i].Value, p.Content[i+1]
		if k != "after" && k != "before" {
			bad(fieldpath.JoinKey(path, k), p.Content[i], hint, "unknown $position field %q", k)
			return false
		}
		if v.Kind != yaml.ScalarNode || v.Value == "" || v.ShortTag() == yaml.NodeTagNull {
			bad(fieldpath.JoinKey(path, k), v, hint, "$position.%s must name an element by its %s", k, o.key)
			return false
		}
		if k == "after" {
			o.after = v.Value
		} else {
			o.before = v.Value
		}
	}
	switch {
	case o.after != "" && o.before != "":
		bad(path, p, "keep only one of after and before", "$position of %s=%s has both after (%s) and before (%s)", o.key, o.elem, o.after, o.before)
		return false
	case o.after == "" && o.before == "":
		bad(path, p, hint, "$position of %s=%s names no element", o.key, o.elem)
		return false
	case o.after == o.elem || o.before == o.elem:
		bad(path, p, "name another element of the list", "$position of %s=%s is relative to itself", o.key, o.elem)
		return false
	}
	return true
}

// setOrderOK checks a $setElementOrder list: elements {key: value}, each
// key once; and, as Kubernetes validates it (strategicpatch
// validatePatchWithSetOrderList), the elements the same patch writes in
// the list appear in the directive, in the same order.
func setOrderOK(v, patchList *yaml.Node, key, path string, bad func(string, *yaml.Node, string, string, ...any)) (listOrder, bool) {
	hint := fmt.Sprintf("write $setElementOrder/<list>: [{%s: a}, {%s: b}, ...]", key, key)
	o := listOrder{setOrder: true}
	if v.Kind != yaml.SequenceNode {
		bad(path, v, hint, "$setElementOrder is not a list")
		return o, false
	}
	seen := map[string]bool{}
	for i, el := range v.Content {
		if !hasKey(el, key) || len(el.Content) != 2 {
			bad(fieldpath.Join(path, fieldpath.ElementBy(el, i, key)), el, hint, "element of $setElementOrder is not {%s: <value>}", key)
			return o, false
		}
		k := mapValue(el, key).Value
		if seen[k] {
			// By index: the keyed spelling would name the first of the two.
			bad(fieldpath.Join(path, fieldpath.Index(i)), el, "name each element once", "$setElementOrder names %s=%s twice", key, k)
			return o, false
		}
		seen[k] = true
		o.order = append(o.order, k)
	}
	if patchList == nil || patchList.Kind != yaml.SequenceNode {
		return o, true
	}
	j := 0
	for _, el := range patchList.Content {
		if !hasKey(el, key) {
			continue
		}
		if d := mapValue(el, patchDirective); d != nil && d.Value == "delete" {
			continue
		}
		k := mapValue(el, key).Value
		for j < len(o.order) && o.order[j] != k {
			j++
		}
		if j == len(o.order) {
			bad(path, v, "list every element this layer writes in the list, in the order of the list",
				"element %s=%s of the list is missing from $setElementOrder, or out of its order", key, k)
			return o, false
		}
	}
	return o, true
}

// mergeOrdered merges like mergeResource, then applies the ordering
// directives takeOrders took out of patch.
func mergeOrdered(dest, patch *yaml.RNode, apiVersion, kind string, orders []listOrder) (*yaml.RNode, []layerFinding, error) {
	for i := range orders {
		if orders[i].setOrder {
			orders[i].server = listKeys(findList(dest.YNode(), &orders[i]), orders[i].key)
		}
	}
	out, err := mergeResource(dest, patch, apiVersion, kind)
	if err != nil || out == nil || len(orders) == 0 {
		return out, nil, err
	}
	return out, applyOrders(out.YNode(), orders), nil
}

// findList returns the list an ordering directive applies to, or nil.
func findList(n *yaml.Node, o *listOrder) *yaml.Node {
	for _, s := range o.steps {
		if s.key == "" {
			n = mapValue(n, s.field)
			continue
		}
		var next *yaml.Node
		if n != nil && n.Kind == yaml.SequenceNode {
			for _, el := range n.Content {
				if hasKey(el, s.key) && mapValue(el, s.key).Value == s.value {
					next = el
					break
				}
			}
		}
		n = next
	}
	l := mapValue(n, o.list)
	if l == nil || l.Kind != yaml.SequenceNode {
		return nil
	}
	return l
}

func listKeys(l *yaml.Node, key string) []string {
	if l == nil {
		return nil
	}
	out := make([]string, 0, len(l.Content))
	for _, el := range l.Content {
		if hasKey(el, key) {
			out = append(out, mapValue(el, key).Value)
		} else {
			out = append(out, "")
		}
	}
	return out
}

func indexOf(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

// applyOrders places the elements of merged lists as the directives say,
// in the order they were written.
func applyOrders(merged *yaml.Node, orders []listOrder) []layerFinding {
	var out []layerFinding
	for i := range orders {
		o := &orders[i]
		l := findList(merged, o)
		keys := listKeys(l, o.key)
		unknown := func(path, k string) {
			hint := fmt.Sprintf("the list has %s", strings.Join(quoteAll(keys), ", "))
			if len(keys) == 0 {
				hint = "the list is empty"
			}
			if best := Suggest(k, keys); best != "" {
				hint = fmt.Sprintf("did you mean %q? ", best) + hint
			}
			out = append(out, layerFinding{path: path, node: o.node, hint: hint,
				msg: fmt.Sprintf("unknown %s %q: the merged list %s has no such element", o.key, k, o.list)})
		}
		if o.setOrder {
			bad := false
			for _, k := range o.order {
				if indexOf(keys, k) < 0 {
					unknown(o.path, k)
					bad = true
				}
			}
			if !bad {
				l.Content = setElementOrder(l.Content, keys, o.order, o.server)
			}
			continue
		}
		from := indexOf(keys, o.elem)
		if from < 0 {
			out = append(out, layerFinding{path: o.path, node: o.node, hint: "remove the $position, or the $patch: delete of the element",
				msg: fmt.Sprintf("%s=%s has a $position but is not in the merged list", o.key, o.elem)})
			continue
		}
		anchor := o.after
		dir := "after"
		if anchor == "" {
			anchor, dir = o.before, "before"
		}
		if indexOf(keys, anchor) < 0 {
			unknown(fieldpath.JoinKey(o.path, dir), anchor)
			continue
		}
		el := l.Content[from]
		rest := append(append([]*yaml.Node(nil), l.Content[:from]...), l.Content[from+1:]...)
		keys = append(append([]string(nil), keys[:from]...), keys[from+1:]...)
		at := indexOf(keys, anchor)
		if dir == "after" {
			at++
		}
		l.Content = append(append(rest[:at:at], el), rest[at:]...)
	}
	return out
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// setElementOrder orders a merged keyed list the way Kubernetes' strategic
// merge patch orders it for $setElementOrder (k8s.io/apimachinery
// pkg/util/strategicpatch, mergePatchIntoOriginal → normalizeElementOrder
// and mergeSortedSlice; design: kubernetes/design-proposals-archive
// cli/preserve-order-in-strategic-merge-patch.md): the elements the
// directive names come in the directive's order; the others ("server-only")
// keep their order in the list before the merge; the two sequences are
// interleaved, a server-only element going first while it stood before the
// next named element in the list before the merge. Deviation: an element
// the directive names that the merged list does not have is an error here
// (applyOrders reports it: in a template it is a typo), where Kubernetes
// ignores it.
func setElementOrder(els []*yaml.Node, keys, order, server []string) []*yaml.Node {
	var named, others []int // indices into els
	for i, k := range keys {
		if indexOf(order, k) >= 0 {
			named = append(named, i)
		} else {
			others = append(others, i)
		}
	}
	sort.SliceStable(named, func(a, b int) bool { return indexOf(order, keys[named[a]]) < indexOf(order, keys[named[b]]) })
	sort.SliceStable(others, func(a, b int) bool {
		ia, ib := indexOf(server, keys[others[a]]), indexOf(server, keys[others[b]])
		return ia >= 0 && ib >= 0 && ia < ib
	})
	out := make([]*yaml.Node, 0, len(els))
	i, j := 0, 0
	for i < len(others) || j < len(named) {
		switch {
		case j >= len(named):
			out = append(out, els[others[i]])
			i++
		case i >= len(others):
			out = append(out, els[named[j]])
			j++
		default:
			li, ri := indexOf(server, keys[others[i]]), indexOf(server, keys[named[j]])
			if li >= 0 && ri >= 0 && li < ri {
				out = append(out, els[others[i]])
				i++
			} else {
				out = append(out, els[named[j]])
				j++
			}
		}
	}
	return out
}
