// Package fieldpath is the one field path of the project: every message,
// result and provenance record names a field with a Path, and every path a
// user types (explain --field) is read back with Parse.
//
// A Path is a list of segments: a map key, a list index, or a list
// element selected by the value of one of its keys. Its one spelling is
// the kustomize field path syntax of error messages:
//
//	spec.syncPolicies.[name=prod].kustomization.path
//	metadata.annotations.[config.kubernetes.io/local-config]
//	spec.rules.0.from
//
// The rule:
//
//   - Segments are joined by dots.
//   - A map key is written as it is, unless it contains a dot, starts with
//     "[", is empty, or reads as a list index (a canonical decimal such as
//     "0" or "12"); then it is written in brackets: [example.com/team],
//     [0]. A slash needs no brackets (kustomize splits on dots only).
//   - A list element is written [key=value] when it is a map with a
//     non-empty scalar value of the list's merge key (merge-keys.yaml;
//     every keyed list of the Kurator CRDs merges by "name", and other
//     lists of named maps, such as containers, are named the same way),
//     else by its index.
//   - Inside brackets a backslash escapes the next character; String
//     escapes "\", "]" and, in a key, "=". Real keys and names never need
//     it; it only keeps Parse(p.String()) equal to p for every p.
//
// Element and ElementBy choose the segment for a list element, Walk.Leaves
// is the one leaf walker (provenance, Flux handling, explain), and Lookup,
// Reach and HighestMissing follow a path into a yaml.v3 node. Hot paths
// that keep the path as a string extend it with Join, which spells the
// segment the same way.
package fieldpath
