// Package kurator holds what this project knows about the Kurator APIs: the
// CRDs of all eight kinds (embedded verbatim from kurator-dev/kurator, see
// crds/SOURCE.md; the five the generator does not emit are compiled on first
// use), the list merge keys and cross-references the CRDs do not declare
// (crds/merge-keys.yaml), the metadata checks the API server makes, the
// controller and webhook rules that the schemas miss (Rules), and value
// checks for what the CRDs type only as strings. Validate applies all of
// them to one object, ValidatePartial the schema part to a partial one, and
// CheckLinks what spans objects validated together.
package kurator
