package cli

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgsInterleaved(t *testing.T) {
	cases := []struct {
		args []string
		pos  []string
		dir  string
		sets []string
	}{
		{[]string{"orders", "--dir", "x"}, []string{"orders"}, "x", nil},
		{[]string{"--dir", "x", "orders"}, []string{"orders"}, "x", nil},
		{[]string{"a", "--set", "k=v", "b", "-set=k2=v2"}, []string{"a", "b"}, "", []string{"k=v", "k2=v2"}},
		{[]string{"a", "--", "--dir", "b"}, []string{"a", "--dir", "b"}, "", nil},
		{[]string{"--dir=y", "--", "-x"}, []string{"-x"}, "y", nil},
	}
	for _, c := range cases {
		fs := newFlagSet("t")
		dir := fs.String("dir", "", "")
		var sets stringList
		fs.Var(&sets, "set", "")
		var out, errb bytes.Buffer
		pos, code, done := parseArgs(fs, c.args, "usage\n", IO{Out: &out, Err: &errb})
		if done || code != 0 {
			t.Fatalf("%v: done=%v code=%d %s", c.args, done, code, errb.String())
		}
		if !reflect.DeepEqual(pos, c.pos) || *dir != c.dir || !reflect.DeepEqual([]string(sets), c.sets) {
			t.Errorf("%v: got %q dir=%q sets=%q", c.args, pos, *dir, sets)
		}
	}
}

func TestParseArgsHelpAndErrors(t *testing.T) {
	fs := newFlagSet("t")
	fs.String("dir", "", "the `DIR`")
	var out, errb bytes.Buffer
	if _, code, done := parseArgs(fs, []string{"x", "--help"}, "usage\n", IO{Out: &out, Err: &errb}); !done || code != 0 {
		t.Errorf("--help: done=%v code=%d", done, code)
	}
	if !strings.Contains(out.String(), "usage") || !strings.Contains(out.String(), "--dir DIR") || errb.Len() != 0 {
		t.Errorf("--help output: %q / %q", out.String(), errb.String())
	}
	out.Reset()
	if _, code, done := parseArgs(fs, []string{"--nope"}, "usage\n", IO{Out: &out, Err: &errb}); !done || code != 2 {
		t.Errorf("unknown flag: done=%v code=%d", done, code)
	}
	if !strings.Contains(errb.String(), "unknown flag: -nope") || out.Len() != 0 {
		t.Errorf("unknown flag output: %q / %q", out.String(), errb.String())
	}
}

// Every command for people answers --help with its usage and examples on
// stdout, and the top-level usage lists it.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, name := range []string{"init", "templates", "render", "explain", "validate"} {
		if commands[name] == nil {
			t.Errorf("command %s is not registered", name)
			continue
		}
		var out, errb bytes.Buffer
		if code := Main([]string{name, "--help"}, IO{Out: &out, Err: &errb}); code != 0 {
			t.Errorf("%s --help: exit %d", name, code)
		}
		if !strings.Contains(out.String(), "Usage: scenario-fn "+name) || !strings.Contains(out.String(), "Examples:") {
			t.Errorf("%s --help lacks usage or examples:\n%s", name, out.String())
		}
		if !strings.Contains(usage, "\n  "+name) {
			t.Errorf("the top-level usage does not list %s", name)
		}
	}
}
