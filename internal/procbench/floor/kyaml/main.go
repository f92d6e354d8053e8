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
