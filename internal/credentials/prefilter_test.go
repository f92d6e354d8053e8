package credentials

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/internal/benchdata"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestMayHoldNeverMissesAFinding: over every YAML document of the
// repository's test data (golden cases, examples, fuzz seeds written as
// files) and the benchmark inputs, MayHold is true for the text of each
// document in which Find reports anything, as it was written and as kyaml
// writes it back. It must also rule documents out, or it is useless.
func TestMayHoldNeverMissesAFinding(t *testing.T) {
	var docs [][]byte
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "bin" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if d.IsDir() || (!strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		docs = append(docs, documents(b)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, documents(benchdata.ResourceList(200))...)
	for _, v := range []string{"AKIAIOSFODNN7EXAMPLE", "-----BEGIN RSA PRIVATE KEY-----\n  MIIE", "ghp_" + strings.Repeat("a", 36),
		"xoxb-1234567890-abcdef", "https://bob:hunter22@git.example.com/x.git", "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeK",
		"--registry-token abcdefgh", "-PASSWD=abcdefghij"} {
		docs = append(docs, []byte("kind: X\nvalue: "+v+"\n"), []byte("kind: X\nlist: [\""+v+"\"]\n"))
	}
	checked, found, ruledOut := 0, 0, 0
	for _, d := range docs {
		var n yaml.Node
		if err := yaml.Unmarshal(d, &n); err != nil || len(n.Content) == 0 {
			continue
		}
		rn := yaml.NewRNode(n.Content[0])
		checked++
		if !MayHold(d) {
			ruledOut++
		}
		if len(Find(rn)) == 0 {
			continue
		}
		found++
		if !MayHold(d) {
			t.Errorf("MayHold is false for a document with credentials (%v):\n%s", Find(rn), d)
		}
		if s, err := rn.String(); err == nil && !MayHold([]byte(s)) {
			t.Errorf("MayHold is false for kyaml's writing of a document with credentials:\n%s", s)
		}
	}
	if found < 20 || ruledOut < 100 {
		t.Errorf("%d documents: %d with credentials, %d ruled out; the corpus is too small to tell", checked, found, ruledOut)
	}
	t.Logf("%d documents: %d with credentials, %d ruled out by MayHold", checked, found, ruledOut)
}

// FuzzMayHold: for any document Find reports something in, MayHold is
// true of its text.
func FuzzMayHold(f *testing.F) {
	for _, s := range []string{
		"kind: Secret\napiVersion: v1\nstringData: {a: b}\n",
		"env: [{name: DB_PASSWORD, value: hunter22}]\n",
		"args: [--token=abcdefghij]\n",
		"url: https://bob:hunter22@git.example.com\n",
		"k: \"\\x41KIAIOSFODNN7EXAMPLE\"\n",
		"k: ${A}AKIAIOSFODNN7EXAMPLE\n",
		"apiKEY: x12345678\n",
		"k: >\n  -----BEGIN RSA PRIVATE\n  KEY-----\n",
		"auths: {h: {auth: dXNlcjpwYXNz}}\n",
		"spec:\n  imagePullSecrets:\n  - name: DB_PASSWORD\n    value: hunter22\n",
		"k: \"x imagePullSecretS: y\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		var n yaml.Node
		if len(text) > 1<<16 || yaml.Unmarshal(text, &n) != nil || len(n.Content) == 0 {
			return
		}
		if fs := Find(yaml.NewRNode(n.Content[0])); len(fs) > 0 && !MayHold(text) {
			t.Fatalf("MayHold is false, Find reports %v", fs)
		}
	})
}

// documents splits a multi-document file at its "---" lines.
func documents(b []byte) [][]byte {
	var out [][]byte
	for _, d := range bytes.Split(b, []byte("\n---")) {
		if len(bytes.TrimSpace(d)) > 0 {
			out = append(out, d)
		}
	}
	return out
}

func TestMayHold(t *testing.T) {
	for text, want := range map[string]bool{
		"spec:\n  imagePullSecrets:\n  - name: harbor-pull\n":    false,
		"values: {image: {pullSecret: harbor-pull}}\n":           false,
		"k: 'a imagePullSecrets: b'\n":                           false,
		"image: ghcr.io/org/app@sha256:abc\n":                    false,
		"imagePullSecretS: x\n":                                  true, // secret + s: a credential key
		"imagePullSecretsValue: x\n":                             true,
		"args: [--imagePullSecrets=abcdefgh]\n":                  true,
		"k: x-imagePullSecrets: y\n":                             true,
		"secretName: s\n":                                        true,
		"kind: Secret\n":                                         true,
		"url: https://u:p@h\n":                                   true,
		"k: \"\\x41KIA\"\n":                                      true,
		"token: x\n":                                             true,
		"spec:\n  imagePullSecrets: [s]\n  password: hunter22\n": true,
	} {
		if got := MayHold([]byte(text)); got != want {
			t.Errorf("MayHold(%q) = %v, want %v", text, got, want)
		}
	}
	for key, want := range map[string]class{"imagePullSecrets": reference, "pullSecret": reference, "imagePullSecretS": credential} {
		if got := classify(key); got != want {
			t.Errorf("classify(%q) = %v, want %v (unsafeSecret relies on it)", key, got, want)
		}
	}
}
