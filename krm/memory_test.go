package krm

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gcSettings reads the collector's GOGC percent and soft memory limit
// without changing them.
func gcSettings() (percent, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

func TestDeferFirstGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	const start, soft = 256 << 20, 1 << 30
	if !deferFirstGC(start, soft) {
		t.Fatal("deferFirstGC refused with the collector on and soft > start")
	}
	if p, l := gcSettings(); p != -1 || l != start {
		t.Fatalf("before the first collection: GOGC %d, limit %d; want off and %d", p, l, start)
	}
	runtime.GC()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, l := gcSettings()
		if p == 100 && l == soft {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the first collection: GOGC %d, limit %d; want 100 and %d", p, l, soft)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}

	if deferFirstGC(soft, start) {
		t.Error("deferFirstGC acted with soft <= start")
	}
	debug.SetGCPercent(-1)
	if deferFirstGC(start, soft) {
		t.Error("deferFirstGC acted with GOGC off")
	}
	if p, _ := gcSettings(); p != -1 {
		t.Errorf("GOGC off was changed to %d", p)
	}
}
