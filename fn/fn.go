package fn

import (
	"bytes"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/api/v1alpha1"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Group is the API group of this project's function configs.
const Group = v1alpha1.Group

var processors = map[string]krm.Processor{}

// Register makes a processor available for functionConfig kind. It is
// called by main (and by tests) before Run: nothing registers itself.
func Register(kind string, p krm.Processor) { processors[kind] = p }

// Kinds lists the registered functionConfig kinds.
func Kinds() []string {
	kinds := make([]string, 0, len(processors))
	for k := range processors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

// Run processes one ResourceList and returns the exit code. A processor
// that works item by item (the transformer) runs on the streaming path
// when the list allows it (runStream); everything else, and every list
// the streaming path does not handle, is read whole.
func Run(ctx *krm.Context, input []byte, stdout, stderr io.Writer) int {
	if code, ok := runStream(ctx, input, stdout, stderr); ok {
		return code
	}
	rl, err := krm.Read(input)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	guard := guardMemory(stdout, input)
	defer guard.release()
	var problems krm.Problems
	if len(rl.Invalid) > 0 {
		// Not objects in shape: no processor can run; the list goes back
		// as it came, with the reasons.
		problems = rl.Invalid
		rl.Results = problems.Results()
	} else {
		problems = Process(ctx, rl)
	}
	for _, p := range problems {
		if p.Severity == framework.Error || p.Severity == framework.Warning {
			fmt.Fprintln(stderr, p.String())
		}
	}
	err = guard.write(func() error { return write(rl, stdout) })
	if err != nil {
		fmt.Fprintf(stderr, "error: writing the ResourceList: %v\n", err)
		return 1
	}
	if problems.HasErrors() {
		return 1
	}
	return 0
}

// Process runs the processor selected by the functionConfig on rl. On
// success rl.Items holds the new items; on error they are the input items,
// untouched. The problems, credentials masked, are also stored as
// rl.Results.
func Process(ctx *krm.Context, rl *krm.ResourceList) krm.Problems {
	input, config := rl.Items, rl.FunctionConfig
	problems, aliased := checkInput(rl)
	p, ps := dispatch(rl.FunctionConfig)
	problems = append(problems, ps...)
	var items []*yaml.RNode
	var copies map[*yaml.RNode]expanded
	if p != nil && !problems.HasErrors() {
		copies, ps = expandAliases(rl, aliased)
		problems = append(problems, ps...)
	}
	if p != nil && !problems.HasErrors() {
		items, ps = safeProcess(p, ctx, rl)
		problems = append(problems, ps...)
		items = restoreAliases(items, copies)
	}
	problems = redact(problems, p, ctx, rl, input, items)
	if p != nil && !problems.HasErrors() {
		rl.Items = items
	} else {
		rl.Items = input
	}
	rl.FunctionConfig = config
	rl.Results = problems.Results()
	return problems
}

func dispatch(cfg *yaml.RNode) (krm.Processor, krm.Problems) {
	var problems krm.Problems
	hint := "use a functionConfig of apiVersion " + v1alpha1.GroupVersion + " and kind " + strings.Join(Kinds(), " or ")
	if cfg == nil || yaml.IsMissingOrNull(cfg) || cfg.YNode().Kind != yaml.MappingNode || len(cfg.Content()) == 0 {
		problems.Errorf(nil, "functionConfig", krm.Source{}, hint, "no functionConfig: this function needs its configuration")
		return nil, problems
	}
	meta, _ := cfg.GetMeta()
	id := krm.IDOf(cfg)
	group, _, _ := strings.Cut(meta.APIVersion, "/")
	p, ok := processors[meta.Kind]
	if !ok || group != Group {
		problems.Errorf(id, "kind", krm.Source{File: krm.PathOf(cfg)}, hint,
			"unsupported functionConfig %s %q", meta.APIVersion, meta.Kind)
		return nil, problems
	}
	return p, nil
}

func safeProcess(p krm.Processor, ctx *krm.Context, rl *krm.ResourceList) (items []*yaml.RNode, problems krm.Problems) {
	defer func() {
		if r := recover(); r != nil {
			items = nil
			problems = append(problems, krm.Problem{Severity: framework.Error, Message: internalError(r)})
		}
	}()
	return p.Process(ctx, rl)
}

func internalError(r any) string {
	return fmt.Sprintf("internal error: %v; the input was returned unchanged. Please report this with the input: %s",
		r, firstLines(string(debug.Stack()), 12))
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}

// write serialises the output; a panic in the YAML writer on input it
// cannot represent becomes an error (and no partial output is written).
func write(rl *krm.ResourceList, w io.Writer) (err error) {
	var buf bytes.Buffer
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the output cannot be serialised: %v", r)
		}
	}()
	if err := rl.Write(&buf); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// memoryGuard writes the input back as it came when the process goes over
// its memory limit (krm.LimitMemory), unless the output is being written
// already: the one hook of both the whole-list and the streaming path.
type memoryGuard struct {
	mu      sync.Mutex
	written bool
}

func guardMemory(stdout io.Writer, input []byte) *memoryGuard {
	g := &memoryGuard{}
	krm.OnMemoryExceeded(func() bool {
		g.mu.Lock()
		if g.written {
			g.mu.Unlock()
			return false
		}
		_, _ = stdout.Write(input)
		return true // mu stays locked: the process exits
	})
	return g
}

// write writes the output; from then on the hook leaves stdout alone.
func (g *memoryGuard) write(out func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.written = true
	return out()
}

func (g *memoryGuard) release() { krm.OnMemoryExceeded(nil) }
