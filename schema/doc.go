// Package schema compiles CustomResourceDefinitions into schemas that serve
// two purposes with one source of truth:
//
//   - strict validation with kube-openapi (types, required fields, enums,
//     patterns, and unknown fields, which a structural CRD would prune),
//     after what the API server does first: required fields that have a
//     default are not required, non-nullable nulls are absent, and elements
//     of lists that preserve unknown fields keep them;
//   - strategic merge with kyaml's walker, once list merge keys that the CRDs
//     do not declare have been attached with SetListKey.
//
// A violation is a FieldError that keeps what kube-openapi found as fields
// (Code, the value, the allowed values, the pattern, the bound, the type
// the schema wants) beside the message, so callers choose hints by code,
// never by the message's wording.
//
// CRD files registered with AddLazy are compiled on the first lookup of
// one of their kinds.
//
// Paths are written in the kustomize field path syntax used across the
// project: spec.syncPolicies.[name=prod].kustomization.path, or a numeric
// index where a list has no key.
package schema
