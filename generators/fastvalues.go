package generators

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/utils"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// valuePlan memoises where the replacement filter writes each parameter
// target in one chain's merged resources, so that an instance can write a
// scalar straight to the node instead of running the filter's lookups
// again. Resolution is done by the filter itself (with marker values), and
// a target is only memoised when a direct write is provably what the filter
// would do: it resolves to existing scalar fields (no delimiter, no
// structured data inside a string, nothing created), and no other target
// writes an ancestor of them. Everything else runs the filter per instance.
type valuePlan struct {
	// fast maps a target declaration (stable: templates are parsed once) to
	// its addresses: resource index, then Content indices.
	fast map[*types.TargetSelector][][]int
	// rewrites holds targets whose write rewrites part of one existing
	// string (options.delimiter, or structured data inside the string): the
	// filter computes new = f(old, value) there, and f is memoised.
	rewrites map[*types.TargetSelector]*rewrite
}

// rewrite memoises the filter's effect on one string node.
type rewrite struct {
	addr  []int
	mu    sync.Mutex        // renders of one chain share the memo
	cache map[string]string // old value + "\x00" + value -> new value
}

func (rw *rewrite) lookup(key string) (string, bool) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	out, ok := rw.cache[key]
	return out, ok
}

func (rw *rewrite) store(key, out string) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if len(rw.cache) < maxRewrites {
		rw.cache[key] = out
	}
}

// maxRewrites bounds each memo; past it the filter simply runs.
const maxRewrites = 512

func (p *valuePlan) rewriteFor(t *Target) *rewrite {
	if p == nil {
		return nil
	}
	return p.rewrites[t.Selector]
}

func (p *valuePlan) addresses(t *Target) ([][]int, bool) {
	if p == nil {
		return nil, false
	}
	a, ok := p.fast[t.Selector]
	return a, ok
}

// markerPrefix starts the probe values buildPlan writes: letters and
// digits only, so that they come out verbatim where the filter encodes the
// value (JSON inside a string escapes control characters).
const markerPrefix = "scenariofnmarker7f3a9c"

func buildPlan(base []*resource, params []*Param) *valuePlan {
	if writesWhatSelects(params) {
		// One parameter may move where another writes: only the filter,
		// applying the parameters in order, knows.
		return &valuePlan{}
	}
	nodes := func() []*yaml.RNode {
		out := make([]*yaml.RNode, len(base))
		for i, r := range base {
			out[i] = r.node.Copy()
		}
		return out
	}
	type resolved struct {
		t     *Target
		addrs [][]int
		exact bool // every written node holds exactly the marker
	}
	var all []resolved
	for _, p := range params {
		for i := range p.Targets {
			t := &p.Targets[i]
			marker := fmt.Sprintf("%s%d", markerPrefix, len(all))
			copies := nodes()
			probe := &Param{Name: p.Name, Value: yaml.NewStringRNode(marker)}
			if err := applyValue(copies, application{p: probe, t: *t}); err != nil {
				all = append(all, resolved{t: t})
				continue
			}
			addrs, exact := findMarker(copies, marker)
			all = append(all, resolved{t: t, addrs: addrs, exact: exact})
		}
	}
	plan := &valuePlan{fast: map[*types.TargetSelector][][]int{}, rewrites: map[*types.TargetSelector]*rewrite{}}
	for i, r := range all {
		if len(r.addrs) == 0 || r.t.Selector.Options != nil && r.t.Selector.Options.Create {
			continue
		}
		partial := !r.exact || r.t.Selector.Options != nil && r.t.Selector.Options.Delimiter != ""
		safe := true
		for j, o := range all {
			if j == i {
				continue
			}
			for _, oa := range o.addrs {
				for _, a := range r.addrs {
					if len(oa) < len(a) && equalPrefix(oa, a) {
						safe = false
					}
				}
			}
		}
		switch {
		case !safe || !existedInBase(base, r.addrs):
		case partial && len(r.addrs) == 1:
			plan.rewrites[r.t.Selector] = &rewrite{addr: r.addrs[0], cache: map[string]string{}}
		case !partial:
			plan.fast[r.t.Selector] = r.addrs
		}
	}
	return plan
}

// writesWhatSelects reports whether a target writes a field that selects
// where targets write: the key of a list element that a fieldPath selects
// by it (a target writing spec.syncPolicies.[name=default].name while
// another writes spec.syncPolicies.[name=default].kustomization.path), a
// resource's apiVersion or kind, or its metadata when targets select
// resources by name, namespace, labels or annotations.
func writesWhatSelects(params []*Param) bool {
	keyed := map[string]bool{} // normalised list path + "\x00" + key
	var written []string
	selectsByMeta, writesMeta := false, false
	for _, p := range params {
		for _, t := range p.Targets {
			if sel := t.Selector.Select; sel != nil && (sel.Name != "" || sel.Namespace != "" ||
				sel.LabelSelector != "" || sel.AnnotationSelector != "") {
				selectsByMeta = true
			}
			for _, fp := range t.Selector.FieldPaths {
				segs := utils.SmarterPathSplitter(fp, ".")
				switch segs[0] {
				case "apiVersion", "kind":
					return true
				case "metadata":
					writesMeta = true
				}
				for i, seg := range segs {
					if strings.HasPrefix(seg, "[") && strings.Contains(seg, "=") {
						k := strings.TrimPrefix(seg[:strings.IndexByte(seg, '=')], "[")
						keyed[normalisePath(segs[:i])+"\x00"+k] = true
					}
				}
				if n := len(segs); n >= 2 && isElementSelector(segs[n-2]) {
					written = append(written, normalisePath(segs[:n-2])+"\x00"+segs[n-1])
				}
			}
		}
	}
	if selectsByMeta && writesMeta {
		return true
	}
	for _, w := range written {
		if keyed[w] {
			return true
		}
	}
	return false
}

func isElementSelector(seg string) bool {
	if seg == "*" || strings.HasPrefix(seg, "[") && strings.Contains(seg, "=") {
		return true
	}
	_, err := strconv.Atoi(seg)
	return err == nil
}

// normalisePath writes every list element selector of a path as #.
func normalisePath(segs []string) string {
	out := make([]string, len(segs))
	for i, s := range segs {
		if isElementSelector(s) {
			s = "#"
		}
		out[i] = s
	}
	return strings.Join(out, ".")
}

// findMarker returns the addresses of scalars holding marker, and whether
// each is exactly the marker (not part of a rewritten string).
func findMarker(nodes []*yaml.RNode, marker string) ([][]int, bool) {
	var out [][]int
	exact := true
	var visit func(n *yaml.Node, addr []int)
	visit = func(n *yaml.Node, addr []int) {
		if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, marker) {
			if n.Value != marker {
				exact = false
			}
			out = append(out, append([]int(nil), addr...))
		}
		for i, c := range n.Content {
			visit(c, append(addr, i))
		}
	}
	for i, n := range nodes {
		visit(n.YNode(), []int{i})
	}
	return out, exact
}

func equalPrefix(prefix, a []int) bool {
	for i := range prefix {
		if prefix[i] != a[i] {
			return false
		}
	}
	return true
}

func existedInBase(base []*resource, addrs [][]int) bool {
	for _, a := range addrs {
		n := nodeAt(base, a)
		if n == nil || n.Kind != yaml.ScalarNode {
			return false
		}
	}
	return true
}

func nodeAt(res []*resource, addr []int) *yaml.Node {
	if len(addr) == 0 || addr[0] >= len(res) {
		return nil
	}
	n := res[addr[0]].node.YNode()
	for _, i := range addr[1:] {
		if i >= len(n.Content) {
			return nil
		}
		n = n.Content[i]
	}
	return n
}
