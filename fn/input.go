package fn

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkInput refuses what no processor can handle safely, before any runs:
//   - duplicate mapping keys (YAML forbids them; tools disagree on which one
//     wins, so the function cannot know which metadata or spec is meant);
//   - aliases that point into their own anchor (the document would contain
//     itself), and aliases that expand the whole ResourceList beyond the
//     alias budget (krm.AliasBudget), counted before anything expands them;
//   - items without apiVersion or kind, which are not Kubernetes objects.
//
// Items with the same identity (group, kind, namespace, name) are a
// warning: they pass through, but kustomize and kubectl apply reject them.
func checkInput(rl *krm.ResourceList) (krm.Problems, map[*yaml.RNode]bool) {
	var problems krm.Problems
	aliased := measureAliases(rl, &problems)
	c := newItemChecker()
	for i, it := range rl.Items {
		c.check(i, it, &problems)
	}
	if fc := rl.FunctionConfig; fc != nil && fc.YNode() != nil {
		checkKeys(fc.YNode(), krm.IDOf(fc), krm.Source{File: krm.PathOf(fc)}, "the functionConfig", &problems)
	}
	return problems, aliased
}

// itemChecker makes checkInput's checks of one item at a time: duplicate
// keys, apiVersion and kind, and the identity against the items before it.
type itemChecker struct {
	seen map[string]seenItem
}

type seenItem struct {
	index int
	path  string
}

func newItemChecker() *itemChecker { return &itemChecker{seen: map[string]seenItem{}} }

// check checks item i and reports whether it uses YAML aliases or merge
// keys.
func (c *itemChecker) check(i int, it *yaml.RNode, problems *krm.Problems) (aliases bool) {
	local := checkItemAlone(i, it)
	*problems = append(*problems, local.problems...)
	c.identity(i, local, problems)
	return local.aliases
}

// itemAlone is what check finds in an item by itself: the part of the
// checks that may run on many items at once.
type itemAlone struct {
	problems krm.Problems
	aliases  bool
	id       *yaml.ResourceIdentifier
	src      krm.Source
	meta     yaml.ResourceMeta
}

func checkItemAlone(i int, it *yaml.RNode) itemAlone {
	a := itemAlone{id: krm.IDOf(it), src: krm.Source{File: krm.PathOf(it)}}
	a.aliases = checkKeys(it.YNode(), a.id, a.src, "item "+strconv.Itoa(i), &a.problems)
	a.meta, _ = it.GetMeta()
	return a
}

// identity is the rest of check: apiVersion and kind, and the identity
// against the items before (called in item order).
func (c *itemChecker) identity(i int, a itemAlone, problems *krm.Problems) {
	id, src, meta := a.id, a.src, a.meta
	where := "item " + strconv.Itoa(i)
	var missing []string
	if strings.TrimSpace(meta.APIVersion) == "" {
		missing = append(missing, "apiVersion")
	}
	if strings.TrimSpace(meta.Kind) == "" {
		missing = append(missing, "kind")
	}
	if len(missing) > 0 {
		problems.Errorf(id, missing[0], src, "add apiVersion and kind, or remove the document from the package",
			"%s has no %s: it is not a Kubernetes object", where, strings.Join(missing, " and "))
		return
	}
	if meta.Name == "" {
		return
	}
	group, _, found := strings.Cut(meta.APIVersion, "/")
	if !found {
		group = ""
	}
	key := group + "|" + meta.Kind + "|" + meta.Namespace + "|" + meta.Name
	if j, dup := c.seen[key]; dup {
		other := "item " + strconv.Itoa(j.index)
		if j.path != "" {
			other += " (" + j.path + ")"
		}
		problems.Warnf(id, "metadata.name", src, "remove or rename one of them: kustomize and kubectl apply reject duplicates",
			"%s has the same group, kind, namespace and name as %s; both pass through unchanged", where, other)
		return
	}
	c.seen[key] = seenItem{index: i, path: src.File}
}

// measureAliases charges the aliases of every item and of the
// functionConfig to one budget, in the order they were written (an anchor
// comes before its aliases), and returns the documents that use aliases or
// merge keys. A cycle or a document past the budget is an error.
func measureAliases(rl *krm.ResourceList, problems *krm.Problems) map[*yaml.RNode]bool {
	type doc struct {
		n     *yaml.RNode
		where string
	}
	var docs []doc
	for i, it := range rl.Items {
		docs = append(docs, doc{it, "item " + strconv.Itoa(i)})
	}
	if fc := rl.FunctionConfig; fc != nil && fc.YNode() != nil {
		docs = append(docs, doc{fc, "the functionConfig"})
	}
	sort.SliceStable(docs, func(i, j int) bool {
		a, b := docs[i].n.YNode(), docs[j].n.YNode()
		return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column)
	})
	aliased := map[*yaml.RNode]bool{}
	measure := krm.NewAliases(krm.AliasBudget())
	for _, d := range docs {
		uses, err := measure.Measure(d.n.YNode())
		if uses {
			aliased[d.n] = true
		}
		if err == nil {
			continue
		}
		field := ""
		var cycle *krm.AliasCycleError
		if errors.As(err, &cycle) {
			field = cycle.Path
		}
		problems.Errorf(krm.IDOf(d.n), field, krm.Source{File: krm.PathOf(d.n)}, krm.AliasFix, "%s: %v", d.where, err)
	}
	return aliased
}

// expandAliases replaces the items and the functionConfig that use YAML
// aliases or merge keys (<<) by copies with the aliases expanded, the way
// kustomize reads its input: processors look at nodes, and an alias node is
// neither a string nor a mapping to them. The input nodes are not changed,
// and restoreAliases puts back the originals the processor left alone.
// Items without aliases are kept as they are.
func expandAliases(rl *krm.ResourceList, aliased map[*yaml.RNode]bool) (map[*yaml.RNode]expanded, krm.Problems) {
	var problems krm.Problems
	if len(aliased) == 0 {
		return nil, nil
	}
	copies := map[*yaml.RNode]expanded{}
	expand := func(n *yaml.RNode, where string) *yaml.RNode {
		c := yaml.NewRNode(copyTree(n.YNode(), map[*yaml.Node]*yaml.Node{}))
		if err := c.DeAnchor(); err != nil {
			problems.Errorf(krm.IDOf(n), "", krm.Source{File: krm.PathOf(n)}, "write the values out without anchors (&) and aliases (*)",
				"%s: cannot expand its YAML aliases: %v", where, err)
			return n
		}
		copies[c] = expanded{original: n, text: c.MustString()}
		return c
	}
	items := make([]*yaml.RNode, len(rl.Items))
	for i, it := range rl.Items {
		items[i] = it
		if aliased[it] {
			items[i] = expand(it, "item "+strconv.Itoa(i))
		}
	}
	rl.Items = items
	if fc := rl.FunctionConfig; fc != nil && aliased[fc] {
		rl.FunctionConfig = expand(fc, "the functionConfig")
	}
	return copies, problems
}

type expanded struct {
	original *yaml.RNode
	text     string // the expanded copy as handed to the processor
}

// restoreAliases replaces every expanded copy the processor returned
// unchanged by the original item, anchors and aliases included.
func restoreAliases(items []*yaml.RNode, copies map[*yaml.RNode]expanded) []*yaml.RNode {
	if len(copies) == 0 {
		return items
	}
	out := make([]*yaml.RNode, len(items))
	for i, it := range items {
		out[i] = it
		if e, ok := copies[it]; ok {
			if s, err := it.String(); err == nil && s == e.text {
				out[i] = e.original
			}
		}
	}
	return out
}

// copyTree deep-copies n with the aliases pointing into the copy (kyaml's
// Copy keeps them pointing at the original, which DeAnchor then changes).
func copyTree(n *yaml.Node, copies map[*yaml.Node]*yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if c, ok := copies[n]; ok {
		return c
	}
	c := *n
	copies[n] = &c
	if n.Alias != nil {
		c.Alias = copyTree(n.Alias, copies)
	}
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, ch := range n.Content {
			c.Content[i] = copyTree(ch, copies)
		}
	}
	return &c
}

// checkKeys reports duplicate mapping keys in one document. It does not
// follow aliases (what they name is checked where it is written), and
// reports whether the document uses any, or merge keys.
func checkKeys(root *yaml.Node, id *yaml.ResourceIdentifier, src krm.Source, where string, problems *krm.Problems) (aliases bool) {
	c := &treeCheck{}
	c.walk(root, make(fieldpath.Path, 0, 16))
	for _, d := range c.dups {
		problems.Errorf(id, d.path, src, "remove one of them, or merge them",
			"%s has the key %s twice in the same mapping: YAML allows a key once, and tools disagree on which one wins", where, d.key)
	}
	return c.aliases
}

type dupKey struct{ path, key string }

type treeCheck struct {
	dups    []dupKey
	aliases bool // an alias or a merge key (<<) was seen
}

// walk checks n, reached by path. The path is only spelled for a
// duplicate; its array is reused by siblings.
func (c *treeCheck) walk(n *yaml.Node, path fieldpath.Path) {
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.AliasNode:
		c.aliases = true
	case yaml.DocumentNode:
		for _, ch := range n.Content {
			c.walk(ch, path)
		}
	case yaml.SequenceNode:
		for i, ch := range n.Content {
			c.walk(ch, append(path, fieldpath.Element(ch, i)))
		}
	case yaml.MappingNode:
		var keys map[string]bool
		if len(n.Content) > 16 {
			keys = make(map[string]bool, len(n.Content)/2)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Tag == "!!merge" || (k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Style == 0) {
				c.aliases = true
			}
			if k.Kind == yaml.ScalarNode && k.Value != "<<" {
				dup := false
				if keys != nil {
					dup = keys[k.Value]
					keys[k.Value] = true
				} else {
					for j := 0; j < i; j += 2 {
						if n.Content[j].Kind == yaml.ScalarNode && n.Content[j].Value == k.Value {
							dup = true
							break
						}
					}
				}
				if dup {
					c.dups = append(c.dups, dupKey{path: path.Append(fieldpath.Key(k.Value)).String(), key: k.Value})
				}
			}
			c.walk(k, path)
			c.walk(n.Content[i+1], append(path, fieldpath.Key(k.Value)))
		}
	}
}
