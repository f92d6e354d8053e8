package cli

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the expected output of the golden tests under testdata/<command>/<case>/")

// TestGolden runs every case under testdata/<command>/<case>/:
//
//	args    the command line after the binary name, one argument per line
//	in/     the working directory's content (copied to a fresh directory)
//	stdout  expected standard output
//	stderr  expected standard error
//	exit    expected exit code
//	files/  expected files the command created or changed in the working
//	        directory (absent: it must not write anything)
//
// go test ./cli -run TestGolden -update rewrites the expectations.
func TestGolden(t *testing.T) {
	commands, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range commands {
		if !c.IsDir() {
			continue
		}
		cases, err := os.ReadDir(filepath.Join("testdata", c.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range cases {
			dir := filepath.Join("testdata", c.Name(), k.Name())
			if _, err := os.Stat(filepath.Join(dir, "args")); err != nil {
				continue
			}
			n++
			t.Run(c.Name()+"/"+k.Name(), func(t *testing.T) { runGolden(t, dir) })
		}
	}
	if n == 0 {
		t.Fatal("no golden cases found")
	}
}

func runGolden(t *testing.T, dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(abs, "args"))
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, a := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		if a != "" {
			args = append(args, a)
		}
	}
	work := t.TempDir()
	before := map[string]string{}
	if _, err := os.Stat(filepath.Join(abs, "in")); err == nil {
		copyTree(t, filepath.Join(abs, "in"), work)
		before = readTree(t, work)
	}
	t.Chdir(work)
	t.Setenv("NO_COLOR", "1")

	var stdout, stderr bytes.Buffer
	code := Main(args, IO{In: strings.NewReader(""), Out: &stdout, Err: &stderr})

	clean := func(s string) string { return strings.ReplaceAll(s, work, "$TMP") }
	got := map[string]string{
		"stdout": clean(stdout.String()),
		"stderr": clean(stderr.String()),
		"exit":   strconv.Itoa(code) + "\n",
	}
	written := map[string]string{}
	for name, content := range readTree(t, work) {
		if old, ok := before[name]; !ok || old != content {
			written[name] = content
		}
	}
	if *update {
		for name, content := range got {
			writeFile(t, filepath.Join(abs, name), content)
		}
		_ = os.RemoveAll(filepath.Join(abs, "files"))
		for name, content := range written {
			writeFile(t, filepath.Join(abs, "files", name), content)
		}
		return
	}
	for _, name := range []string{"exit", "stdout", "stderr"} {
		want, err := os.ReadFile(filepath.Join(abs, name))
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if diff := cmp.Diff(string(want), got[name]); diff != "" {
			t.Errorf("%s differs (-want +got):\n%s", name, diff)
		}
	}
	want := map[string]string{}
	if _, err := os.Stat(filepath.Join(abs, "files")); err == nil {
		want = readTree(t, filepath.Join(abs, "files"))
	}
	if diff := cmp.Diff(want, written); diff != "" {
		t.Errorf("written files differ (-want +got):\n%s", diff)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readTree returns every regular file under dir by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	files := readTree(t, from)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		writeFile(t, filepath.Join(to, filepath.FromSlash(n)), files[n])
	}
}
