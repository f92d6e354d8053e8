// Package yamlbin is a compact binary form of parsed YAML node trees
// (yaml.v3 nodes: kind, style, tag, value, anchor, comments, line and
// column, children), for YAML the function embeds and would otherwise parse
// on every process start: the built-in catalog. Decoding it is several
// times cheaper than parsing the YAML; a test of the embedding package
// checks that the embedded form is current and decodes to exactly the
// nodes the YAML parses to.
//
// The form is: the magic line, a string table, then named sections, each a
// list of documents (node trees). Aliases are not encoded (Encode refuses
// them): the embedded YAML has none.
package yamlbin

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"go.yaml.in/yaml/v3"
)

const magic = "scenario-fn yamlbin 1\n"

// Section is one named list of documents.
type Section struct {
	Name string
	Docs []*yaml.Node
}

// Encode writes the sections, in order.
func Encode(sections []Section) ([]byte, error) {
	e := &encoder{index: map[string]int{}}
	e.str("")
	var table, body []byte
	for _, s := range sections {
		n := 0
		for _, d := range s.Docs {
			c, err := count(d)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
			n += c
		}
		start := len(body)
		for _, d := range s.Docs {
			body = e.node(body, d)
		}
		table = binary.AppendUvarint(table, uint64(e.str(s.Name)))
		table = binary.AppendUvarint(table, uint64(len(s.Docs)))
		table = binary.AppendUvarint(table, uint64(n))
		table = binary.AppendUvarint(table, uint64(len(body)-start))
	}
	out := []byte(magic)
	out = binary.AppendUvarint(out, uint64(len(e.strs)))
	for _, s := range e.strs {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	out = binary.AppendUvarint(out, uint64(len(sections)))
	out = append(out, table...)
	return append(out, body...), nil
}

func count(n *yaml.Node) (int, error) {
	if n == nil {
		return 0, errors.New("nil node")
	}
	if n.Kind == yaml.AliasNode || n.Alias != nil {
		return 0, errors.New("YAML aliases are not encoded")
	}
	c := 1
	for _, ch := range n.Content {
		k, err := count(ch)
		if err != nil {
			return 0, err
		}
		c += k
	}
	return c, nil
}

type encoder struct {
	strs  []string
	index map[string]int
}

func (e *encoder) str(s string) int {
	if i, ok := e.index[s]; ok {
		return i
	}
	e.index[s] = len(e.strs)
	e.strs = append(e.strs, s)
	return len(e.strs) - 1
}

func (e *encoder) node(b []byte, n *yaml.Node) []byte {
	b = append(b, byte(n.Kind))
	b = binary.AppendUvarint(b, uint64(n.Style))
	for _, s := range [...]string{n.Tag, n.Value, n.Anchor, n.HeadComment, n.LineComment, n.FootComment} {
		b = binary.AppendUvarint(b, uint64(e.str(s)))
	}
	b = binary.AppendUvarint(b, uint64(n.Line))
	b = binary.AppendUvarint(b, uint64(n.Column))
	b = binary.AppendUvarint(b, uint64(len(n.Content)))
	for _, c := range n.Content {
		b = e.node(b, c)
	}
	return b
}

// File is an encoded file with its string table and section index read;
// sections are decoded when asked for. It is safe for concurrent use.
type File struct {
	// Names lists the sections, sorted.
	Names    []string
	strs     []string
	sections map[string]section
}

type section struct {
	docs, nodes int
	body        []byte
}

// Open reads the string table and the section index of data, written by
// Encode. Every length and index is checked (here and by Section), so a
// damaged file is an error, never a panic.
func Open(data []byte) (*File, error) {
	if len(data) < len(magic) || string(data[:len(magic)]) != magic {
		return nil, errors.New("yamlbin: not a yamlbin file")
	}
	r := &reader{b: data[len(magic):]}
	ns := r.uint(len(r.b))
	f := &File{strs: make([]string, 0, ns)}
	blob := string(r.b) // one copy; the strings are slices of it
	for i := 0; i < ns && r.err == nil; i++ {
		l := r.uint(len(r.b))
		start := len(blob) - len(r.b)
		r.skip(l)
		if r.err == nil {
			f.strs = append(f.strs, blob[start:start+l])
		}
	}
	r.strs = f.strs
	nsec := r.uint(len(r.b))
	type entry struct {
		name               string
		docs, nodes, bytes int
	}
	var entries []entry
	for i := 0; i < nsec && r.err == nil; i++ {
		e := entry{name: r.str()}
		e.docs, e.nodes, e.bytes = r.uint(len(r.b)), r.uint(len(data)), r.uint(len(r.b))
		entries = append(entries, e)
	}
	f.sections = make(map[string]section, len(entries))
	for _, e := range entries {
		body := r.b
		r.skip(e.bytes)
		if r.err != nil {
			break
		}
		f.sections[e.name] = section{docs: e.docs, nodes: e.nodes, body: body[:e.bytes]}
		f.Names = append(f.Names, e.name)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return nil, fmt.Errorf("yamlbin: %w", r.err)
	}
	sort.Strings(f.Names)
	return f, nil
}

// Section decodes the documents of section name; ok is false when the
// file has no such section. Every call returns new nodes.
func (f *File) Section(name string) (docs []*yaml.Node, ok bool, err error) {
	s, ok := f.sections[name]
	if !ok {
		return nil, false, nil
	}
	r := &reader{b: s.body, strs: f.strs, slab: make([]yaml.Node, s.nodes)}
	docs = make([]*yaml.Node, 0, s.docs)
	for j := 0; j < s.docs && r.err == nil; j++ {
		docs = append(docs, r.node(0))
	}
	if r.err == nil && (len(r.slab) != 0 || len(r.b) != 0) {
		r.err = fmt.Errorf("%d nodes and %d bytes left over", len(r.slab), len(r.b))
	}
	if r.err != nil {
		return nil, true, fmt.Errorf("yamlbin: section %s: %w", name, r.err)
	}
	return docs, true, nil
}

// maxDepth bounds nesting, so that a damaged file cannot exhaust the stack.
const maxDepth = 1000

type reader struct {
	b    []byte
	strs []string
	slab []yaml.Node
	err  error
}

// uint reads a varint that must not exceed limit.
func (r *reader) uint(limit int) int {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > uint64(limit) {
		r.err = errors.New("bad length")
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

func (r *reader) skip(n int) {
	if r.err == nil && n > len(r.b) {
		r.err = errors.New("truncated")
	}
	if r.err == nil {
		r.b = r.b[n:]
	}
}

func (r *reader) str() string {
	if r.err == nil && len(r.strs) == 0 {
		r.err = errors.New("no string table")
	}
	i := r.uint(len(r.strs) - 1)
	if r.err != nil {
		return ""
	}
	return r.strs[i]
}

func (r *reader) node(depth int) *yaml.Node {
	if r.err != nil {
		return nil
	}
	if depth > maxDepth || len(r.slab) == 0 || len(r.b) == 0 {
		r.err = errors.New("damaged node")
		return nil
	}
	n := &r.slab[0]
	r.slab = r.slab[1:]
	n.Kind = yaml.Kind(r.b[0])
	r.b = r.b[1:]
	n.Style = yaml.Style(r.uint(1 << 16))
	n.Tag, n.Value, n.Anchor = r.str(), r.str(), r.str()
	n.HeadComment, n.LineComment, n.FootComment = r.str(), r.str(), r.str()
	n.Line, n.Column = r.uint(1<<30), r.uint(1<<30)
	k := r.uint(len(r.slab))
	if r.err != nil {
		return nil
	}
	if k > 0 {
		n.Content = make([]*yaml.Node, k)
		for i := range n.Content {
			n.Content[i] = r.node(depth + 1)
		}
	}
	return n
}
