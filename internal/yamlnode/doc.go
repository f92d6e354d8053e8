// Package yamlnode holds the small readers of yaml.v3 nodes that several
// packages need on hot paths, where kyaml's filters (one allocation per
// lookup) cost too much: one implementation each. It also owns the
// spelling of path segments (keys with dots in brackets, list elements by
// [name=x] or index) and the one leaf walker, Walk.Leaves, whose handling
// of empty maps, empty lists and aliases is chosen by the caller. Callers
// walk with aliases only after the alias budget (krm) has measured the
// document.
package yamlnode
