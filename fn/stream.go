package fn

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/kurator-scenario/scenario-fn/internal/credentials"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// streaming lets Run take the streaming path; the differential tests turn
// it off to run the whole-list path on the same input.
var streaming = true

// streamedRuns counts the runs that took the streaming path (for tests).
var streamedRuns atomic.Int64

// spliceHook, when set (by tests), sees every changed item: the tree as
// changed and what Split.Splice made of it (ok=false: refused, the tree is
// serialised). It runs on the workers, several at a time.
var spliceHook func(s *krm.Split, i int, changed *yaml.RNode, spliced []byte, ok bool)

// errFallback ends a streaming run that met something only the whole-list
// path handles; nothing has been written then.
var errFallback = fmt.Errorf("not streamable")

// runStream is Run for a processor that works item by item
// (krm.StreamProcessor) on a list krm.SplitResourceList can cut: each item
// is parsed, checked as checkInput checks it, handed to the processor and,
// when the processor changed it, serialised; its tree is then dropped.
// Items the processor left alone are written back as their input bytes.
// Everything fn promises on the whole-list path holds: the checks and
// their messages, the results in the same order, credentials masked, and
// on any error the input items (their bytes) come back unchanged.
//
// ok is false, with nothing written, for whatever the streaming path does
// not handle: aliases or merge keys, items that are not objects in shape,
// a functionConfig that is missing, of another kind, invalid or with
// duplicate keys, a panic. Run then takes the whole-list path, which
// reports all of it as before.
func runStream(ctx *krm.Context, input []byte, stdout, stderr io.Writer) (code int, ok bool) {
	if !streaming {
		return 0, false
	}
	s, ok := krm.SplitResourceList(input, mayStream)
	if !ok {
		return 0, false
	}
	fc := s.FunctionConfig
	p, ps := dispatch(fc)
	sp, isStream := p.(krm.StreamProcessor)
	if len(ps) > 0 || !isStream || krm.CheckObject(fc) != nil {
		return 0, false
	}
	var fcProblems krm.Problems
	if checkKeys(fc.YNode(), krm.IDOf(fc), krm.Source{File: krm.PathOf(fc)}, "the functionConfig", &fcProblems) || len(fcProblems) > 0 {
		return 0, false
	}
	// The live heap of a streaming run is small (the input and one chunk
	// of trees), so the collector would run over and over on it: let the
	// heap grow to a few times the live data (the memory limit still
	// bounds it).
	defer debug.SetGCPercent(debug.SetGCPercent(streamGCPercent))
	// Over the process memory limit the input goes back as it came, as on
	// the whole-list path (which sets its own hook if it runs instead).
	guard := guardMemory(stdout, input)
	defer guard.release()
	out, err := streamItems(ctx, sp, s)
	if err != nil {
		return 0, false
	}
	streamedRuns.Add(1)
	for _, p := range out.problems {
		if p.Severity == framework.Error || p.Severity == framework.Warning {
			fmt.Fprintln(stderr, p.String())
		}
	}
	err = guard.write(func() error {
		if out.failed {
			return s.Write(stdout, nil, nil, out.problems.Results())
		}
		return s.Write(stdout, func(i int) []byte { return out.encoded[i] }, out.appended, out.problems.Results())
	})
	if err != nil {
		fmt.Fprintf(stderr, "error: writing the ResourceList: %v\n", err)
		return 1, true
	}
	if out.failed {
		return 1, true
	}
	return 0, true
}

// mayStream is a cheap test of the functionConfig's bytes: false when it
// cannot name the kind of a processor that streams (a list for the
// generator is then not parsed twice).
func mayStream(fc []byte) bool {
	for kind, p := range processors {
		if _, ok := p.(krm.StreamProcessor); ok && bytes.Contains(fc, []byte(kind)) {
			return true
		}
	}
	return false
}

type streamed struct {
	problems krm.Problems
	failed   bool     // an error: the items go back as they came
	encoded  [][]byte // per item: its new bytes, nil = unchanged
	appended [][]byte
}

// streamItems runs the processor over the items; errFallback (or a
// panic, turned into it) means the whole-list path must run instead.
//
// The items go through in chunks of a bounded size (chunkBytes of input,
// at least one item): the chunk's items are parsed and checked on every
// core, handed to the processor one by one in order, then serialised
// (those it changed) and searched for credentials on every core, and
// dropped. Memory is the input, the new bytes of changed items, and one
// chunk of trees.
func streamItems(ctx *krm.Context, sp krm.StreamProcessor, s *krm.Split) (out *streamed, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errFallback
		}
	}()
	fc := s.FunctionConfig
	run, startProblems, ok := sp.Start(ctx, fc, s)
	if !ok || startProblems.HasErrors() {
		return nil, errFallback
	}
	out = &streamed{encoded: make([][]byte, s.Len())}
	var checks krm.Problems
	checker := newItemChecker()
	// The whole-list path masks the credentials of the items as the
	// processor left them (edited in place) and of the new items: their
	// values, collected per item, are added in item order.
	secrets := make([][]string, s.Len())
	type slot struct {
		n     *yaml.RNode
		alone itemAlone
	}
	var slots []slot
	for lo := 0; lo < s.Len(); {
		hi, size := lo, 0
		for hi < s.Len() && (hi == lo || size+len(s.Raw(hi)) <= chunkBytes) {
			size += len(s.Raw(hi))
			hi++
		}
		slots = append(slots[:0], make([]slot, hi-lo)...)
		if !parallel(lo, hi, func(i int) bool {
			sl := &slots[i-lo]
			it, ok := s.Item(i)
			if !ok || krm.CheckObject(it) != nil {
				return false
			}
			sl.n, sl.alone = it, checkItemAlone(i, it)
			return !sl.alone.aliases // aliases: expanded on the whole-list path, within the alias budget
		}) {
			return nil, errFallback
		}
		changes := make([]krm.Change, hi-lo)
		for i := lo; i < hi; i++ {
			sl := &slots[i-lo]
			checks = append(checks, sl.alone.problems...)
			checker.identity(i, sl.alone, &checks)
			if !checks.HasErrors() {
				changes[i-lo] = run.Item(i, sl.n)
			}
		}
		if !parallel(lo, hi, func(i int) bool {
			sl := &slots[i-lo]
			if c := &changes[i-lo]; c.Changed {
				// the changes written into the input bytes, or else the
				// tree serialised
				b, ok := s.Splice(i, sl.n, c)
				if spliceHook != nil {
					spliceHook(s, i, sl.n, b, ok)
				}
				if !ok {
					var err error
					if b, err = s.EncodeItem(sl.n); err != nil {
						return false
					}
				}
				out.encoded[i] = b
			}
			// Only an item whose text may hold a credential is searched
			// for one (credentials.MayHold is exact).
			text := out.encoded[i]
			if text == nil {
				text = s.Raw(i)
			}
			if credentials.MayHold(text) {
				secrets[i] = credentialValues(sl.n)
			}
			sl.n = nil
			return true
		}) {
			return nil, errFallback
		}
		lo = hi
	}
	var masker credentials.Masker
	var problems krm.Problems
	var replace map[int]*yaml.RNode
	var appended []*yaml.RNode
	if !checks.HasErrors() {
		problems, replace, appended = run.Finish()
	}
	all := append(append(checks, startProblems...), problems...)
	if checks.HasErrors() || problems.HasErrors() {
		// nothing changes: the messages are masked with the items as they came
		out.failed, out.encoded = true, nil
		for i := 0; i < s.Len(); i++ {
			if credentials.MayHold(s.Raw(i)) {
				it, _ := s.Item(i)
				masker.AddNode(it)
			}
		}
		masker.AddNode(fc)
		if checks.HasErrors() {
			all = checks
		}
		out.problems = maskIfNeeded(&masker, all)
		return out, nil
	}
	for _, vs := range secrets {
		for _, v := range vs {
			masker.Add(v)
		}
	}
	for i, n := range replace {
		b, err := s.EncodeItem(n)
		if err != nil {
			return nil, errFallback
		}
		out.encoded[i] = b
		masker.AddNode(n)
	}
	for _, n := range appended {
		b, err := s.EncodeItem(n)
		if err != nil {
			return nil, errFallback
		}
		out.appended = append(out.appended, b)
		masker.AddNode(n)
	}
	masker.AddNode(fc)
	out.problems = maskIfNeeded(&masker, all)
	return out, nil
}

// streamGCPercent is the GOGC of a streaming run.
const streamGCPercent = 400

// chunkBytes bounds the input bytes of the items in one chunk.
const chunkBytes = 256 << 10

// credentialValues is what Masker.AddNode adds for n.
func credentialValues(n *yaml.RNode) []string {
	var out []string
	for _, f := range credentials.Find(n) {
		if !f.Placeholder {
			out = append(out, f.Value)
		}
	}
	return out
}

// parallel calls f for lo..hi-1 on every core and reports whether every
// call returned true (a panic counts as false).
func parallel(lo, hi int, f func(i int) bool) bool {
	workers := min(runtime.GOMAXPROCS(0), hi-lo)
	if workers <= 1 {
		for i := lo; i < hi; i++ {
			if !f(i) {
				return false
			}
		}
		return true
	}
	var next atomic.Int64
	next.Store(int64(lo))
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if recover() != nil {
					failed.Store(true)
				}
			}()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= hi {
					return
				}
				if !f(i) {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return !failed.Load()
}

// maskIfNeeded is redact's masking for a processor without krm.Sensitive:
// the values m knows are masked only when there is an error or a warning.
func maskIfNeeded(m *credentials.Masker, problems krm.Problems) krm.Problems {
	if len(problems) == 0 {
		return problems
	}
	needed := false
	for _, pr := range problems {
		if pr.Severity == framework.Error || pr.Severity == framework.Warning {
			needed = true
			break
		}
	}
	if !needed {
		m = &credentials.Masker{}
	}
	return MaskProblems(m, problems)
}
