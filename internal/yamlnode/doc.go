// Package yamlnode holds the small readers of yaml.v3 nodes that several
// packages need on hot paths, where kyaml's filters (one allocation per
// lookup) cost too much: one implementation each. Field paths (their
// spelling, parsing, lookups and the leaf walker) are internal/fieldpath's.
package yamlnode
