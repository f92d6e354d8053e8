package fn

import (
	"fmt"
	"io"
	"sync"

	"github.com/kurator-scenario/scenario-fn/internal/credentials"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// streaming lets Run take the streaming path; the differential tests turn
// it off to run the whole-list path on the same input.
var streaming = true

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
	s, ok := krm.SplitResourceList(input)
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
	out, err := streamItems(ctx, sp, s)
	if err != nil {
		return 0, false
	}

	var mu sync.Mutex
	written := false
	krm.OnMemoryExceeded(func() bool {
		mu.Lock()
		if written {
			mu.Unlock()
			return false
		}
		_, _ = stdout.Write(input)
		return true
	})
	defer krm.OnMemoryExceeded(nil)
	for _, p := range out.problems {
		if p.Severity == framework.Error || p.Severity == framework.Warning {
			fmt.Fprintln(stderr, p.String())
		}
	}
	mu.Lock()
	if out.failed {
		err = s.Write(stdout, nil, nil, out.problems.Results())
	} else {
		err = s.Write(stdout, func(i int) []byte { return out.encoded[i] }, out.appended, out.problems.Results())
	}
	written = true
	mu.Unlock()
	if err != nil {
		fmt.Fprintf(stderr, "error: writing the ResourceList: %v\n", err)
		return 1, true
	}
	if out.failed {
		return 1, true
	}
	return 0, true
}

type streamed struct {
	problems krm.Problems
	failed   bool     // an error: the items go back as they came
	encoded  [][]byte // per item: its new bytes, nil = unchanged
	appended [][]byte
}

// streamItems runs the processor over the items; errFallback (or a
// panic, turned into it) means the whole-list path must run instead.
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
	// processor left them (edited in place) and of the new items.
	var masker credentials.Masker
	for i := 0; i < s.Len(); i++ {
		it, ok := s.Item(i)
		if !ok || krm.CheckObject(it) != nil {
			return nil, errFallback
		}
		if checker.check(i, it, &checks) {
			return nil, errFallback // aliases: expanded on the whole-list path, within the alias budget
		}
		if checks.HasErrors() {
			continue // no processor runs on such a list: only the checks are reported
		}
		if run.Item(i, it) {
			b, err := s.EncodeItem(it)
			if err != nil {
				return nil, errFallback
			}
			out.encoded[i] = b
		}
		masker.AddNode(it)
	}
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
		masker = credentials.Masker{}
		for i := 0; i < s.Len(); i++ {
			it, _ := s.Item(i)
			masker.AddNode(it)
		}
		masker.AddNode(fc)
		if checks.HasErrors() {
			all = checks
		}
		out.problems = maskIfNeeded(&masker, all)
		return out, nil
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
