// Command procbench measures scenario-fn as its users run it: whole
// processes, a ResourceList on stdin and the output on stdout, alone and
// under kpt fn eval --exec and kustomize build --enable-exec, each run
// interleaved with floors built in the same run:
//
//   - kyaml: reads and writes the same input with kyaml, as the function
//     reads it (internal/procbench/floor/kyaml);
//   - yaml.v3 item by item: splits the items from the bytes and parses and
//     writes one item at a time, the least a streaming function does
//     (internal/procbench/floor/yamlv3).
//
// Every figure is a median over -runs runs (after one warm-up run whose
// output is checked), with the peak RSS of the process (getrusage). The
// targets are ratios to a floor measured in the same run, never absolute
// times; procbench exits 1 when one is missed. `make bench` runs it; it is
// not part of `make test`.
package main
