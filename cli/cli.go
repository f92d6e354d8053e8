package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/spf13/cobra"
)

// IO bundles the standard streams, so commands can be tested.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Exit codes of every command.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed (bad input, render errors)
	exitUsage = 2 // the command line is wrong (unknown flag, missing argument)
)

// Main runs the command line and returns the exit code. With no arguments
// it is the KRM function; the command tree is only built for people, so the
// function's start-up does not pay for it.
func Main(args []string, stdio IO) int {
	if len(args) == 0 {
		return krmMode(stdio)
	}
	root := newRootCommand(stdio)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	return exitCodeOf(err, cmd, stdio)
}

// exitCode is the error a command returns when it has already reported
// everything: Main only turns it into the exit code.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit code %d", int(c)) }

// done turns a command body's exit code into its RunE result.
func done(code int) error {
	if code == exitOK {
		return nil
	}
	return exitCode(code)
}

// usageErr is a command-line mistake: Main prints it as one line and a
// pointer to --help, and exits 2.
type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return usageErr{fmt.Sprintf(format, args...)}
}

// exitCodeOf prints what err says (unless the command already did) and
// returns the exit code. Errors from cobra itself (unknown command or flag,
// a bad flag value) are usage errors.
func exitCodeOf(err error, cmd *cobra.Command, stdio IO) int {
	if err == nil {
		return exitOK
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	path := "scenario-fn"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	msg := strings.TrimSpace(err.Error())
	// cobra writes suggestions on lines of their own.
	msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", " ")), " ")
	return usageError(stdio, path, "%s", msg)
}

// usageError prints "error: MSG" and where to find the usage on stderr,
// and returns 2. command is the command path, e.g. "scenario-fn render".
func usageError(stdio IO, command, format string, args ...any) int {
	pal := paletteFor(stdio.Err)
	fmt.Fprintf(stdio.Err, pal.red("error")+": "+format+"\n", args...)
	fmt.Fprintf(stdio.Err, "Run '%s --help' for usage.\n", command)
	return exitUsage
}

func krmMode(stdio IO) int {
	if isTerminal(stdio.In) {
		fmt.Fprint(stdio.Err, ttyMessage)
		return exitUsage
	}
	in, err := krm.ReadAllLimited(stdio.In, "the ResourceList on stdin", krm.MaxInputBytes())
	if err != nil {
		fmt.Fprintf(stdio.Err, "error: reading stdin: %v\n", err)
		return 1
	}
	root, err := os.OpenRoot(".")
	if err != nil {
		fmt.Fprintf(stdio.Err, "error: %v\n", err)
		return 1
	}
	defer root.Close()
	return fn.Run(&krm.Context{Root: root}, in, stdio.Out, stdio.Err)
}

// ttyMessage answers a bare `scenario-fn` typed at a terminal, instead of
// waiting silently for a ResourceList.
const ttyMessage = `scenario-fn: no ResourceList on stdin (it is a terminal).
Without arguments scenario-fn is a KRM function: kustomize or kpt run it with a
ResourceList on stdin (scenario-fn < resourcelist.yaml does the same).
Run 'scenario-fn --help' for the commands.
`
