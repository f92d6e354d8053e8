// Package kurator holds what this project knows about the Kurator APIs: the
// CRDs (embedded verbatim from kurator-dev/kurator, see crds/SOURCE.md), the
// list merge keys and cross-references the CRDs do not declare
// (crds/merge-keys.yaml), and the controller and webhook rules that the
// schemas miss. Validate applies all of them to one object.
package kurator
