package krm

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// DefaultAliasBudget is how many nodes YAML aliases and merge keys (<<)
// may add, all documents of one input together (a whole ResourceList, or
// every file of one CLI argument), when they are expanded. Processing
// follows aliases, so a "billion laughs" document of a few hundred bytes,
// or one anchor aliased from many items, would otherwise take all memory
// and time. AliasBudgetEnv raises it.
const DefaultAliasBudget = 1 << 16

// AliasBudgetEnv names the environment variable that sets the alias
// budget (a number of nodes).
const AliasBudgetEnv = "SCENARIO_FN_MAX_ALIAS_NODES"

// AliasBudget returns the alias budget: AliasBudgetEnv when it is a
// positive number, else DefaultAliasBudget.
func AliasBudget() int {
	if v, err := strconv.Atoi(strings.TrimSpace(os.Getenv(AliasBudgetEnv))); err == nil && v > 0 {
		return v
	}
	return DefaultAliasBudget
}

// Aliases measures what YAML aliases add to documents, before anything
// expands them. It refuses aliases that point into their own anchor (a
// document that contains itself: every recursive walk, kyaml's DeAnchor
// included, would recurse until the stack or the memory is gone) and
// charges every expansion to one budget shared by all documents it
// measures, so an anchor in one item aliased from many others counts once
// per alias. The walk is linear in the document as written: the expanded
// size of each anchor is computed once.
type Aliases struct {
	// Limit is the budget in nodes; Used is what the documents measured so
	// far add when expanded.
	Limit, Used int

	sizes map[*yaml.Node]int  // expanded size of alias targets
	open  map[*yaml.Node]bool // nodes being measured: an alias to one is a cycle
}

// NewAliases returns a measure with the given budget (see AliasBudget).
func NewAliases(limit int) *Aliases {
	return &Aliases{Limit: limit, sizes: map[*yaml.Node]int{}, open: map[*yaml.Node]bool{}}
}

// AliasCycleError is an alias inside the node its anchor names.
type AliasCycleError struct {
	Anchor string
	Path   string // of the alias, kustomize field path syntax
	Line   int    // of the alias in the parsed stream
}

func (e *AliasCycleError) Error() string {
	at := e.Path
	if at == "" {
		at = "the top of the document"
	}
	return fmt.Sprintf("the alias *%s at %s points into its own anchor &%s: the document would contain itself and never end",
		e.Anchor, at, e.Anchor)
}

// AliasBudgetError is a document whose aliases would take the input past
// the budget.
type AliasBudgetError struct {
	Expansion, Used, Limit int
}

func (e *AliasBudgetError) Error() string {
	return fmt.Sprintf("YAML aliases expand it by %d nodes, which takes the input to %d (more than %d, for all documents together): "+
		"refused as a billion-laughs document (set %s to raise the limit)", e.Expansion, e.Used, e.Limit, AliasBudgetEnv)
}

// AliasFix is the hint for both errors.
const AliasFix = "write the values out without anchors (&) and aliases (*)"

// Measure walks one document and charges its expansion to the budget. It
// reports whether the document uses aliases or merge keys at all, and an
// *AliasCycleError or *AliasBudgetError when it must not be expanded. A
// refused document charges nothing.
func (a *Aliases) Measure(root *yaml.Node) (uses bool, err error) {
	if a.sizes == nil {
		a.sizes, a.open = map[*yaml.Node]int{}, map[*yaml.Node]bool{}
	}
	w := aliasWalk{a: a}
	size, cycle := w.size(root)
	if cycle != nil {
		cycle.Path = joinPath(cycle.path)
		return true, &cycle.AliasCycleError
	}
	expansion := size - w.written
	if expansion < 0 {
		expansion = 0
	}
	used := satAdd(a.Used, expansion)
	if used > a.Limit {
		return w.uses, &AliasBudgetError{Expansion: expansion, Used: used, Limit: a.Limit}
	}
	a.Used = used
	return w.uses, nil
}

type cycleErr struct {
	AliasCycleError
	path []string // innermost first
}

type aliasWalk struct {
	a       *Aliases
	written int // nodes as written (aliases count one)
	uses    bool
	inner   int // > 0 while measuring an alias target outside the document
}

// size returns the expanded size of n. Alias targets are measured on first
// use (they are always earlier in the same YAML stream, usually in a part
// already walked) and remembered.
func (w *aliasWalk) size(n *yaml.Node) (int, *cycleErr) {
	if n == nil {
		return 0, nil
	}
	if w.inner == 0 {
		w.written++
	}
	if n.Kind == yaml.AliasNode {
		w.uses = true
		t := n.Alias
		if t == nil {
			return 1, nil
		}
		if w.a.open[t] {
			return 0, &cycleErr{AliasCycleError: AliasCycleError{Anchor: n.Value, Line: n.Line}}
		}
		if s, ok := w.a.sizes[t]; ok {
			return s, nil
		}
		w.inner++
		s, err := w.size(t)
		w.inner--
		if err == nil {
			w.a.sizes[t] = s
		}
		return s, err
	}
	w.a.open[n] = true
	defer delete(w.a.open, n)
	size := 1
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && (c.Tag == "!!merge" || (c.Kind == yaml.ScalarNode && c.Value == "<<" && c.Style == 0)) {
			w.uses = true
		}
		s, err := w.size(c)
		if err != nil {
			switch {
			case n.Kind == yaml.MappingNode && i%2 == 1:
				err.path = append(err.path, n.Content[i-1].Value)
			case n.Kind == yaml.SequenceNode:
				err.path = append(err.path, strconv.Itoa(i))
			}
			return 0, err
		}
		size = satAdd(size, s)
	}
	if n.Anchor != "" {
		w.a.sizes[n] = size
	}
	return size, nil
}

func joinPath(innerFirst []string) string {
	parts := make([]string, len(innerFirst))
	for i, p := range innerFirst {
		if strings.Contains(p, ".") {
			p = "[" + p + "]"
		}
		parts[len(parts)-1-i] = p
	}
	return strings.Join(parts, ".")
}

func satAdd(a, b int) int {
	if s := a + b; s >= a && s <= 1<<40 {
		return s
	}
	return 1 << 40
}
