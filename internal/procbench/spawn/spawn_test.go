package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// TestSpawnMeasuresTheCommandNotItsParent holds 256 MB in the test
// process, then runs true(1) directly and under spawn: measured directly,
// true's peak RSS is the test process's (the defect spawn exists for);
// under spawn it is a few megabytes. It also checks the report's format
// and that the command's exit code comes back.
func TestSpawnMeasuresTheCommandNotItsParent(t *testing.T) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("SKIPPED: no true(1) on this machine")
	}
	falsePath, _ := exec.LookPath("false")
	bin := filepath.Join(t.TempDir(), "spawn")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	ballast := make([]byte, 256<<20)
	for i := range ballast {
		ballast[i] = byte(i)
	}

	direct := exec.Command(truePath)
	if err := direct.Run(); err != nil {
		t.Fatal(err)
	}
	directKiB := direct.ProcessState.SysUsage().(*syscall.Rusage).Maxrss

	spawned := func(cmd string) (code int, wall, kib, user, sys int64) {
		t.Helper()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		c := exec.Command(bin, cmd)
		c.ExtraFiles = []*os.File{w}
		err = c.Start()
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
		_ = c.Wait()
		var line [128]byte
		n, _ := r.Read(line[:])
		if k, err := fmt.Sscan(string(line[:n]), &wall, &kib, &user, &sys); k != 4 {
			t.Fatalf("report %q: %v", line[:n], err)
		}
		return c.ProcessState.ExitCode(), wall, kib, user, sys
	}
	code, wall, kib, _, _ := spawned(truePath)
	t.Logf("true(1): %d KiB measured from a 256 MB parent, %d KiB under spawn (%d µs)", directKiB, kib, wall/1000)
	if directKiB < 200<<10 {
		t.Logf("the kernel no longer folds the parent's memory into the child's peak (%d KiB): spawn is not needed, but still right", directKiB)
	}
	if code != 0 || kib <= 0 || kib > 64<<10 || wall <= 0 {
		t.Errorf("under spawn: exit %d, peak %d KiB, wall %d ns; want 0, 0 < peak <= 64 MiB, wall > 0", code, kib, wall)
	}
	if falsePath != "" {
		if code, _, _, _, _ := spawned(falsePath); code != 1 {
			t.Errorf("false(1) under spawn exited %d, want 1", code)
		}
	}
	_ = ballast[len(ballast)-1]
}
