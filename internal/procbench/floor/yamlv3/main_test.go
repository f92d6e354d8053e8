package main

import (
	"bytes"
	"testing"

	"github.com/kurator-scenario/scenario-fn/internal/benchdata"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// The floor must do the whole job: every item comes out, equal to the
// input item, and the functionConfig with it.
func TestFloorKeepsEveryItem(t *testing.T) {
	in := benchdata.ResourceList(90)
	head, items, tail, ok := splitItems(in)
	if !ok {
		t.Fatal("no items found")
	}
	var out bytes.Buffer
	if err := resourceList(head, items, tail, &out); err != nil {
		t.Fatal(err)
	}
	read := func(b []byte) *kio.ByteReader {
		return &kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}
	}
	want, err := read(in).Read()
	if err != nil {
		t.Fatal(err)
	}
	r := read(out.Bytes())
	got, err := r.Read()
	if err != nil {
		t.Fatalf("floor output does not parse: %v\n%s", err, out.String())
	}
	if len(got) != len(want) || len(want) < 90 {
		t.Fatalf("floor wrote %d items, input has %d", len(got), len(want))
	}
	for i := range want {
		if g, w := got[i].MustString(), want[i].MustString(); g != w {
			t.Fatalf("item %d differs:\n%s\nwant:\n%s", i, g, w)
		}
	}
	if r.FunctionConfig == nil || r.FunctionConfig.GetKind() != "ImageRegistryTransformer" {
		t.Fatalf("functionConfig lost: %v", r.FunctionConfig)
	}
}
