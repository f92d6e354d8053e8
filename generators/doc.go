// Package generators renders ScenarioTemplate instances into Kurator
// resources.
//
// A render linearises the instance's template chain (each parent's own chain
// first, parents left to right, a template reached twice applied once), then
// strategic-merges the layers by kind and name: template resources, the
// instance's resources, parameter values (written with the kustomize
// replacement filter), then overlays. Lists in Kurator CRDs merge by the
// keys in kurator/crds/merge-keys.yaml. The result is named after the
// instance, cross-references are made consistent, and every object is
// validated against the embedded CRDs and the controller rules.
package generators
