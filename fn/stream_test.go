package fn_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/internal/benchdata"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/krm/krmtest"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestStreamingMatchesWholeList runs the streaming path (fn.runStream)
// and the whole-list path on the same inputs: every golden case, both
// fuzz corpora, the benchmark inputs (also with indented items, comments
// between items and the functionConfig last), what kpt and kustomize
// really send (testdata/stream, captured from kpt fn eval --exec and
// kustomize build --enable-exec), the nothing-lost transformer packages
// and the bad-input matrix. What must hold:
//
//   - same exit code and stderr;
//   - where the streaming path was not taken: the same output bytes;
//   - where it was: the same items, functionConfig and results once the
//     output is read back (the whole-list path normalises every item as
//     kyaml writes it; the streaming path does not); the results section
//     byte for byte;
//   - byte level: an item the run left alone is its input bytes; an item
//     it changed is the bytes the whole-list path writes for it (when the
//     input's items are at column 0 and no comment sits between items);
//     after an error every item is its input bytes.
func TestStreamingMatchesWholeList(t *testing.T) {
	defer fn.SetStreaming(fn.SetStreaming(true))
	var splices spliceStats
	oldHook := fn.SetSpliceHook(splices.hook(t))
	defer func() { fn.SetSpliceHook(oldHook) }()
	type input struct {
		label      string
		in         []byte
		wantStream bool
	}
	var inputs []input
	for i, s := range goldenSeeds(t) {
		inputs = append(inputs, input{label: fmt.Sprintf("golden seed %d", i), in: s})
	}
	for _, s := range corpus(t, "testdata/fuzz/FuzzResourceList") {
		inputs = append(inputs, input{label: "fn fuzz corpus", in: s})
	}
	itemFiles, _ := filepath.Glob("../transformers/testdata/*/input.yaml")
	var itemDocs [][]byte
	for _, f := range itemFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("kind: ResourceList")) {
			itemDocs = append(itemDocs, b)
		}
	}
	itemDocs = append(itemDocs, corpus(t, "../transformers/testdata/fuzz/FuzzProcess")...)
	for i, d := range itemDocs {
		if rl := withTransformerConfig(d); rl != nil {
			inputs = append(inputs, input{label: fmt.Sprintf("transformer items %d", i), in: rl})
		}
	}
	bench := benchdata.ResourceList(300)
	inputs = append(inputs,
		input{"benchdata", bench, true},
		input{"benchdata, items indented", indentItems(bench), true},
		input{"benchdata, comments between items", commentItems(bench), true},
		input{"benchdata, functionConfig last", fcLast(bench), true},
	)
	captured, _ := filepath.Glob("testdata/stream/*.yaml")
	if len(captured) < 2 {
		t.Fatalf("testdata/stream: %d captured runner inputs", len(captured))
	}
	for _, f := range captured {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{f, b, true})
		inputs = append(inputs, input{f + ", pull secret already there", bytes.ReplaceAll(b, []byte("imagePullSecrets: [harbor-pull]"), []byte("imagePullSecrets: [harbor-pull]\n    sourceCredentials: {secretName: s}")), true})
	}
	for pkg := 0; pkg < 6; pkg++ {
		p := nlBuildTPackage(newNLGen(20260802, pkg))
		inputs = append(inputs, input{label: fmt.Sprintf("nothing-lost package %d", pkg), in: resourceList(p.config(), p.texts()...), wantStream: true})
	}
	for _, c := range badCases() {
		if len(c.files) > 0 || len(c.links) > 0 || len(c.fifos) > 0 || len(c.env) > 0 || c.memory {
			continue
		}
		if in := c.input(); len(in) <= 1<<20 {
			inputs = append(inputs, input{label: "bad input: " + c.name, in: in})
		}
	}

	var streamed, identicalOut, passedThrough, rewritten, rewrittenSame, failed int
	for _, c := range inputs {
		st, stats := differential(t, c.label, c.in)
		if c.wantStream && !st {
			t.Errorf("%s: the streaming path was not taken", c.label)
		}
		if st {
			streamed++
		}
		identicalOut += stats.identicalOutput
		passedThrough += stats.passedThrough
		rewritten += stats.rewritten
		rewrittenSame += stats.rewrittenSame
		failed += stats.failed
	}
	if streamed < 40 {
		t.Errorf("only %d of %d inputs took the streaming path", streamed, len(inputs))
	}
	t.Logf("%d inputs, %d streamed (%d of them with output bytes identical to the whole-list path's, %d failing runs); "+
		"items: %d passed through as their input bytes, %d rewritten (%d byte-identical to the whole-list path's)",
		len(inputs), streamed, identicalOut, failed, passedThrough, rewritten, rewrittenSame)
	splices.report(t)
}

type diffStats struct{ identicalOutput, passedThrough, rewritten, rewrittenSame, failed int }

// differential runs both paths on in and checks what
// TestStreamingMatchesWholeList promises; it reports whether the
// streaming path was taken.
func differential(t *testing.T, label string, in []byte) (bool, diffStats) {
	t.Helper()
	var st diffStats
	fn.SetStreaming(false)
	oldOut, oldErr, oldCode := run(t, fuzzRoot, in)
	fn.SetStreaming(true)
	before := fn.StreamedRuns()
	newOut, newErr, newCode := run(t, fuzzRoot, in)
	streamed := fn.StreamedRuns() > before
	if oldCode != newCode || oldErr != newErr {
		t.Errorf("%s: exit %d/%d, stderr differs:\n--- whole list\n%s\n--- streaming\n%s", label, oldCode, newCode, oldErr, newErr)
		return streamed, st
	}
	if !streamed {
		if oldOut != newOut {
			t.Errorf("%s: not streamed, yet the output differs:\n%s", label, nlLineDiff(oldOut, newOut))
		}
		return streamed, st
	}
	if oldOut == newOut {
		st.identicalOutput++
	}
	// Read back, the outputs hold the same items, functionConfig and results.
	oldItems, ok1 := itemsOf(t, []byte(oldOut))
	newItems, ok2 := itemsOf(t, []byte(newOut))
	if !ok1 || !ok2 || oldItems != newItems {
		t.Errorf("%s: the items differ once read back (%v %v):\n%s", label, ok1, ok2, nlLineDiff(oldItems, newItems))
	}
	o, _ := krm.Read([]byte(oldOut))
	n, _ := krm.Read([]byte(newOut))
	if o == nil || n == nil || o.FunctionConfig.MustString() != n.FunctionConfig.MustString() {
		t.Errorf("%s: the functionConfig differs", label)
	}
	if a, b := resultsText(oldOut), resultsText(newOut); a != b {
		t.Errorf("%s: the results differ:\n%s", label, nlLineDiff(a, b))
	}
	// Byte level.
	sin, ok := krm.SplitResourceList(in, nil)
	snew, ok2 := krm.SplitResourceList([]byte(newOut), nil)
	if !ok || !ok2 {
		t.Errorf("%s: streamed, but the input (%v) or the output (%v) does not split", label, ok, ok2)
		return streamed, st
	}
	if newCode != 0 {
		st.failed++
		if snew.Len() != sin.Len() {
			t.Errorf("%s: a failed run wrote %d items for %d", label, snew.Len(), sin.Len())
			return streamed, st
		}
		for i := 0; i < sin.Len(); i++ {
			if !bytes.Equal(sin.Raw(i), snew.Raw(i)) {
				t.Errorf("%s: a failed run changed the bytes of item %d:\n%s", label, i, nlLineDiff(string(sin.Raw(i)), string(snew.Raw(i))))
			}
		}
		return streamed, st
	}
	if snew.Len() != sin.Len() && snew.Len() != sin.Len()+1 {
		t.Errorf("%s: %d output items for %d input items", label, snew.Len(), sin.Len())
		return streamed, st
	}
	sold, okOld := krm.SplitResourceList([]byte(oldOut), nil)
	strict := okOld && sold.Len() == snew.Len() && sin.Raw(0)[0] == '-' && !commentBetweenItems(in)
	for i := 0; i < sin.Len(); i++ {
		if bytes.Equal(sin.Raw(i), snew.Raw(i)) {
			st.passedThrough++
			continue
		}
		st.rewritten++
		// A changed item is written as the whole-list path writes it
		// where its input is (its changes spliced into its bytes); an
		// item written otherwise keeps its style, and the splice hook
		// checks that it reads back as the changed tree.
		if strict && writtenAsKyamlWrites(sin, i) {
			if !bytes.Equal(sold.Raw(i), snew.Raw(i)) {
				t.Errorf("%s: item %d is not written as the whole-list path writes it:\n%s", label, i, nlLineDiff(string(sold.Raw(i)), string(snew.Raw(i))))
				continue
			}
			st.rewrittenSame++
		}
	}
	return streamed, st
}

var lowComment = regexp.MustCompile(`(?m)^#`)

// commentBetweenItems reports a comment at column 0 in the items: the
// whole-list path attaches it to a neighbouring item, the streaming path
// keeps it where it is.
func commentBetweenItems(in []byte) bool {
	i := bytes.Index(in, []byte("\nitems:\n"))
	return i >= 0 && lowComment.Match(in[i:])
}

// resultsText is the results section of an output ResourceList.
func resultsText(out string) string {
	if i := strings.Index(out, "\nresults:\n"); i >= 0 {
		return out[i:]
	}
	return ""
}

// corpus reads the inputs of a fuzz corpus directory.
func corpus(t *testing.T, dir string) [][]byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(b), "\n", 3)
		if len(lines) < 2 {
			continue
		}
		v := strings.TrimSpace(lines[1])
		open := strings.IndexByte(v, '(')
		if open < 0 || !strings.HasSuffix(v, ")") {
			continue
		}
		s, err := strconv.Unquote(v[open+1 : len(v)-1])
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, []byte(s))
	}
	return out
}

// streamConfig is the transformer config the item documents run with.
const streamConfig = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ImageRegistryTransformer
metadata: {name: stream}
spec:
  rules:
  - {from: docker.io/bitnami, to: harbor.corp.local/bitnami}
  - {from: docker.io, to: harbor.corp.local/dockerhub}
  - {from: "*", to: harbor.corp.local/mirror}
  chartRules:
  - {from: "https://kyverno.github.io/kyverno", to: "oci://harbor.corp.local/charts"}
  imagePullSecrets: [harbor-pull]
  fieldSpecs:
  - {kind: Widget, path: spec/runner/image}
  mirrorList: {}
`

// withTransformerConfig wraps a multi-document file of items into a
// ResourceList for the transformer, or returns nil.
func withTransformerConfig(docs []byte) []byte {
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(docs), OmitReaderAnnotations: true}).Read()
	if err != nil || len(items) == 0 {
		return nil
	}
	var b bytes.Buffer
	defer func() { _ = recover() }()
	if err := (&krm.ResourceList{Items: items, FunctionConfig: yaml.MustParse(streamConfig)}).Write(&b); err != nil {
		return nil
	}
	return b.Bytes()
}

// indentItems writes the items sequence indented ("items:\n  - ...").
func indentItems(rl []byte) []byte {
	i := bytes.Index(rl, []byte("\nitems:\n")) + len("\nitems:\n")
	var b bytes.Buffer
	b.Write(rl[:i])
	for _, l := range bytes.SplitAfter(rl[i:], []byte("\n")) {
		if len(l) > 1 {
			b.WriteString("  ")
		}
		b.Write(l)
	}
	return b.Bytes()
}

// commentItems puts a comment and a blank line before every item.
func commentItems(rl []byte) []byte {
	i := bytes.Index(rl, []byte("\nitems:\n")) + len("\nitems:\n")
	var b bytes.Buffer
	b.Write(rl[:i])
	for n, l := range bytes.SplitAfter(rl[i:], []byte("\n")) {
		if bytes.HasPrefix(l, []byte("- ")) {
			fmt.Fprintf(&b, "\n# line %d\n", n)
		}
		b.Write(l)
	}
	return b.Bytes()
}

// writtenAsKyamlWrites: item i of s is written as EncodeItem writes it.
func writtenAsKyamlWrites(s *krm.Split, i int) bool {
	n, ok := s.Item(i)
	if !ok {
		return false
	}
	b, err := s.EncodeItem(n)
	return err == nil && bytes.Equal(b, s.Raw(i))
}

// spliceStats checks every changed item of the streaming runs it hooks
// into: what Split.Splice writes reads back as the changed tree (values,
// tags, structure and comments), and where the input item is written as
// EncodeItem writes it, it is byte for byte what EncodeItem writes for
// the changed tree.
type spliceStats struct {
	mu                              sync.Mutex
	changed, spliced, sameAsEncoder int
}

func (st *spliceStats) hook(t *testing.T) func(s *krm.Split, i int, changed *yaml.RNode, spliced []byte, ok bool) {
	return func(s *krm.Split, i int, changed *yaml.RNode, spliced []byte, ok bool) {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.changed++
		if !ok {
			return
		}
		st.spliced++
		msg, kyamlStyle := krmtest.SpliceProblem(s, i, changed, spliced)
		if msg != "" {
			t.Errorf("item %d: %s\n--- input\n%s", i, msg, s.Raw(i))
			return
		}
		if kyamlStyle {
			st.sameAsEncoder++
		}
	}
}

func (st *spliceStats) report(t *testing.T) {
	t.Logf("changed items: %d, %d of them spliced (%d in kyaml's style, byte-identical to the serialised tree), %d serialised",
		st.changed, st.spliced, st.sameAsEncoder, st.changed-st.spliced)
	if st.spliced == 0 || st.sameAsEncoder == 0 {
		t.Errorf("no item was spliced (%d) or none byte-identical (%d): the check checks nothing", st.spliced, st.sameAsEncoder)
	}
}

// TestStreamingKeepsStyle: a changed item keeps how its input is written
// (the README's example): the blanks before a comment, flow mappings,
// quotes; the new image is quoted where a flow mapping needs it, and the
// pull secret is added after the pod spec's last line.
func TestStreamingKeepsStyle(t *testing.T) {
	defer fn.SetStreaming(fn.SetStreaming(true))
	in := []byte(`apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    replicas: 3  # scaled by HPA
    template:
      spec:
        containers:
        - {name: app, image: nginx:1.25}
        - name: side
          image: "redis:7.2"   # pinned
    selector: {matchLabels: {app: web}}
functionConfig:
  apiVersion: scenario.kurator.dev/v1alpha1
  kind: ImageRegistryTransformer
  metadata: {name: corp}
  spec:
    rules:
    - {from: "*", to: harbor.corp.local/mirror}
    imagePullSecrets: [harbor-pull]
`)
	want := `- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    replicas: 3  # scaled by HPA
    template:
      spec:
        containers:
        - {name: app, image: 'harbor.corp.local/mirror/docker.io/library/nginx:1.25'}
        - name: side
          image: "harbor.corp.local/mirror/docker.io/library/redis:7.2"   # pinned
        imagePullSecrets:
        - name: harbor-pull
    selector: {matchLabels: {app: web}}
`
	before := fn.StreamedRuns()
	out, stderr, code := run(t, "", in)
	if code != 0 || fn.StreamedRuns() == before {
		t.Fatalf("exit %d, streamed %v: %s", code, fn.StreamedRuns() > before, stderr)
	}
	s, ok := krm.SplitResourceList([]byte(out), nil)
	if !ok || s.Len() != 1 || string(s.Raw(0)) != want {
		t.Fatalf("got:\n%s\nwant the item:\n%s", out, want)
	}
}
