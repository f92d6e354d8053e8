// Command benchreport runs the project's benchmarks and prints each one as
// a ratio to its floor, measured in the same run: BenchmarkX/sub is paired
// with BenchmarkXFloor/sub, for ns/op and for every other metric they share
// (B/op, peak-B). It checks the targets the issues set and exits 1 when one
// is missed. These are in-process diagnostics (parse and write are outside
// some timers): the product is measured as whole processes by
// internal/procbench. `make bench` runs this with -diagnostic (report only);
// `make bench-micro` checks its targets.
package main
