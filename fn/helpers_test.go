package fn_test

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// run calls fn.Run on in with the function's root at dir ("" for an
// empty directory).
func run(t testing.TB, dir string, in []byte) (stdout, stderr string, code int) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	var out, errb bytes.Buffer
	code = fn.Run(&krm.Context{Root: root}, in, &out, &errb)
	return out.String(), errb.String(), code
}

// resourceList writes a ResourceList by hand, so that the bytes are
// exactly what a case wants (anchors, duplicate keys, odd values): fc and
// each item are YAML documents, indented into place.
func resourceList(fc string, items ...string) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	if fc != "" {
		b.WriteString("functionConfig:\n")
		b.WriteString(indent(fc, "  ", "  "))
	}
	if len(items) == 0 {
		b.WriteString("items: []\n")
	} else {
		b.WriteString("items:\n")
		for _, it := range items {
			b.WriteString(indent(it, "- ", "  "))
		}
	}
	return []byte(b.String())
}

func indent(doc, first, rest string) string {
	lines := strings.Split(strings.TrimRight(doc, "\n"), "\n")
	var b strings.Builder
	for i, l := range lines {
		p := rest
		if i == 0 {
			p = first
		}
		if l == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(p + l + "\n")
	}
	return b.String()
}

// itemsOf returns the items of a ResourceList serialised one per document
// (reader annotations as they are), or ok=false when it does not parse.
func itemsOf(t testing.TB, rl []byte) (string, bool) {
	t.Helper()
	parsed, err := krm.Read(rl)
	if err != nil {
		return "", false
	}
	return writeNodes(t, parsed.Items), true
}

// writeNodes serialises items with the function's own writer (krm.Write),
// for comparing items: kyaml's raw writer would turn {a: } into {a: ""},
// and it leaves foot comments where yaml.v3 moves them on the next read.
func writeNodes(t testing.TB, nodes []*yaml.RNode) string {
	t.Helper()
	var b bytes.Buffer
	if err := (&krm.ResourceList{Items: nodes}).Write(&b); err != nil {
		t.Fatalf("writing items: %v", err)
	}
	return b.String()
}

// result is one entry of the results of an output ResourceList.
type result struct {
	Message  string `yaml:"message"`
	Severity string `yaml:"severity"`
	Field    struct {
		Path          string `yaml:"path"`
		CurrentValue  any    `yaml:"currentValue"`
		ProposedValue any    `yaml:"proposedValue"`
	} `yaml:"field"`
	File struct {
		Path string `yaml:"path"`
	} `yaml:"file"`
	ResourceRef struct {
		Kind string `yaml:"kind"`
		Name string `yaml:"name"`
	} `yaml:"resourceRef"`
}

// resultsOf parses the results of an output ResourceList.
func resultsOf(t testing.TB, stdout string) []result {
	t.Helper()
	var doc struct {
		Results []result `yaml:"results"`
	}
	if err := yaml.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("output is not YAML: %v", err)
	}
	return doc.Results
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
