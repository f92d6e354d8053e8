package transformers_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/transformers"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = flag.Bool("update", false, "rewrite testdata/*/expected.yaml from the actual output")

func TestMain(m *testing.M) {
	fn.Register(transformers.Kind, transformers.ImageRegistry{})
	os.Exit(m.Run())
}

// resourceList builds the stdin of a case: input.yaml is either a
// ResourceList or a multi-document file of items, and config.yaml the
// functionConfig.
func resourceList(t testing.TB, dir string) []byte {
	t.Helper()
	in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(in, []byte("kind: ResourceList")) {
		return in
	}
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true, PreserveSeqIndent: false}).Read()
	if err != nil {
		t.Fatalf("%s/input.yaml: %v", dir, err)
	}
	cfgBytes, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := yaml.Parse(string(cfgBytes))
	if err != nil {
		t.Fatalf("%s/config.yaml: %v", dir, err)
	}
	var buf bytes.Buffer
	if err := (&krm.ResourceList{Items: items, FunctionConfig: cfg}).Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func run(input []byte) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = fn.Run(&krm.Context{}, input, &out, &errb)
	return out.String(), errb.String(), code
}

// itemsOnly re-serialises a ResourceList without its results.
func itemsOnly(t testing.TB, rl string) string {
	t.Helper()
	parsed, err := krm.Read([]byte(rl))
	if err != nil {
		t.Fatalf("output is not a ResourceList: %v\n%s", err, rl)
	}
	var buf bytes.Buffer
	if err := (&krm.ResourceList{Items: parsed.Items}).Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(filepath.Join(dir, "input.yaml")); err != nil || fi.IsDir() {
			continue
		}
		n++
		dir := dir
		t.Run(filepath.Base(dir), func(t *testing.T) {
			input := resourceList(t, dir)
			stdout, stderr, code := run(input)
			if errs, err := os.ReadFile(filepath.Join(dir, "errors.txt")); err == nil {
				checkErrors(t, dir, string(errs), input, stdout, stderr, code)
				return
			}
			if code != 0 {
				t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
			}
			expectedPath := filepath.Join(dir, "expected.yaml")
			if *update {
				if err := os.WriteFile(expectedPath, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(expectedPath)
			if err != nil {
				t.Fatalf("%v (run go test ./transformers -update to create it)", err)
			}
			if stdout != string(want) {
				t.Errorf("output differs from %s (go test ./transformers -update regenerates it):\n%s", expectedPath, diff(string(want), stdout))
			}
			// Idempotency: the output, run again, gives the same items byte for byte.
			stdout2, stderr2, code2 := run([]byte(stdout))
			if code2 != 0 {
				t.Fatalf("second run: exit code %d, stderr:\n%s", code2, stderr2)
			}
			if a, b := itemsOnly(t, stdout), itemsOnly(t, stdout2); a != b {
				t.Errorf("second run changed the items:\n%s", diff(a, b))
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d golden cases found", n)
	}
}

// checkErrors asserts an error case: non-zero exit, every regexp of
// errors.txt matched on stderr, and the items returned unchanged.
func checkErrors(t *testing.T, dir, errs string, input []byte, stdout, stderr string, code int) {
	t.Helper()
	t.Logf("stderr:\n%s", stderr)
	if code == 0 {
		t.Fatalf("exit code 0, want an error; stderr:\n%s", stderr)
	}
	for _, line := range strings.Split(errs, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		re, err := regexp.Compile(line)
		if err != nil {
			t.Fatalf("%s/errors.txt: %v", dir, err)
		}
		if !re.MatchString(stderr) {
			t.Errorf("stderr does not match %q:\n%s", line, stderr)
		}
	}
	if !strings.Contains(stdout, "severity: error") {
		t.Errorf("no error result in the output ResourceList:\n%s", stdout)
	}
	if a, b := itemsOnly(t, string(input)), itemsOnly(t, stdout); a != b {
		t.Errorf("items changed although the run failed:\n%s", diff(a, b))
	}
}

// diff is a small line diff for failure messages.
func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	i, j := 0, 0
	for i < len(al) || j < len(bl) {
		switch {
		case i < len(al) && j < len(bl) && al[i] == bl[j]:
			i++
			j++
		case j < len(bl) && (i >= len(al) || !contains(al[i:], bl[j])):
			out.WriteString("+ " + bl[j] + "\n")
			j++
		default:
			out.WriteString("- " + al[i] + "\n")
			i++
		}
	}
	return out.String()
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
