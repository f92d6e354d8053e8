// Package yamlnode holds the small readers of yaml.v3 nodes that several
// packages need on hot paths, where kyaml's filters (one allocation per
// lookup) cost too much: one implementation each.
package yamlnode
