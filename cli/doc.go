// Package cli is the scenario-fn command line. With no arguments it is a KRM
// function reading a ResourceList on stdin (kustomize, kpt); with a
// subcommand it is a tool for people. Subcommands are dispatched before
// anything reads stdin, because runners pass no positional arguments.
package cli
