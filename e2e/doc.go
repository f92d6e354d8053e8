// Package e2e runs the examples with the real tools: the scenario-fn binary
// built from this repository, kustomize (pinned, in ../bin), kpt (from the
// machine), Flux's own post-build substitution code, and the Debian
// packages .ci/run installs: chromium (the HTML template catalog, driven
// over the DevTools protocol), podman or buildah (`make image`), graphviz
// (the DOT graph) and bash-completion (the completion script). A test whose
// tool is missing says SKIPPED. It is a separate Go module so that Flux and
// its Kubernetes dependencies stay out of the function's dependency set.
package e2e
