// Command fuzzall runs every fuzz target of the module, one after the
// other, each for -fuzztime. `make fuzz` runs it; CI runs a short pass.
// Targets are found by scanning *_test.go files for `func FuzzXxx(`.
//
// Go 1.26's fuzzing coordinator can report a spurious "context deadline
// exceeded" failure at the -fuzztime boundary when a loaded machine starves
// its workers (golang/go#75804, fixed in Go 1.27). Such a run writes no
// reproducer under testdata/fuzz/<Target>/. fuzzall tells the two apart: a
// failure that wrote a reproducer, or that printed anything but the
// deadline, fails at once; a deadline-only failure is run again, up to
// -retries times, and fails only if it keeps happening.
package main
