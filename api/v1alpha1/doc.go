// Package v1alpha1 holds the Go types of scenario-fn's own kinds, API group
// scenario.kurator.dev, version v1alpha1: ScenarioTemplate (the generator's
// templates and instances) and ImageRegistryTransformer (the transformer's
// functionConfig).
//
// The CRDs (generators/crd/ and transformers/crd/) are the schema: a
// document is validated against its CRD first, strictly, and only then
// decoded into these types, once (DecodeScenarioTemplate,
// DecodeImageRegistryTransformer). TestTypesMatchCRDs checks that the types
// and the CRDs declare the same fields, with the same names and scalar
// types, so that neither can gain a field alone.
//
// Free-form YAML (parameter values and defaults, enum entries, partial
// resources and overlays) is kept as the document's own node (Raw), so that
// line numbers, comments and styles survive decoding and a program can
// still say where a value came from.
package v1alpha1
