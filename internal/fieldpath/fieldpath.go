package fieldpath

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kurator-scenario/scenario-fn/internal/yamlnode"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Kind is the kind of a segment.
type Kind uint8

const (
	// KeyKind is a map key (Segment.Key).
	KeyKind Kind = iota
	// IndexKind is a list element by its position (Segment.Index).
	IndexKind
	// SelectorKind is a list element by the value of one of its keys
	// ([Segment.Key=Segment.Value]).
	SelectorKind
)

// Segment is one step of a path. It is comparable.
type Segment struct {
	Kind  Kind
	Key   string // the map key, or the selector's key
	Value string // the selector's value
	Index int    // the list index
}

// Key is the segment of a map key.
func Key(k string) Segment { return Segment{Kind: KeyKind, Key: k} }

// Index is the segment of a list element by position (i >= 0).
func Index(i int) Segment { return Segment{Kind: IndexKind, Index: i} }

// Select is the segment of a list element whose key has value: [key=value].
func Select(key, value string) Segment { return Segment{Kind: SelectorKind, Key: key, Value: value} }

// Element names the list element el at index i: [name=x] when it is a map
// with a non-empty scalar name, else its index.
func Element(el *yaml.Node, i int) Segment { return ElementBy(el, i, "name") }

// ElementBy names the list element el at index i by the list's merge key
// ("" means name): [key=x] when el is a map with a non-empty scalar value
// of key, else its index.
func ElementBy(el *yaml.Node, i int, key string) Segment {
	if key == "" {
		key = "name"
	}
	if v := yamlnode.MapValue(el, key); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
		return Select(key, v.Value)
	}
	return Index(i)
}

// String spells the segment (see the package documentation).
func (s Segment) String() string {
	switch {
	case s.Kind == IndexKind:
		return strconv.Itoa(s.Index)
	case s.Kind == KeyKind && !needsBrackets(s.Key):
		return s.Key
	}
	var b strings.Builder
	b.Grow(s.len())
	s.write(&b)
	return b.String()
}

// len is the length of the segment's spelling.
func (s Segment) len() int {
	switch s.Kind {
	case IndexKind:
		n := 1
		for i := s.Index; i >= 10; i /= 10 {
			n++
		}
		return n
	case SelectorKind:
		return 3 + escapedLen(s.Key, true) + escapedLen(s.Value, false)
	}
	if needsBrackets(s.Key) {
		return 2 + escapedLen(s.Key, true)
	}
	return len(s.Key)
}

// write spells the segment into b (one allocation for a whole path).
func (s Segment) write(b *strings.Builder) {
	switch s.Kind {
	case IndexKind:
		var buf [20]byte
		b.Write(strconv.AppendInt(buf[:0], int64(s.Index), 10))
	case SelectorKind:
		b.WriteByte('[')
		writeEscaped(b, s.Key, true)
		b.WriteByte('=')
		writeEscaped(b, s.Value, false)
		b.WriteByte(']')
	default:
		if !needsBrackets(s.Key) {
			b.WriteString(s.Key)
			return
		}
		b.WriteByte('[')
		writeEscaped(b, s.Key, true)
		b.WriteByte(']')
	}
}

func needsBrackets(k string) bool {
	return k == "" || k[0] == '[' || strings.IndexByte(k, '.') >= 0 || isIndex(k)
}

// isIndex reports whether s is a canonical non-negative decimal.
func isIndex(s string) bool {
	if s == "" || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func specials(key bool) string {
	if key {
		return `\]=`
	}
	return `\]`
}

func escapedLen(s string, key bool) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(specials(key), s[i]) >= 0 {
			n++
		}
	}
	return n
}

func writeEscaped(b *strings.Builder, s string, key bool) {
	special := specials(key)
	if !strings.ContainsAny(s, special) {
		b.WriteString(s)
		return
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
}

// Path is a field path; the empty path is the document itself.
type Path []Segment

// Build returns the path of the segments.
func Build(segs ...Segment) Path { return append(Path(nil), segs...) }

// Keys returns the path of map keys ks.
func Keys(ks ...string) Path {
	p := make(Path, len(ks))
	for i, k := range ks {
		p[i] = Key(k)
	}
	return p
}

// Append returns p extended by segs; p itself is not changed.
func (p Path) Append(segs ...Segment) Path {
	out := make(Path, len(p), len(p)+len(segs))
	copy(out, p)
	return append(out, segs...)
}

// Parent is p without its last segment (the empty path stays empty).
func (p Path) Parent() Path {
	if len(p) == 0 {
		return p
	}
	return p[: len(p)-1 : len(p)-1]
}

// Last is the last segment of p, false for the empty path.
func (p Path) Last() (Segment, bool) {
	if len(p) == 0 {
		return Segment{}, false
	}
	return p[len(p)-1], true
}

// Equal reports whether p and q name the same field.
func (p Path) Equal(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// HasPrefix reports whether q is p or an ancestor of p.
func (p Path) HasPrefix(q Path) bool { return len(q) <= len(p) && p[:len(q)].Equal(q) }

// String spells p: its segments joined by dots.
func (p Path) String() string {
	switch len(p) {
	case 0:
		return ""
	case 1:
		return p[0].String()
	}
	n := len(p) - 1
	for _, s := range p {
		n += s.len()
	}
	var b strings.Builder
	b.Grow(n)
	for i, s := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		s.write(&b)
	}
	return b.String()
}

// Join extends an already spelled path by one segment: the same spelling
// as p.Append(s).String(), for walkers that keep their path as a string.
func Join(path string, s Segment) string {
	if path == "" {
		return s.String()
	}
	if s.Kind == KeyKind && !needsBrackets(s.Key) {
		return path + "." + s.Key
	}
	var b strings.Builder
	b.Grow(len(path) + 1 + s.len())
	b.WriteString(path)
	b.WriteByte('.')
	s.write(&b)
	return b.String()
}

// JoinKey is Join(path, Key(k)).
func JoinKey(path, k string) string { return Join(path, Key(k)) }

// Parse reads a path spelled as String spells it. It also reads what
// users type: a map key that reads as an index is parsed as an index,
// which Lookup also finds as a map key.
func Parse(s string) (Path, error) {
	if s == "" {
		return nil, nil
	}
	var p Path
	for i := 0; ; {
		var seg Segment
		var err error
		seg, i, err = parseSegment(s, i)
		if err != nil {
			return nil, fmt.Errorf("field path %q: %w", s, err)
		}
		p = append(p, seg)
		if i == len(s) {
			return p, nil
		}
		// parseSegment stops at a dot or the end.
		i++
		if i == len(s) {
			return nil, fmt.Errorf("field path %q: ends with a dot", s)
		}
	}
}

// MustParse is Parse for paths known to be valid; it panics otherwise.
func MustParse(s string) Path {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

var errEmpty = errors.New("empty segment (two dots, or a leading dot)")

func parseSegment(s string, i int) (Segment, int, error) {
	if s[i] != '[' {
		j := strings.IndexByte(s[i:], '.')
		if j < 0 {
			j = len(s) - i
		}
		part := s[i : i+j]
		if part == "" {
			return Segment{}, 0, errEmpty
		}
		if isIndex(part) {
			n, _ := strconv.Atoi(part)
			return Index(n), i + j, nil
		}
		return Key(part), i + j, nil
	}
	var key, value strings.Builder
	cur, selector := &key, false
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '\\' && j+1 < len(s):
			j++
			cur.WriteByte(s[j])
		case c == ']':
			if j+1 < len(s) && s[j+1] != '.' {
				return Segment{}, 0, fmt.Errorf("%q after ]: put a dot between segments", s[j+1])
			}
			if selector {
				return Select(key.String(), value.String()), j + 1, nil
			}
			return Key(key.String()), j + 1, nil
		case c == '=' && !selector:
			cur, selector = &value, true
		default:
			cur.WriteByte(c)
		}
	}
	return Segment{}, 0, fmt.Errorf("[ at offset %d is not closed", i)
}

// Reach follows p from n (a document, map or list) as far as n has it. It
// returns how many segments were found, the node of the last one found (n
// when none was) and its line: the key's line for a map field, the
// element's for a list element, n's own when none was found. An index
// segment also finds the map key of the same spelling (data.0).
func (p Path) Reach(n *yaml.Node) (found int, node *yaml.Node, line int) {
	if n == nil {
		return 0, nil, 0
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line = n.Line
	for i, s := range p {
		next, l := step(n, s)
		if next == nil {
			return i, n, line
		}
		n, line = next, l
	}
	return len(p), n, line
}

// Lookup returns the node at p in n, or false.
func (p Path) Lookup(n *yaml.Node) (*yaml.Node, bool) {
	found, node, _ := p.Reach(n)
	if found < len(p) || node == nil {
		return nil, false
	}
	return node, true
}

// HighestMissing is the shortest prefix of p that n does not have (p
// itself when only its last segment is missing, or when n has p).
func (p Path) HighestMissing(n *yaml.Node) Path {
	found, _, _ := p.Reach(n)
	if found == len(p) {
		return p
	}
	return p[: found+1 : found+1]
}

func step(n *yaml.Node, s Segment) (*yaml.Node, int) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		key := s.Key
		switch s.Kind {
		case IndexKind:
			key = strconv.Itoa(s.Index)
		case SelectorKind:
			return nil, 0
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1], n.Content[i].Line
			}
		}
	case yaml.SequenceNode:
		switch s.Kind {
		case IndexKind:
			if s.Index < len(n.Content) {
				return n.Content[s.Index], n.Content[s.Index].Line
			}
		case SelectorKind:
			for _, el := range n.Content {
				if v := yamlnode.MapValue(el, s.Key); v != nil && v.Kind == yaml.ScalarNode && v.Value == s.Value {
					return el, el.Line
				}
			}
		}
	}
	return nil, 0
}

// Concat joins two spelled paths, either of which may be empty.
func Concat(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "." + b
}
