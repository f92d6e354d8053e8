// Command fuzzall runs every fuzz target of the module, one after the
// other, each for -fuzztime. `make fuzz` runs it; CI runs a short pass.
// Targets are found by scanning *_test.go files for `func FuzzXxx(`.
package main

import (
	"bufio"
	"flag"
	"fmt"
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
			fmt.Printf("=== fuzz %s %s (%s)\n", dir, t, *fuzztime)
			cmd := exec.Command("go", "test", "-run", "^$", "-fuzz", "^"+t+"$", "-fuzztime", *fuzztime, dir)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Printf("--- FAIL %s %s: %v\n", dir, t, err)
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
