//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd

package cli

// isatty: without a termios check, no stream counts as a terminal (no
// colours, no terminal hint).
func isatty(uintptr) bool { return false }
