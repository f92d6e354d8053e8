// Package cli is the scenario-fn command line, on cobra. With no arguments
// it is a KRM function reading a ResourceList on stdin (kustomize, kpt);
// with a subcommand it is a tool for people. Main dispatches before anything
// reads stdin, because runners pass no positional arguments, and builds the
// command tree only for people, so the function's start-up does not pay
// for it. The function's config kinds are registered by main (fn.Register).
package cli
