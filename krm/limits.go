package krm

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// DefaultMaxInputBytes caps what one input may hold: the ResourceList on
// stdin, one template or overlay file, all files of one CLI argument
// together. MaxInputBytesEnv raises it.
const DefaultMaxInputBytes = 64 << 20

// MaxInputBytesEnv names the environment variable that sets the input cap
// in bytes.
const MaxInputBytesEnv = "SCENARIO_FN_MAX_INPUT_BYTES"

// MaxInputBytes returns the input cap: MaxInputBytesEnv when it is a
// positive number, else DefaultMaxInputBytes.
func MaxInputBytes() int64 {
	if v, err := strconv.ParseInt(strings.TrimSpace(os.Getenv(MaxInputBytesEnv)), 10, 64); err == nil && v > 0 {
		return v
	}
	return DefaultMaxInputBytes
}

// TooLargeError is an input over the cap.
type TooLargeError struct {
	What  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d bytes, the input limit (set %s to raise it)", e.What, e.Limit, MaxInputBytesEnv)
}

// ReadAllLimited reads r up to limit bytes; more is a *TooLargeError
// naming what.
func ReadAllLimited(r io.Reader, what string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{What: what, Limit: limit}
	}
	return data, nil
}

// NotRegularError is a path that names a FIFO, a device, a socket or a
// directory where a file is expected: reading a FIFO blocks until another
// process writes to it, a device may never end.
type NotRegularError struct {
	Name string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is not a regular file (%s)", e.Name, e.What())
}

// What says what the path is instead: a named pipe, a socket...
func (e *NotRegularError) What() string {
	m := e.Mode
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "mode " + m.String()
}

// OpenFlags opens without blocking: opening a FIFO for reading would
// otherwise wait for a writer forever. Regular files ignore the flag.
const OpenFlags = os.O_RDONLY | syscall.O_NONBLOCK

// ReadRegular reads an opened file when it is a regular file of at most
// limit bytes, and closes it. name is what errors call it.
func ReadRegular(f *os.File, name string, limit int64) ([]byte, error) {
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &NotRegularError{Name: name, Mode: info.Mode()}
	}
	if info.Size() > limit {
		return nil, &TooLargeError{What: name, Limit: limit}
	}
	return ReadAllLimited(f, name, limit)
}
