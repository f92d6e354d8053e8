package fn_test

import (
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/internal/benchdata"
	"github.com/kurator-scenario/scenario-fn/krm"
)

// BenchmarkStream is a diagnostic (not a product target, see make bench):
// the streaming transformer path in process on the benchmark inputs, for
// profiling (go test -run x -bench Stream/n=10000 -cpuprofile cpu.out ./fn).
func BenchmarkStream(b *testing.B) {
	defer fn.SetStreaming(fn.SetStreaming(true))
	root, err := os.OpenRoot(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	for _, n := range []int{1000, 10000} {
		in := benchdata.ResourceList(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				before := fn.StreamedRuns()
				if code := fn.Run(&krm.Context{Root: root}, in, io.Discard, io.Discard); code != 0 {
					b.Fatalf("exit %d", code)
				}
				if fn.StreamedRuns() == before {
					b.Fatal("the streaming path was not taken")
				}
			}
		})
	}
}
