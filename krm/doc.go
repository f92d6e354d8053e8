// Package krm owns the KRM function wire contract: it reads a ResourceList,
// writes items and results back, and builds results that name the resource,
// the field path and the file a problem came from.
//
// It uses kyaml's kio reader and writer directly, so items keep their order,
// comments, annotations and sequence indentation exactly as they came in.
package krm
