// Package krm owns the KRM function wire contract: it reads a ResourceList,
// writes items and results back, and builds results that name the resource,
// the field path and the file a problem came from (Problem, Problems). It
// also owns the limits every input is held to (input size, the YAML alias
// budget) and the Kubernetes object conventions the other packages share:
// DNS-1123 names and the default namespace (names.go).
//
// It uses kyaml's kio reader and writer directly, so items keep their order,
// comments, annotations and sequence indentation exactly as they came in.
package krm
