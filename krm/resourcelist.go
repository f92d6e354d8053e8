package krm

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ResourceList is one function invocation: the items, the functionConfig
// and the results the function adds.
type ResourceList struct {
	Items          []*yaml.RNode
	FunctionConfig *yaml.RNode
	Results        framework.Results
	// Invalid are the items and functionConfig that Read found to be no
	// Kubernetes object in shape (a scalar, metadata or labels that are
	// not mappings). Such a list is written back as it came, with these
	// errors as results: no processor can run on it.
	Invalid Problems
}

// Read parses a ResourceList. Reader annotations are neither added nor
// removed: the orchestrator (kpt, kustomize) owns them.
func Read(in []byte) (*ResourceList, error) {
	if len(bytes.TrimSpace(in)) == 0 {
		return nil, fmt.Errorf("empty input: expected a ResourceList (config.kubernetes.io/v1) on stdin; " +
			"run this binary through kustomize or kpt, or use a subcommand (see --help)")
	}
	rw := &kio.ByteReadWriter{
		Reader:                bytes.NewReader(in),
		OmitReaderAnnotations: true,
		KeepReaderAnnotations: true,
		PreserveSeqIndent:     false,
	}
	items, err := rw.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the ResourceList: %w", err)
	}
	if rw.WrappingKind == "" && len(items) > 1 {
		lists := 0
		for _, it := range items {
			if it.YNode().Kind == yaml.MappingNode && it.GetKind() == kio.ResourceListKind {
				lists++
			}
		}
		if lists > 0 {
			return nil, fmt.Errorf("input holds %d YAML documents (separated by ---), %d of them a ResourceList: "+
				"a KRM function reads exactly one ResourceList on stdin; send one per run", len(items), lists)
		}
	}
	if rw.WrappingKind != kio.ResourceListKind {
		got := rw.WrappingKind
		if got == "" && len(items) > 0 && items[0].YNode().Kind == yaml.MappingNode {
			got = items[0].GetKind() // a bare object
		}
		return nil, fmt.Errorf("input is not a ResourceList (got kind %q): a KRM function reads "+
			"kind: ResourceList, apiVersion: config.kubernetes.io/v1 on stdin", got)
	}
	rl := &ResourceList{Items: items, FunctionConfig: rw.FunctionConfig}
	for i, it := range items {
		if field, err := checkItem(it); err != nil {
			rl.Invalid.Errorf(idOfMapping(it), field, Source{File: pathOfMapping(it)}, objectHint,
				"item %d%s: %v", i, describeItem(it), err)
		}
	}
	if fc := rw.FunctionConfig; fc != nil && !yaml.IsMissingOrNull(fc) {
		if field, err := checkItem(fc); err != nil {
			rl.Invalid.Errorf(idOfMapping(fc), field, Source{File: pathOfMapping(fc)},
				"write the functionConfig as an object: apiVersion scenario.kurator.dev/v1alpha1, kind, metadata and spec",
				"functionConfig%s: %v", describeItem(fc), err)
		}
	}
	return rl, nil
}

const objectHint = "write each item as a Kubernetes object: a mapping with apiVersion, kind and metadata, whose labels and annotations are mappings of strings"

// idOfMapping and pathOfMapping are IDOf and PathOf for items that may
// not be objects: only a mapping with mapping metadata has them.
func idOfMapping(n *yaml.RNode) *yaml.ResourceIdentifier {
	if !metadataIsMapping(n) {
		return nil
	}
	return IDOf(n)
}

func pathOfMapping(n *yaml.RNode) string {
	if !metadataIsMapping(n) {
		return ""
	}
	if f := n.Field("metadata"); f != nil {
		if a := f.Value.Field("annotations"); a != nil && resolveAlias(a.Value.YNode()).Kind != yaml.MappingNode {
			return ""
		}
	}
	return PathOf(n)
}

func metadataIsMapping(n *yaml.RNode) bool {
	if n.YNode().Kind != yaml.MappingNode {
		return false
	}
	md := n.Field("metadata")
	return md == nil || yaml.IsMissingOrNull(md.Value) || resolveAlias(md.Value.YNode()).Kind == yaml.MappingNode
}

// checkItem refuses what is not a Kubernetes object in shape: kyaml (and
// every runner) expects a mapping with metadata, labels and annotations
// as mappings of strings.
func checkItem(n *yaml.RNode) (field string, err error) {
	if n.YNode().Kind != yaml.MappingNode {
		return "", fmt.Errorf("not an object (a YAML mapping)")
	}
	md := n.Field("metadata")
	if md == nil || yaml.IsMissingOrNull(md.Value) {
		return "", nil
	}
	if md.Value.YNode().Kind != yaml.MappingNode {
		return "metadata", fmt.Errorf("metadata is not a mapping")
	}
	for _, f := range []string{"labels", "annotations"} {
		v := md.Value.Field(f)
		if v == nil || yaml.IsMissingOrNull(v.Value) {
			continue
		}
		// An alias to a mapping (labels: *lbl) is a mapping: the function
		// expands aliases before any processor looks at the item.
		m := resolveAlias(v.Value.YNode())
		if m.Kind != yaml.MappingNode {
			return "metadata." + f, fmt.Errorf("metadata.%s is not a mapping", f)
		}
		c := m.Content
		for j := 0; j+1 < len(c); j += 2 {
			if resolveAlias(c[j]).Kind != yaml.ScalarNode || resolveAlias(c[j+1]).Kind != yaml.ScalarNode {
				return "metadata." + f + "." + c[j].Value, fmt.Errorf("metadata.%s.%s is not a string", f, c[j].Value)
			}
		}
	}
	return "", nil
}

// resolveAlias follows an alias to the node it names (a chain of aliases
// cannot exist in YAML: an alias names an anchored node, never an alias).
func resolveAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func describeItem(n *yaml.RNode) string {
	if n.YNode().Kind != yaml.MappingNode {
		return ""
	}
	var parts []string
	for _, f := range []string{"kind", "apiVersion"} {
		if v := n.Field(f); v != nil && v.Value.YNode().Kind == yaml.ScalarNode && v.Value.YNode().Value != "" {
			parts = append(parts, v.Value.YNode().Value)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, " ") + ")"
}

// Write serialises the ResourceList, results included. Items kyaml's
// writer cannot handle (not objects in shape, see Invalid) are written as
// they are.
func (rl *ResourceList) Write(w io.Writer) error {
	if len(rl.Invalid) > 0 {
		return rl.writeRaw(w)
	}
	var buf bytes.Buffer
	if err := rl.safeWrite(&buf); err != nil {
		return rl.writeRaw(w)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// safeWrite is write, with a panic of kyaml's writer as an error.
func (rl *ResourceList) safeWrite(w io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("kyaml's writer: %v", r)
		}
	}()
	return rl.write(w)
}

// writeRaw encodes the list as it is, without kio.ByteWriter (which reads
// and clears annotations of every item, and fails on items that are not
// objects).
func (rl *ResourceList) writeRaw(w io.Writer) error {
	items := &yaml.Node{Kind: yaml.SequenceNode}
	for _, it := range rl.Items {
		items.Content = append(items.Content, it.YNode())
	}
	list := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "apiVersion"}, {Kind: yaml.ScalarNode, Value: kio.ResourceListAPIVersion},
		{Kind: yaml.ScalarNode, Value: "kind"}, {Kind: yaml.ScalarNode, Value: kio.ResourceListKind},
		{Kind: yaml.ScalarNode, Value: "items"}, items,
	}}
	if rl.FunctionConfig != nil {
		list.Content = append(list.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "functionConfig"}, rl.FunctionConfig.YNode())
	}
	if len(rl.Results) > 0 {
		node, err := resultsNode(rl.Results)
		if err != nil {
			return err
		}
		list.Content = append(list.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "results"}, node.YNode())
	}
	restore, _ := spellNulls(rl.Items)
	defer restore()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{list}}); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (rl *ResourceList) write(w io.Writer) error {
	bw := kio.ByteWriter{
		Writer:                w,
		KeepReaderAnnotations: true,
		FunctionConfig:        rl.FunctionConfig,
		WrappingKind:          kio.ResourceListKind,
		WrappingAPIVersion:    kio.ResourceListAPIVersion,
	}
	if len(rl.Results) > 0 {
		node, err := resultsNode(rl.Results)
		if err != nil {
			return err
		}
		bw.Results = node
	}
	restore, footComments := spellNulls(rl.Items)
	defer restore()
	if !footComments {
		return bw.Write(rl.Items)
	}
	// yaml.v3 re-attaches some foot comments to a deeper node when it
	// reads a list back (a comment after a nested block in one item moves
	// under that block): the bytes a runner reads from us would then change
	// on the next run. Emit the fixed point of read-and-write instead, so
	// running on our own output gives the same bytes.
	var buf bytes.Buffer
	bw.Writer = &buf
	if err := bw.Write(rl.Items); err != nil {
		return err
	}
	out := buf.Bytes()
	for range 3 {
		next, err := reencode(out)
		if err != nil || bytes.Equal(next, out) {
			break
		}
		out = next
	}
	_, err := w.Write(out)
	return err
}

// SpellNulls writes "null" into the empty null scalars yaml.v3's emitter
// cannot write plain (inside a flow collection, or as a mapping key): it
// would single-quote them, and the value would read back as an empty
// string ({a: 1, b} becoming {a: 1, b: ""}), a different value than the
// one read (a null deletes a field in a merge; an empty string sets it).
// The returned function restores the nodes; call it once they are written.
func SpellNulls(items []*yaml.RNode) (restore func()) {
	restore, _ = spellNulls(items)
	return restore
}

// spellNulls is SpellNulls, and reports whether any node carries a foot
// comment, the only comments yaml.v3 may move on a read-write cycle.
func spellNulls(items []*yaml.RNode) (restore func(), footComments bool) {
	var spelled []*yaml.Node
	var walk func(n *yaml.Node, flow bool)
	walk = func(n *yaml.Node, flow bool) {
		if n == nil {
			return
		}
		footComments = footComments || n.FootComment != ""
		switch n.Kind {
		case yaml.ScalarNode:
			if flow && n.Value == "" && n.Style == 0 && n.ShortTag() == yaml.NodeTagNull {
				n.Value = "null"
				spelled = append(spelled, n)
			}
		case yaml.MappingNode:
			flow = flow || n.Style&yaml.FlowStyle != 0
			for i, c := range n.Content {
				walk(c, flow || i%2 == 0)
			}
		case yaml.SequenceNode, yaml.DocumentNode:
			flow = flow || n.Style&yaml.FlowStyle != 0
			for _, c := range n.Content {
				walk(c, flow)
			}
		}
	}
	for _, it := range items {
		if it != nil {
			walk(it.YNode(), false)
		}
	}
	return func() {
		for _, n := range spelled {
			n.Value = ""
		}
	}, footComments
}

// reencode parses and re-serialises one YAML document with kyaml, whose
// encoder is the one kio.ByteWriter uses.
func reencode(in []byte) ([]byte, error) {
	n, err := yaml.Parse(string(in))
	if err != nil {
		return nil, err
	}
	s, err := n.String()
	return []byte(s), err
}

func resultsNode(results framework.Results) (*yaml.RNode, error) {
	b, err := yaml.Marshal(results)
	if err != nil {
		return nil, fmt.Errorf("encoding results: %w", err)
	}
	return yaml.Parse(string(b))
}

// Context carries what a processor may use beyond the ResourceList.
type Context struct {
	// Root confines every file read (template files named in extends) to
	// the directory the runner gave the function; nil refuses file reads.
	Root *os.Root
}

// Processor handles one functionConfig kind. It returns the new item list.
// When it reports an error it must not have changed any input node: the
// runner then writes the input items back unchanged.
type Processor interface {
	Process(ctx *Context, rl *ResourceList) ([]*yaml.RNode, Problems)
}

// Sensitive is implemented by processors that know input values to be
// secret beyond what the runner recognises itself (Secret data,
// credential-looking keys and values): the runner masks them in every
// result and on stderr.
type Sensitive interface {
	Sensitive(ctx *Context, rl *ResourceList) []string
}

// ProcessorFunc adapts a function to Processor.
type ProcessorFunc func(ctx *Context, rl *ResourceList) ([]*yaml.RNode, Problems)

// Process implements Processor.
func (f ProcessorFunc) Process(ctx *Context, rl *ResourceList) ([]*yaml.RNode, Problems) {
	return f(ctx, rl)
}
