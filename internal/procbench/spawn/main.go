// Command spawn runs one command for procbench and reports how long it
// ran, its peak resident memory and its CPU time.
//
// It exists because a benchmark parent cannot measure a child's memory
// itself: Go starts children with clone(CLONE_VM|CLONE_VFORK), and at exec
// Linux folds the memory the child shared (the parent's) into the child's
// peak RSS, so every child of a 600 MB benchmark process "peaks" at
// 600 MB. spawn is a small process: a command it starts inherits spawn's
// few megabytes instead (the resolution procbench reports). Timing from
// here also leaves out the parent's scheduling and garbage collection.
//
//	spawn CMD [ARG...]
//
// stdin, stdout and stderr are the command's own. The measurement is
// written to file descriptor 3 as "wall_ns maxrss_kib user_ns sys_ns";
// spawn exits with the command's exit code (2 when it cannot start it).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: spawn CMD [ARG...] (measurement on fd 3)")
		os.Exit(2)
	}
	report := os.NewFile(3, "report")
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintf(os.Stderr, "spawn: %v\n", err)
		os.Exit(2)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru == nil {
		ru = &syscall.Rusage{}
	}
	if report != nil {
		fmt.Fprintf(report, "%d %d %d %d\n", wall.Nanoseconds(), ru.Maxrss,
			time.Duration(ru.Utime.Nano()).Nanoseconds(), time.Duration(ru.Stime.Nano()).Nanoseconds())
		report.Close()
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
