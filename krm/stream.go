package krm

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Split is a ResourceList cut into its parts without parsing the items:
// the byte range of each item, the functionConfig (parsed) and the byte
// range of the functionConfig section. A processor that works item by
// item (StreamProcessor) parses one item at a time with Item, so the
// memory a run needs is the input plus the largest item, and items it
// leaves alone are written back as their input bytes.
//
// SplitResourceList accepts only the block-style form kyaml, kustomize and
// kpt write: a mapping at column 0 with apiVersion, kind, items (a block
// sequence, "- " entries at one indentation) and functionConfig (and
// results, which a function replaces). Anything else, flow style (JSON
// included), directives, several documents, CRLF line ends, items that
// are not mappings, is not split: the caller reads the whole list with
// Read instead, which handles (or refuses) all of it.
type Split struct {
	in     []byte
	items  []span // each item, from its "-" line to its last line
	indent int    // column of the items' "-"
	region span   // after the "items:" line to the end of the items section
	fc     span   // the functionConfig section, its key line included
	// FunctionConfig is the parsed functionConfig (nil when there is none).
	FunctionConfig *yaml.RNode
}

type span struct{ start, end int }

// Len is the number of items.
func (s *Split) Len() int { return len(s.items) }

// Raw returns the input bytes of item i: its entry of the items sequence,
// "- " and indentation included.
func (s *Split) Raw(i int) []byte { return s.in[s.items[i].start:s.items[i].end] }

// SplitResourceList cuts in into items; ok is false for any input it does
// not handle (see Split), which must then be read with Read. want, when
// not nil, sees the functionConfig section's bytes before anything is
// parsed: false ends the split there (a list the caller would not stream
// is not parsed twice).
func SplitResourceList(in []byte, want func(fc []byte) bool) (s *Split, ok bool) {
	if len(in) == 0 || in[len(in)-1] != '\n' || bytes.IndexByte(in, '\r') >= 0 || bytes.HasPrefix(in, []byte("\xef\xbb\xbf")) || !utf8.Valid(in) {
		return nil, false
	}
	s = &Split{in: in, indent: -1}
	type section struct {
		key        string
		start, end int // the key line to the last line that is not a comment or blank at column 0
	}
	var sections []section
	itemsSeen := false
	pos := 0
	started := false // past the leading comments and "---"
	var cur *section
	inItems := false
	var item *span
	lowComment := false // a comment at or left of the items' "-" since the item's last content line
	closeItem := func() {
		if item != nil {
			s.items = append(s.items, *item)
			item = nil
		}
	}
	for pos < len(in) {
		eol := bytes.IndexByte(in[pos:], '\n')
		next := pos + eol + 1
		line := in[pos : pos+eol]
		ind := 0
		for ind < len(line) && line[ind] == ' ' {
			ind++
		}
		rest := line[ind:]
		blank := len(rest) == 0
		comment := !blank && rest[0] == '#'
		switch {
		case !started && (blank || (comment && ind == 0)):
			pos = next
			continue
		case !started && pos == 0 && isDocStart(line):
			started = true
			pos = next
			continue
		}
		started = true
		if inItems {
			itemStart := !blank && !comment && (string(rest) == "-" || bytes.HasPrefix(rest, []byte("- ")))
			switch {
			case blank:
				if item != nil && !lowComment {
					item.end = next
				}
				pos = next
				continue
			case comment:
				if item != nil {
					if s.indent >= 0 && ind > s.indent {
						item.end = next
					} else {
						lowComment = true
					}
				}
				pos = next
				continue
			case ind == 0 && !itemStart:
				// the next top-level key ends the items
				closeItem()
				s.region.end = pos
				cur.end = pos
				inItems = false
			case s.indent < 0:
				if !itemStart {
					return nil, false
				}
				s.indent = ind
				item = &span{start: pos, end: next}
				lowComment = false
				pos = next
				continue
			case ind < s.indent:
				return nil, false
			case ind == s.indent:
				if !itemStart {
					return nil, false
				}
				closeItem()
				item = &span{start: pos, end: next}
				lowComment = false
				pos = next
				continue
			default: // inside the current item
				item.end = next
				lowComment = false
				pos = next
				continue
			}
		}
		// top level
		switch {
		case blank || comment:
			pos = next
			continue
		case ind > 0 || string(rest) == "-" || bytes.HasPrefix(rest, []byte("- ")):
			// inside the current key's value (a sequence may start at
			// column 0: "results:\n- message: ...")
			if cur == nil {
				return nil, false
			}
			cur.end = next
			pos = next
			continue
		}
		key, value, ok := topKey(line)
		if !ok {
			return nil, false
		}
		for _, sec := range sections {
			if sec.key == key {
				return nil, false // a key twice
			}
		}
		sections = append(sections, section{key: key, start: pos, end: next})
		cur = &sections[len(sections)-1]
		switch key {
		case "items":
			if value != "" || itemsSeen {
				return nil, false // items: [] and other flow forms
			}
			itemsSeen, inItems = true, true
			s.region = span{start: next, end: len(in)}
		case "apiVersion", "kind", "functionConfig", "results":
		default:
			return nil, false
		}
		pos = next
	}
	if inItems {
		closeItem()
		s.region.end = len(in)
		cur.end = len(in)
	}
	if !itemsSeen || len(s.items) == 0 {
		return nil, false
	}
	// The document around the items, parsed on its own: an alias in it to
	// an anchor in the items (or the reverse) fails here or in Item.
	var head bytes.Buffer
	for _, sec := range sections {
		if sec.key == "items" {
			continue
		}
		end := sec.end
		if sec.key == "functionConfig" {
			s.fc = span{sec.start, trimLowTail(in, sec.start, end)}
			end = s.fc.end
		}
		head.Write(in[sec.start:end])
	}
	if want != nil && !want(in[s.fc.start:s.fc.end]) {
		return nil, false
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(&head).Decode(&doc); err != nil {
		return nil, false
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode || doc.Content[0].Style != 0 {
		return nil, false
	}
	top := doc.Content[0]
	kind := false
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "kind":
			if v.Kind != yaml.ScalarNode || v.Value != kio.ResourceListKind {
				return nil, false
			}
			kind = true
		case "apiVersion":
			if v.Kind != yaml.ScalarNode {
				return nil, false
			}
		case "functionConfig":
			s.FunctionConfig = yaml.NewRNode(v)
		}
	}
	if !kind || s.FunctionConfig == nil || s.FunctionConfig.YNode().Kind != yaml.MappingNode {
		return nil, false
	}
	return s, true
}

func isDocStart(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := bytes.TrimLeft(line[3:], " ")
	return len(rest) == 0 || (len(rest) < len(line)-3 && rest[0] == '#')
}

// topKey reads a top-level "key:" line: a plain key of letters and
// digits, then nothing, a comment or a value.
func topKey(line []byte) (key, value string, ok bool) {
	i := 0
	for i < len(line) && (line[i] >= 'a' && line[i] <= 'z' || line[i] >= 'A' && line[i] <= 'Z' || i > 0 && line[i] >= '0' && line[i] <= '9') {
		i++
	}
	if i == 0 || i >= len(line) || line[i] != ':' {
		return "", "", false
	}
	key = string(line[:i])
	rest := line[i+1:]
	if len(rest) > 0 && rest[0] != ' ' {
		return "", "", false
	}
	rest = bytes.TrimLeft(rest, " ")
	if len(rest) > 0 && rest[0] == '#' {
		rest = nil
	}
	return key, string(rest), true
}

// trimLowTail drops the blank lines and column-0 comments that end
// in[start:end].
func trimLowTail(in []byte, start, end int) int {
	for end > start {
		prev := bytes.LastIndexByte(in[start:end-1], '\n') + 1 + start
		line := in[prev : end-1]
		if len(bytes.TrimLeft(line, " ")) == 0 || line[0] == '#' {
			end = prev
			continue
		}
		break
	}
	return end
}

// Item parses item i. ok is false when it does not parse on its own (an
// alias to an anchor of another item, a quoted string that the split cut,
// ...) or is not a mapping: the caller then reads the whole list with Read.
func (s *Split) Item(i int) (n *yaml.RNode, ok bool) {
	n, err := s.ReadItem(s.Raw(i))
	return n, err == nil
}

// ReadItem parses raw, one entry of the items sequence in the list's
// indentation, as Item parses an item (for bytes Splice or EncodeItem
// wrote).
func (s *Split) ReadItem(raw []byte) (*yaml.RNode, error) {
	if bytes.IndexByte(raw, '+') >= 0 && keepChomping.Match(raw) {
		// a block scalar that keeps its trailing blank lines: how many it
		// keeps depends on what follows the item
		return nil, errNotAlone
	}
	want := 1
	if bytes.IndexByte(raw, '#') >= 0 {
		// yaml.v3 attaches a comment at the end of the item to a node
		// that depends on what follows: parse it followed by another
		// item, as it is in the list.
		next := make([]byte, 0, len(raw)+s.indent+8)
		next = append(append(append(next, raw...), bytes.Repeat([]byte(" "), s.indent)...), "- ~\n"...)
		raw, want = next, 2
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(raw)).Decode(&doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errNotAlone
	}
	seq := doc.Content[0]
	if seq.Kind != yaml.SequenceNode || seq.Style != 0 || len(seq.Content) != want || seq.Content[0].Kind != yaml.MappingNode {
		return nil, errNotAlone
	}
	if want == 2 && (seq.Content[1].Kind != yaml.ScalarNode || seq.Content[1].Value != "~" || seq.Content[1].HeadComment != "") {
		return nil, errNotAlone
	}
	return yaml.NewRNode(seq.Content[0]), nil
}

var errNotAlone = fmt.Errorf("not one mapping that parses on its own")

var keepChomping = regexp.MustCompile(`[|>][1-9]?\+|[|>]\+[1-9]`)

// EncodeItem serialises one item as an entry of the items sequence, in
// the indentation of the input's items, the way Write serialises it in a
// whole list: empty annotations dropped, nulls in flow collections
// spelled, foot comments at their fixed point.
func (s *Split) EncodeItem(n *yaml.RNode) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("kyaml's writer: %v", r)
		}
	}()
	if err := yaml.ClearEmptyAnnotations(n); err != nil {
		return nil, err
	}
	restore, footComments := spellNulls([]*yaml.RNode{n})
	defer restore()
	seq := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n.YNode()}}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{seq}}
	if footComments {
		// yaml.v3 moves some foot comments on a read-write cycle, to where
		// depends on what follows: write the item as the whole-list path
		// does, under items: and followed by another item, and take the
		// fixed point of read-and-write of that (see write).
		seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: sentinelKey}, {Kind: yaml.ScalarNode, Value: "x"}}})
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "items"}, seq}}}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	out = buf.Bytes()
	if footComments {
		for range 3 {
			next, err := reencode(out)
			if err != nil || bytes.Equal(next, out) {
				break
			}
			out = next
		}
		// what is left of the sentinel: "items:\n" before, "- sentinel: x\n" after
		tail := []byte("\n- " + sentinelKey + ": x\n")
		if !bytes.HasPrefix(out, []byte("items:\n")) || !bytes.HasSuffix(out, tail) {
			return nil, fmt.Errorf("foot comments: the item did not read back in place")
		}
		out = out[len("items:\n") : len(out)-len(tail)+1]
	}
	return indentLines(out, s.indent), nil
}

// sentinelKey names the stand-in for the next item in EncodeItem.
const sentinelKey = "scenario-fn-next-item"

func indentLines(b []byte, n int) []byte {
	if n <= 0 {
		return b
	}
	pad := bytes.Repeat([]byte(" "), n)
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/16*n)
	for len(b) > 0 {
		eol := bytes.IndexByte(b, '\n')
		line := b
		if eol >= 0 {
			line = b[:eol+1]
		}
		if len(line) > 1 {
			out.Write(pad)
		}
		out.Write(line)
		b = b[len(line):]
	}
	return out.Bytes()
}

// Write writes the ResourceList: the items as they came, except item i
// replaced by the bytes replace(i) returns when it returns non-nil (an
// EncodeItem result), then the appended items, the functionConfig section
// as it came, and the results. The items' comments and blank lines
// between them are kept.
func (s *Split) Write(w io.Writer, replace func(i int) []byte, appended [][]byte, results framework.Results) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("apiVersion: " + kio.ResourceListAPIVersion + "\nkind: " + kio.ResourceListKind + "\nitems:\n")
	at := s.region.start
	for i, it := range s.items {
		if replace == nil {
			break
		}
		if b := replace(i); b != nil {
			bw.Write(s.in[at:it.start])
			bw.Write(b)
			at = it.end
		}
	}
	bw.Write(s.in[at:s.region.end])
	for _, b := range appended {
		bw.Write(b)
	}
	if s.fc.end > s.fc.start {
		bw.Write(s.in[s.fc.start:s.fc.end])
	}
	if len(results) > 0 {
		node, err := resultsNode(results)
		if err != nil {
			return err
		}
		enc := yaml.NewEncoder(bw)
		doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "results"}, node.YNode()}}}}
		if err := enc.Encode(doc); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// CheckObject is the check Read makes of every item and of the
// functionConfig: a mapping whose metadata, labels and annotations are
// mappings (of strings). An item that fails it makes Read report the list
// as Invalid.
func CheckObject(n *yaml.RNode) error {
	_, err := checkItem(n)
	return err
}

// StreamProcessor is a Processor that can also work item by item on a
// Split list (see fn): Start reads the functionConfig and whatever it
// needs from all items first (it may parse a few with items.Item), then
// the runner hands each item in order to the run's Item and finally calls
// Finish. ok=false from Start means: use Process on the whole list.
type StreamProcessor interface {
	Processor
	Start(ctx *Context, fc *yaml.RNode, items *Split) (run StreamRun, problems Problems, ok bool)
}

// StreamRun is one streaming run.
type StreamRun interface {
	// Item plans and applies the processor's edits of item i and reports
	// whether and how it changed the node (Change, for Split.Splice; a
	// change it does not describe must set Other). The node is not used
	// after the call returns, except for writing the item and masking
	// credentials in messages.
	Item(i int, n *yaml.RNode) Change
	// Finish returns the problems of the whole run (those of Start not
	// included) and the items the run replaces (by index) or appends, as
	// Process would. With an error among the problems, the runner writes
	// the input back unchanged and ignores the items.
	Finish() (problems Problems, replace map[int]*yaml.RNode, appended []*yaml.RNode)
}
