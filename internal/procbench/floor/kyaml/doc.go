// Command kyaml is the kyaml read+write floor of the whole-process
// benchmarks: it reads a ResourceList (or a plain multi-document stream)
// from stdin with kyaml, the way the function reads its input, and writes
// it back to stdout unchanged in meaning. It is also a valid KRM function
// that changes nothing, so runners can call it in the function's place.
package main
