package krm

import (
	"bytes"
	"sort"
	"strconv"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Change says how a StreamRun changed the tree of an item, so that the
// runner can write the item as its input bytes with the changes spliced in
// (Split.Splice) instead of serialising the whole tree again.
type Change struct {
	// Changed: the tree is not the one parsed from the input.
	Changed bool
	// Scalars are scalar nodes whose value (or tag, or style) changed.
	Scalars []ScalarChange
	// Appended are block mappings with pairs appended.
	Appended []AppendChange
	// Other: a change that is none of these; Splice refuses the item.
	Other bool
}

// ScalarChange is a scalar node as it is now, and a copy of it as parsed.
type ScalarChange struct {
	Node *yaml.Node
	Was  yaml.Node
}

// AppendChange is a mapping whose pairs from Content[From] on were
// appended; the ones before are those parsed.
type AppendChange struct {
	Map  *yaml.Node
	From int
}

// Splice returns the bytes of item i with the changes c made to its tree
// n written into its input bytes: each changed scalar's text replaced by
// what EncodeItem writes for it in its place (its style kept unless the
// new value needs quoting), and appended pairs written as EncodeItem
// writes them, after the mapping's last line. Everything else is the
// input's bytes, comments and blank lines included. So where the input is
// written as EncodeItem writes it, Splice returns what EncodeItem returns
// for the changed tree (fn's differential test checks it), and elsewhere
// bytes that read back as the changed tree.
//
// ok is false, and the caller serialises the tree, whenever a change
// cannot be located exactly or written in place: a change of another
// kind, a scalar that is multi-line, a block scalar, tagged, anchored, a
// key, or not found at its line and column; an append to a flow mapping;
// a comment between the mapping's last line and what follows it; empty
// annotations or metadata (which EncodeItem drops).
func (s *Split) Splice(i int, n *yaml.RNode, c *Change) (out []byte, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			out, ok = nil, false
		}
	}()
	if c == nil || !c.Changed || c.Other || n == nil {
		return nil, false
	}
	root := n.YNode()
	if root == nil || root.Kind != yaml.MappingNode || dropsEmptyMetadata(root) {
		return nil, false
	}
	raw := s.Raw(i)
	lines := lineStarts(raw)
	w := spliceWalk{scalars: map[*yaml.Node]*scalarAt{}, maps: map[*yaml.Node]*mapAt{}}
	for _, sc := range c.Scalars {
		if _, dup := w.scalars[sc.Node]; !dup {
			w.scalars[sc.Node] = &scalarAt{was: sc.Was}
		}
	}
	for _, a := range c.Appended {
		if m, dup := w.maps[a.Map]; !dup || a.From < m.from {
			w.maps[a.Map] = &mapAt{from: a.From}
		}
	}
	w.walk(root, false, false, false)
	if w.failed {
		return nil, false
	}
	var ops []spliceOp
	for node, sa := range w.scalars {
		if !sa.found || sa.key {
			return nil, false
		}
		if sa.appended {
			continue // written with its block
		}
		op, ok := s.scalarOp(raw, lines, node, sa)
		if !ok {
			return nil, false
		}
		ops = append(ops, op)
	}
	for m, ma := range w.maps {
		op, ok := s.appendOp(raw, lines, m, ma)
		if !ok {
			return nil, false
		}
		ops = append(ops, op)
	}
	sort.Slice(ops, func(a, b int) bool {
		x, y := ops[a], ops[b]
		if x.start != y.start {
			return x.start < y.start
		}
		if x.insert != y.insert {
			return x.insert // lines go before a scalar that starts where they do
		}
		return x.depth > y.depth // a nested mapping's lines before its parent's
	})
	var b bytes.Buffer
	b.Grow(len(raw) + 256)
	at := 0
	for _, op := range ops {
		if op.start < at {
			return nil, false // overlapping changes
		}
		b.Write(raw[at:op.start])
		b.Write(op.text)
		at = op.end
	}
	b.Write(raw[at:])
	return b.Bytes(), true
}

type spliceOp struct {
	start, end int // the input bytes replaced (start == end: inserted)
	text       []byte
	insert     bool
	depth      int
}

type scalarAt struct {
	was                  yaml.Node
	found, key, appended bool
	flow                 bool
}

type mapAt struct {
	from        int
	found, flow bool
	lastKeyLine int
	nextLine    int // the line of the first parsed node after the mapping's parsed pairs (0: none)
	waiting     bool
}

type spliceWalk struct {
	scalars map[*yaml.Node]*scalarAt
	maps    map[*yaml.Node]*mapAt
	waiting []*mapAt
	failed  bool
}

// walk visits the tree in document order, recording where the changed
// scalars and mappings are, and for each changed mapping the line of the
// first parsed node after its parsed pairs.
func (w *spliceWalk) walk(n *yaml.Node, flow, key, appended bool) {
	if n == nil || w.failed {
		return
	}
	if appended {
		if n.Line > 0 {
			w.failed = true // a parsed node moved into new pairs
			return
		}
	} else if n.Line > 0 && len(w.waiting) > 0 {
		for _, m := range w.waiting {
			m.nextLine, m.waiting = n.Line, false
		}
		w.waiting = w.waiting[:0]
	}
	if n.Kind == yaml.AliasNode {
		w.failed = true
		return
	}
	if sa := w.scalars[n]; sa != nil {
		if sa.found {
			w.failed = true // reached twice
			return
		}
		sa.found, sa.key, sa.appended, sa.flow = true, key, appended, flow
	}
	flow = flow || n.Style&yaml.FlowStyle != 0
	switch n.Kind {
	case yaml.MappingNode:
		ma := w.maps[n]
		end := len(n.Content)
		if ma != nil {
			block := n.Style&yaml.FlowStyle == 0
			if ma.found || appended || block && (flow || ma.from < 2) || ma.from > len(n.Content) || ma.from%2 != 0 {
				w.failed = true
				return
			}
			ma.found, ma.flow, end = true, !block, ma.from
			if block {
				ma.lastKeyLine = n.Content[ma.from-2].Line
			}
		}
		for j := 0; j < end; j++ {
			w.walk(n.Content[j], flow, j%2 == 0, appended)
		}
		if ma != nil {
			ma.waiting = true
			w.waiting = append(w.waiting, ma)
			for j := end; j < len(n.Content); j++ {
				w.walk(n.Content[j], flow, j%2 == 0, true)
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			w.walk(c, flow, false, appended)
		}
	}
}

// scalarOp replaces the text of a changed scalar.
func (s *Split) scalarOp(raw []byte, lines []int, node *yaml.Node, sa *scalarAt) (spliceOp, bool) {
	was := sa.was
	if was.Kind != yaml.ScalarNode || node.Kind != yaml.ScalarNode || was.Line <= 0 || was.Line > len(lines) ||
		was.Anchor != "" || node.Anchor != "" || was.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 ||
		bytes.IndexByte([]byte(was.Value), '\n') >= 0 {
		return spliceOp{}, false
	}
	start, ok := columnOffset(raw, lines, was.Line, was.Column)
	if !ok {
		return spliceOp{}, false
	}
	end := -1
	switch {
	case was.Style&yaml.DoubleQuotedStyle != 0:
		if raw[start] != '"' {
			return spliceOp{}, false
		}
		for j := start + 1; j < len(raw) && raw[j] != '\n'; j++ {
			if raw[j] == '\\' {
				j++
				continue
			}
			if raw[j] == '"' {
				end = j + 1
				break
			}
		}
	case was.Style&yaml.SingleQuotedStyle != 0:
		if raw[start] != '\'' {
			return spliceOp{}, false
		}
		for j := start + 1; j < len(raw) && raw[j] != '\n'; j++ {
			if raw[j] == '\'' {
				if j+1 < len(raw) && raw[j+1] == '\'' {
					j++
					continue
				}
				end = j + 1
				break
			}
		}
	default:
		// A plain scalar: its text is its value, on one line (a value
		// folded from several lines has a blank where the text has a line
		// break, and does not match).
		if was.Value == "" || !bytes.HasPrefix(raw[start:], []byte(was.Value)) {
			return spliceOp{}, false
		}
		end = start + len(was.Value)
		if end < len(raw) {
			switch raw[end] {
			case '\n', ' ', ',', ']', '}':
			default:
				return spliceOp{}, false
			}
		}
	}
	if end < 0 {
		return spliceOp{}, false
	}
	text, ok := scalarText(node, sa.flow)
	if !ok {
		return spliceOp{}, false
	}
	return spliceOp{start: start, end: end, text: text}, true
}

// appendOp writes the appended pairs of mapping m after its last line.
func (s *Split) appendOp(raw []byte, lines []int, m *yaml.Node, ma *mapAt) (spliceOp, bool) {
	if !ma.found {
		return spliceOp{}, false
	}
	if ma.flow {
		return s.flowAppendOp(raw, lines, m, ma)
	}
	first := m.Content[0]
	if first.Line <= 0 || ma.lastKeyLine < first.Line {
		return spliceOp{}, false
	}
	col, ok := columnOffset(raw, lines, first.Line, first.Column)
	if !ok {
		return spliceOp{}, false
	}
	col -= lines[first.Line-1]
	for _, c := range raw[lines[first.Line-1] : lines[first.Line-1]+col] {
		if c != ' ' && c != '-' {
			return spliceOp{}, false
		}
	}
	// The last line of the mapping: the last line with content before
	// the node that follows it (or the item's end). A comment there may
	// belong to either: the tree is written instead.
	last := len(lines) - 1
	if ma.nextLine > 0 {
		if ma.nextLine <= ma.lastKeyLine || ma.nextLine > len(lines) {
			return spliceOp{}, false
		}
		last = ma.nextLine - 2
	}
	for ; last >= ma.lastKeyLine-1; last-- {
		line := lineAt(raw, lines, last)
		rest := bytes.TrimLeft(line, " ")
		if len(rest) == 0 {
			continue
		}
		if rest[0] == '#' || bytes.IndexByte(line, '\t') >= 0 && len(bytes.TrimLeft(line, " \t")) == 0 {
			return spliceOp{}, false
		}
		break
	}
	if last < ma.lastKeyLine-1 {
		return spliceOp{}, false
	}
	at := len(raw)
	if last+1 < len(lines) {
		at = lines[last+1]
	} else if raw[len(raw)-1] != '\n' {
		return spliceOp{}, false
	}
	pairs := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: m.Content[ma.from:]}
	text, ok := encodeBlock(pairs)
	if !ok {
		return spliceOp{}, false
	}
	return spliceOp{start: at, end: at, text: indentLines(text, col), insert: true, depth: col}, true
}

// flowAppendOp writes the appended pairs of a flow mapping on one line
// before its closing brace, as yaml.v3 writes them there.
func (s *Split) flowAppendOp(raw []byte, lines []int, m *yaml.Node, ma *mapAt) (spliceOp, bool) {
	if m.Line <= 0 || m.Anchor != "" || m.Style&yaml.TaggedStyle != 0 {
		return spliceOp{}, false
	}
	start, ok := columnOffset(raw, lines, m.Line, m.Column)
	if !ok || raw[start] != '{' {
		return spliceOp{}, false
	}
	end := flowEnd(raw, start)
	if end < 0 {
		return spliceOp{}, false
	}
	pairs := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Style: yaml.FlowStyle, Content: m.Content[ma.from:]}
	text, ok := encodeBlock(pairs)
	if !ok || len(text) < 3 || text[0] != '{' || !bytes.HasSuffix(text, []byte("}\n")) || bytes.Count(text, []byte("\n")) != 1 {
		return spliceOp{}, false
	}
	text = text[1 : len(text)-2]
	if ma.from > 0 {
		text = append([]byte(", "), text...)
	}
	return spliceOp{start: end, end: end, text: text, insert: true, depth: m.Column}, true
}

// flowEnd returns the offset of the brace that closes the flow mapping
// opened at raw[start], or -1 unless it closes on the same line with no
// comment before it. In flow context a plain scalar holds no brackets or
// braces, so counting them outside quotes is exact.
func flowEnd(raw []byte, start int) int {
	depth := 0
	for j := start; j < len(raw); j++ {
		switch raw[j] {
		case '\n':
			return -1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				if raw[j] != '}' {
					return -1
				}
				return j
			}
		case '#':
			if raw[j-1] == ' ' {
				return -1
			}
		case '"':
			for j++; j < len(raw) && raw[j] != '"'; j++ {
				switch raw[j] {
				case '\\':
					j++
				case '\n':
					return -1
				}
			}
		case '\'':
			// a '' inside the scalar closes and reopens it here
			for j++; j < len(raw) && raw[j] != '\''; j++ {
				if raw[j] == '\n' {
					return -1
				}
			}
		}
	}
	return -1
}

// encodeBlock writes a mapping as EncodeItem writes it at column 0. The
// pairs a processor appends repeat from item to item (a pull secret, a
// chart's repository): their text is cached by everything it depends on.
func encodeBlock(m *yaml.Node) (out []byte, ok bool) {
	key, cacheable := treeKey(make([]byte, 0, 256), m)
	if cacheable {
		blockTextsMu.Lock()
		t, hit := blockTexts[string(key)]
		blockTextsMu.Unlock()
		if hit {
			return t, t != nil
		}
	}
	out, ok = encodeBlockUncached(m)
	if cacheable {
		blockTextsMu.Lock()
		if blockTextsSize+len(key)+len(out) <= maxCacheBytes {
			blockTexts[string(key)] = out
			blockTextsSize += len(key) + len(out)
		}
		blockTextsMu.Unlock()
	}
	return out, ok
}

var (
	blockTextsMu   sync.Mutex
	blockTexts     = map[string][]byte{}
	blockTextsSize int
)

// maxCacheBytes bounds each of the two text caches (keys and texts): the
// process keeps at most that much, whatever the input.
const maxCacheBytes = 4 << 20

// treeKey appends to b what yaml.v3 reads of the tree n when it writes it
// (kinds, styles, tags, values, anchors, comments); false for large trees
// and aliases, which are not cached.
func treeKey(b []byte, n *yaml.Node) ([]byte, bool) {
	if len(b) > 16<<10 || n.Kind == yaml.AliasNode {
		return b, false
	}
	b = append(b, byte(n.Kind), byte(n.Style), byte(n.Style>>8))
	for _, s := range [...]string{n.Tag, n.Value, n.Anchor, n.HeadComment, n.LineComment, n.FootComment} {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	b = strconv.AppendInt(b, int64(len(n.Content)), 10)
	b = append(b, '(')
	for _, c := range n.Content {
		var ok bool
		if b, ok = treeKey(b, c); !ok {
			return b, false
		}
	}
	return append(b, ')'), true
}

func encodeBlockUncached(m *yaml.Node) (out []byte, ok bool) {
	restore, footComments := spellNulls([]*yaml.RNode{yaml.NewRNode(m)})
	defer restore()
	if footComments {
		return nil, false
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}}) != nil || enc.Close() != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// scalarKey is what the text yaml.v3 writes for a scalar depends on.
type scalarKey struct {
	value, tag string
	style      yaml.Style
	flow       bool
}

var (
	scalarTextsMu   sync.Mutex
	scalarTexts     = map[scalarKey][]byte{}
	scalarTextsSize int
)

// scalarText is the text yaml.v3 writes for the scalar node as a value in
// block (or flow) context, when it is one line: the style the node asks
// for, unless its value needs another (the emitter's choice depends only
// on the value, the tag, the style and whether the context is flow).
func scalarText(node *yaml.Node, flow bool) ([]byte, bool) {
	k := scalarKey{value: node.Value, tag: node.Tag, style: node.Style, flow: flow}
	scalarTextsMu.Lock()
	t, hit := scalarTexts[k]
	scalarTextsMu.Unlock()
	if hit {
		return t, t != nil
	}
	v := &yaml.Node{Kind: yaml.ScalarNode, Value: node.Value, Tag: node.Tag, Style: node.Style}
	if flow && v.Value == "" && v.Style == 0 && v.ShortTag() == yaml.NodeTagNull {
		v.Value = "null" // as EncodeItem spells it (spellNulls)
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "k"}, v}}
	prefix, suffix := "k: ", "\n"
	if flow {
		m.Style = yaml.FlowStyle
		prefix, suffix = "{k: ", "}\n"
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}})
	if err == nil {
		err = enc.Close()
	}
	b := buf.Bytes()
	t = nil
	if err == nil && bytes.HasPrefix(b, []byte(prefix)) && bytes.HasSuffix(b, []byte(suffix)) {
		t = b[len(prefix) : len(b)-len(suffix)]
		if len(t) == 0 || bytes.IndexByte(t, '\n') >= 0 || t[0] == '|' || t[0] == '>' {
			t = nil
		}
	}
	scalarTextsMu.Lock()
	if size := len(k.value) + len(k.tag) + len(t) + 64; scalarTextsSize+size <= maxCacheBytes {
		scalarTexts[k] = t
		scalarTextsSize += size
	}
	scalarTextsMu.Unlock()
	return t, t != nil
}

// dropsEmptyMetadata: EncodeItem (yaml.ClearEmptyAnnotations) would drop
// metadata.annotations or metadata.
func dropsEmptyMetadata(root *yaml.Node) bool {
	for j := 0; j+1 < len(root.Content); j += 2 {
		if root.Content[j].Value != yaml.MetadataField {
			continue
		}
		meta := root.Content[j+1]
		if len(meta.Content) == 0 {
			return true
		}
		for k := 0; k+1 < len(meta.Content); k += 2 {
			if meta.Content[k].Value == yaml.AnnotationsField && len(meta.Content[k+1].Content) == 0 {
				return true
			}
		}
	}
	return false
}

// lineStarts returns the offset of each line of b.
func lineStarts(b []byte) []int {
	out := make([]int, 1, bytes.Count(b, []byte("\n"))+1)
	for j, c := range b {
		if c == '\n' && j+1 < len(b) {
			out = append(out, j+1)
		}
	}
	return out
}

func lineAt(b []byte, lines []int, l int) []byte {
	end := len(b)
	if l+1 < len(lines) {
		end = lines[l+1] - 1
	} else if end > 0 && b[end-1] == '\n' {
		end--
	}
	return b[lines[l]:end]
}

// columnOffset is the offset of yaml.v3's 1-based line and column (which
// counts characters) in b.
func columnOffset(b []byte, lines []int, line, column int) (int, bool) {
	if line <= 0 || line > len(lines) || column <= 0 {
		return 0, false
	}
	at := lines[line-1]
	for c := 1; c < column; c++ {
		if at >= len(b) || b[at] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(b[at:])
		at += size
	}
	if at >= len(b) || b[at] == '\n' {
		return 0, false
	}
	return at, true
}

// Diff describes how after differs from before, a copy of it made before
// the changes (CopyTree): for a processor whose edits are not simple to
// describe one by one. Scalars that differ are ScalarChanges, mappings
// that have gained pairs after all of those they had are AppendChanges,
// and anything else (a kind or style changed, a comment, a pair removed or
// reordered, a sequence that grew, an alias) sets Other.
func Diff(before, after *yaml.Node) Change {
	c := Change{Changed: true}
	diff(before, after, &c)
	return c
}

func diff(b, a *yaml.Node, c *Change) {
	if c.Other {
		return
	}
	if b.Kind != a.Kind || b.HeadComment != a.HeadComment || b.LineComment != a.LineComment || b.FootComment != a.FootComment ||
		b.Anchor != a.Anchor || b.Kind == yaml.AliasNode {
		c.Other = true
		return
	}
	switch b.Kind {
	case yaml.ScalarNode:
		if b.Value != a.Value || b.Tag != a.Tag || b.Style != a.Style {
			c.Scalars = append(c.Scalars, ScalarChange{Node: a, Was: *b})
		}
		return
	case yaml.MappingNode:
		if len(a.Content) > len(b.Content) {
			c.Appended = append(c.Appended, AppendChange{Map: a, From: len(b.Content)})
		}
	}
	if b.Style != a.Style || b.Tag != a.Tag || len(a.Content) < len(b.Content) ||
		b.Kind != yaml.MappingNode && len(a.Content) != len(b.Content) {
		c.Other = true
		return
	}
	for j := range b.Content {
		diff(b.Content[j], a.Content[j], c)
	}
}

// CopyTree is a deep copy of n for Diff (aliases are not followed: a
// tree with aliases is not streamed).
func CopyTree(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for j, ch := range n.Content {
			c.Content[j] = CopyTree(ch)
		}
	}
	return &c
}
