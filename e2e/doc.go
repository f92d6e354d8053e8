// Package e2e runs the examples with the real tools: the scenario-fn binary
// built from this repository, kustomize (pinned, in ../bin), kpt (from the
// machine; its tests say SKIPPED when it is missing) and Flux's own
// post-build substitution code. It is a separate Go module so that Flux and
// its Kubernetes dependencies stay out of the function's dependency set.
package e2e
