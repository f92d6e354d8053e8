// Package benchdata generates the deterministic inputs of the project's
// benchmarks: ResourceLists of mixed resources for the registry transformer
// and packages of ScenarioTemplate instances for the generator. The
// in-process microbenchmarks and the whole-process benchmarks
// (internal/procbench) use the same inputs, so their numbers compare.
package benchdata
