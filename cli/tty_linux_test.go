package cli

import (
	"bytes"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a real pseudo-terminal pair: the terminal side is what a
// person's shell gives the binary as stdin.
func openPTY(t *testing.T) (ptmx, tty *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("SKIPPED: no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return ptmx, tty
}

// A bare scenario-fn at a terminal says what it is instead of waiting
// for a ResourceList that never comes.
func TestKRMModeOnATerminal(t *testing.T) {
	_, tty := openPTY(t)
	var out, errb bytes.Buffer
	code := Main(nil, IO{In: tty, Out: &out, Err: &errb})
	if code != exitUsage || out.Len() != 0 || errb.String() != ttyMessage {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	if !isTerminal(tty) {
		t.Error("the pty is not a terminal")
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	if isTerminal(devNull) {
		t.Error("/dev/null (a character device) counts as a terminal")
	}
	// /dev/null is not a terminal: scenario-fn < /dev/null is the KRM
	// function reading an empty ResourceList.
	out.Reset()
	errb.Reset()
	if code := Main(nil, IO{In: devNull, Out: &out, Err: &errb}); code != 1 || errb.String() == ttyMessage || errb.Len() == 0 {
		t.Errorf("< /dev/null: exit %d, stderr %q", code, errb.String())
	}
}
