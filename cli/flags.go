package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes of every command.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed (bad input, render errors)
	exitUsage = 2 // the command line is wrong (unknown flag, missing argument)
)

// stringList is a repeatable string flag (--set a=1 --set b=2).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// newFlagSet returns a flag set that reports nothing itself: parseArgs
// prints errors and usage.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses flags wherever they appear among args (Go's flag
// package stops at the first positional argument; people write
// `init orders --template web-service`). "--" ends the flags. It returns
// the positional arguments; when done is true the caller returns code:
// 0 after --help (usage on stdout), 2 after a usage error (on stderr).
func parseArgs(fs *flag.FlagSet, args []string, usage string, stdio IO) (pos []string, code int, done bool) {
	for {
		if len(args) > 0 && args[0] == "--" {
			return append(pos, args[1:]...), 0, false
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdio.Out, usage, flagHelp(fs))
				return nil, exitOK, true
			}
			return nil, usageError(stdio, usage, fs, "%s", strings.Replace(err.Error(), "flag provided but not defined", "unknown flag", 1)), true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, false
		}
		// Parse consumed a "--" if the argument before rest is one.
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), 0, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError prints the error and the usage on stderr and returns 2.
func usageError(stdio IO, usage string, fs *flag.FlagSet, format string, args ...any) int {
	pal := paletteFor(stdio.Err)
	fmt.Fprintf(stdio.Err, pal.red("error")+": "+format+"\n\n", args...)
	fmt.Fprint(stdio.Err, usage, flagHelp(fs))
	return exitUsage
}

// flagHelp lists the flags of fs: "  --name VALUE  usage (default: x)".
func flagHelp(fs *flag.FlagSet) string {
	type row struct{ left, right string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		left := "  --" + f.Name
		if name != "" {
			left += " " + name
		}
		right := usage
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
			right += " (default " + f.DefValue + ")"
		}
		rows = append(rows, row{left, right})
		width = max(width, len(left))
	})
	rows = append(rows, row{"  -h, --help", "show this help"})
	width = max(width, len("  -h, --help"))
	var b strings.Builder
	b.WriteString("\nFlags:\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %s\n", width, r.left, r.right)
	}
	return b.String()
}
