// Command scenario-fn is a KRM function and CLI that renders Kurator
// resources from scenario templates and rewrites image registries.
package main
