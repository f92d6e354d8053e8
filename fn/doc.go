// Package fn is the KRM function entry point: it reads a ResourceList,
// dispatches on the functionConfig kind to the generator or the transformer,
// and writes the result. On any error the input items are written back
// unchanged, every problem goes both to the results and to stderr, and the
// exit code is non-zero; a panic is turned into such an error.
package fn
