package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// isTerminal reports whether the stream s is a terminal (a tty, not just
// any character device: /dev/null is none).
func isTerminal(s any) bool {
	f, ok := s.(*os.File)
	return ok && f != nil && isatty(f.Fd())
}

// palette colours text only when the stream is a terminal, NO_COLOR is
// unset (https://no-color.org) and TERM is not "dumb".
type palette struct{ on bool }

func paletteFor(w io.Writer) palette {
	return palette{on: isTerminal(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"}
}

func (p palette) wrap(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) bold(s string) string   { return p.wrap("1", s) }
func (p palette) red(s string) string    { return p.wrap("31", s) }
func (p palette) yellow(s string) string { return p.wrap("33", s) }
func (p palette) green(s string) string  { return p.wrap("32", s) }
func (p palette) dim(s string) string    { return p.wrap("2", s) }

// printProblems writes error and warning problems to w, one per line in
// the Problem.String format (the same lines the KRM function logs), and
// returns how many errors and warnings there were. Info results are not
// printed.
func printProblems(w io.Writer, problems krm.Problems) (errs, warns int) {
	pal := paletteFor(w)
	seen := map[string]bool{}
	for _, p := range problems {
		line := p.String()
		if seen[line] {
			continue
		}
		seen[line] = true
		switch p.Severity {
		case framework.Error:
			errs++
			fmt.Fprintln(w, pal.red("error")+line[len("error"):])
		case framework.Warning:
			warns++
			fmt.Fprintln(w, pal.yellow("warning")+line[len("warning"):])
		}
	}
	return errs, warns
}

// errorf prints "error: ..." to stderr and returns exit code 1.
func errorf(stdio IO, format string, args ...any) int {
	pal := paletteFor(stdio.Err)
	fmt.Fprintf(stdio.Err, pal.red("error")+": "+format+"\n", args...)
	return 1
}
