// Package fn is the KRM function entry point: it reads a ResourceList,
// dispatches on the functionConfig kind to the generator or the transformer,
// and writes the result. On any error the input items are written back
// unchanged, every problem goes both to the results and to stderr, and the
// exit code is non-zero; a panic is turned into such an error. A processor
// that works item by item (krm.StreamProcessor: the transformer) runs on
// the streaming path (stream.go) when krm.SplitResourceList can cut the
// list; everything else reads the list whole.
package fn
