package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

var fuzzFunc = regexp.MustCompile(`^func (Fuzz\w+)\(`)

func main() {
	fuzztime := flag.String("fuzztime", "30s", "time per fuzz target")
	retries := flag.Int("retries", 2, "reruns of a target whose only failure is the coordinator's deadline race (golang/go#75804)")
	flag.Parse()
	targets := map[string][]string{} // package dir -> targets
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "e2e" || d.Name() == "bin") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if m := fuzzFunc.FindStringSubmatch(sc.Text()); m != nil {
				dir := "./" + filepath.Dir(path)
				targets[dir] = append(targets[dir], m[1])
			}
		}
		return sc.Err()
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var dirs []string
	for d := range targets {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	failed := 0
	for _, dir := range dirs {
		sort.Strings(targets[dir])
		for _, t := range targets[dir] {
			if !fuzzTarget(dir, t, *fuzztime, *retries) {
				failed++
			}
		}
	}
	if failed > 0 {
		fmt.Printf("%d fuzz target(s) failed\n", failed)
		os.Exit(1)
	}
	fmt.Println("all fuzz targets passed")
}

// fuzzTarget runs one target, rerunning it when it fails only by the
// coordinator's deadline race. It reports whether the target passed.
func fuzzTarget(dir, target, fuzztime string, retries int) bool {
	for attempt := 0; ; attempt++ {
		fmt.Printf("=== fuzz %s %s (%s)\n", dir, target, fuzztime)
		corpus := filepath.Join(dir, "testdata", "fuzz", target)
		before := entries(corpus)
		var out bytes.Buffer
		cmd := exec.Command("go", "test", "-run", "^$", "-fuzz", "^"+target+"$", "-fuzztime", fuzztime, dir)
		cmd.Stdout = io.MultiWriter(os.Stdout, &out)
		cmd.Stderr = io.MultiWriter(os.Stderr, &out)
		err := cmd.Run()
		if err == nil {
			return true
		}
		written := newEntries(before, entries(corpus))
		if len(written) == 0 && deadlineOnly(out.String(), target) && attempt < retries {
			fmt.Printf("--- RETRY %s %s: failed only with the fuzz coordinator's deadline race (golang/go#75804), no reproducer written; running it again\n", dir, target)
			continue
		}
		fmt.Printf("--- FAIL %s %s: %v\n", dir, target, err)
		for _, w := range written {
			fmt.Printf("    reproducer: %s\n", filepath.Join(corpus, w))
		}
		return false
	}
}

// deadlineOnly reports whether the failure block of target's output holds
// nothing but the coordinator's "context deadline exceeded".
func deadlineOnly(out, target string) bool {
	i := strings.Index(out, "--- FAIL: "+target+" ")
	if i < 0 {
		return false
	}
	var msgs []string
	for _, line := range strings.Split(out[i:], "\n")[1:] {
		if !strings.HasPrefix(line, "    ") {
			break
		}
		msgs = append(msgs, strings.TrimSpace(line))
	}
	return len(msgs) == 1 && msgs[0] == "context deadline exceeded"
}

func entries(dir string) map[string]bool {
	names := map[string]bool{}
	list, _ := os.ReadDir(dir)
	for _, e := range list {
		names[e.Name()] = true
	}
	return names
}

func newEntries(before, after map[string]bool) []string {
	var added []string
	for n := range after {
		if !before[n] {
			added = append(added, n)
		}
	}
	sort.Strings(added)
	return added
}
