package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	yaml "go.yaml.in/yaml/v3"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	head, items, tail, ok := splitItems(in)
	if !ok {
		err = documents(in, out)
	} else {
		err = resourceList(head, items, tail, out)
	}
	if err != nil {
		fail(err)
	}
	if err := out.Flush(); err != nil {
		fail(err)
	}
}

// documents parses and writes a multi-document stream one document at a
// time.
func documents(in []byte, out io.Writer) error {
	dec := yaml.NewDecoder(bytes.NewReader(in))
	enc := yaml.NewEncoder(out)
	enc.SetIndent(2)
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if err := enc.Encode(&n); err != nil {
			return err
		}
	}
	return enc.Close()
}

// resourceList writes the document around the items, then each item.
func resourceList(head []byte, items [][]byte, tail []byte, out io.Writer) error {
	if err := documents(append(append([]byte{}, head...), tail...), out); err != nil {
		return err
	}
	if _, err := io.WriteString(out, "items:\n"); err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, item := range items {
		var n yaml.Node
		if err := yaml.Unmarshal(item, &n); err != nil {
			return err
		}
		buf.Reset()
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(&n); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
		if err := indentItem(out, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// splitItems cuts a ResourceList whose items are a block sequence at
// column 0 ("items:" then "- " entries, as kyaml and kpt write it) into
// the lines before the items, each item dedented, and the lines after.
func splitItems(in []byte) (head []byte, items [][]byte, tail []byte, ok bool) {
	lines := bytes.SplitAfter(in, []byte("\n"))
	start := -1
	for i, l := range lines {
		if bytes.Equal(bytes.TrimRight(l, "\r\n"), []byte("items:")) {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, nil, nil, false
	}
	head = bytes.Join(lines[:start], nil)
	var cur []byte
	i := start + 1
	for ; i < len(lines); i++ {
		l := lines[i]
		switch {
		case bytes.HasPrefix(l, []byte("- ")):
			if cur != nil {
				items = append(items, cur)
			}
			cur = append([]byte("  "), l[2:]...)
		case len(l) > 0 && l[0] != ' ' && l[0] != '\n' && l[0] != '#':
			if cur != nil {
				items = append(items, cur)
			}
			return head, items, bytes.Join(lines[i:], nil), true
		default:
			cur = append(cur, l...)
		}
	}
	if cur != nil {
		items = append(items, cur)
	}
	return head, items, nil, true
}

// indentItem writes one serialised item as an entry of the items
// sequence.
func indentItem(out io.Writer, item []byte) error {
	first := true
	for _, l := range bytes.SplitAfter(item, []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		prefix := "  "
		if first {
			prefix, first = "- ", false
		}
		if _, err := io.WriteString(out, prefix); err != nil {
			return err
		}
		if _, err := out.Write(l); err != nil {
			return err
		}
	}
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "yaml.v3 floor:", err)
	os.Exit(1)
}
