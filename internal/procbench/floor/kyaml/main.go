// Command kyaml is the kyaml read+write floor of the whole-process
// benchmarks: it reads a ResourceList (or a plain multi-document stream)
// from stdin with kyaml, the way the function reads its input, and writes
// it back to stdout unchanged in meaning. It is also a valid KRM function
// that changes nothing, so runners can call it in the function's place.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: out, OmitReaderAnnotations: true, KeepReaderAnnotations: true}
	nodes, err := rw.Read()
	if err != nil {
		fail(err)
	}
	if err := rw.Write(nodes); err != nil {
		fail(err)
	}
	if err := out.Flush(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kyaml floor:", err)
	os.Exit(1)
}
