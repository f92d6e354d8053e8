package krm

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultMemoryLimit is the memory the process may use: no input can take
// a CI machine's memory. MemoryLimitEnv changes it.
const DefaultMemoryLimit = 2 << 30

// MemoryLimitEnv names the environment variable that sets the memory
// limit: bytes, or a number with KiB, MiB or GiB.
const MemoryLimitEnv = "SCENARIO_FN_MEMORY_LIMIT"

// MemoryLimit returns the process memory limit: MemoryLimitEnv when set
// and valid, else the Go runtime's GOMEMLIMIT when that is set, else
// DefaultMemoryLimit.
func MemoryLimit() int64 {
	if v, ok := parseBytes(os.Getenv(MemoryLimitEnv)); ok {
		return v
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		if v := debug.SetMemoryLimit(-1); v > 0 && v < math.MaxInt64 {
			return v
		}
	}
	return DefaultMemoryLimit
}

func parseBytes(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || v > (1<<62)/mult {
		return 0, false
	}
	return v * mult, true
}

var (
	exceedMu   sync.Mutex
	exceedHook func() bool
)

// OnMemoryExceeded sets what runs before the process exits over its memory
// limit (the KRM entry point writes its input back); nil clears it. The
// hook returns false when the work is done already (the output is
// written): the process then ends as it would have.
func OnMemoryExceeded(hook func() bool) {
	exceedMu.Lock()
	exceedHook = hook
	exceedMu.Unlock()
}

// LimitMemory bounds the memory of the whole process: the Go runtime's
// soft limit (debug.SetMemoryLimit) at 90% of MemoryLimit makes the
// collector work harder near it, and a watchdog that samples the memory
// the runtime holds ends the process, with an error on stderr naming the
// limit and how to raise it, when it passes the limit. Call it once, from
// main.
func LimitMemory(stderr io.Writer) {
	limit := MemoryLimit()
	soft := limit / 10 * 9
	if os.Getenv("GOGC") != "" || !deferFirstGC(StartHeap, soft) {
		debug.SetMemoryLimit(soft)
	}
	go watch(limit, stderr, 10*time.Millisecond)
}

// StartHeap is the memory the process may take before its first garbage
// collection. Most runs (one instance on the KRM path: about 15 MiB
// allocated, 2 MiB live) end before it: with the collector's default
// 4 MiB first goal they paid for four collections and their write
// barriers, a third of their CPU time. After the first collection the
// collector runs as configured (GOGC, the soft limit).
const StartHeap = 32 << 20

// deferFirstGC turns the collector off until the process holds start
// bytes (the soft limit then triggers a collection), and back on, with
// the soft limit soft, right after that first collection. It does nothing
// and returns false when soft is not above start or GOGC is off.
func deferFirstGC(start, soft int64) bool {
	if soft <= start {
		return false
	}
	percent := debug.SetGCPercent(-1)
	if percent < 0 {
		debug.SetGCPercent(percent)
		return false
	}
	debug.SetMemoryLimit(start)
	// The first collection finds the sentinel unreachable and runs its
	// cleanup, which restores the configuration.
	sentinel := new([64]byte)
	runtime.AddCleanup(sentinel, func(int) {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(soft)
	}, 0)
	return true
}

func watch(limit int64, stderr io.Writer, every time.Duration) {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	for range time.Tick(every) {
		metrics.Read(samples)
		used := int64(samples[0].Value.Uint64()) - int64(samples[1].Value.Uint64())
		if used <= limit {
			continue
		}
		exceedMu.Lock() // held until exit: the hook runs once
		if exceedHook != nil && !exceedHook() {
			exceedMu.Unlock()
			return
		}
		fmt.Fprintf(stderr, "error: scenario-fn used %d MiB of memory, more than its limit of %d MiB: the input is too large or too complex "+
			"(set %s, e.g. %s=4GiB, to raise the limit)\n", used>>20, limit>>20, MemoryLimitEnv, MemoryLimitEnv)
		os.Exit(1)
	}
}
