package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// TestKuratorCorpus validates the manifests of Kurator's own examples and
// docs (extracted by hack/kurator-corpus.sh into testdata/kurator-corpus,
// which is not committed) with scenario-fn and with the API server's create
// path, and requires agreement; non-Kurator kinds (Cluster API, Kubernetes,
// Istio, ...) must be skipped and counted by `scenario-fn validate`.
func TestKuratorCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "kurator-corpus")
	commit, err := os.ReadFile(filepath.Join(dir, "COMMIT"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "\n*** e2e: %s is missing: TestKuratorCorpus is SKIPPED (run hack/kurator-corpus.sh PATH-TO-KURATOR-CLONE) ***\n\n", dir)
		t.Skipf("SKIPPED: no %s (run hack/kurator-corpus.sh PATH-TO-KURATOR-CLONE)", dir)
	}
	if got := strings.TrimSpace(string(commit)); got != kurator.SourceCommit {
		t.Fatalf("the corpus is from %s, the embedded CRDs from %s: rerun hack/kurator-corpus.sh", got, kurator.SourceCommit)
	}
	s, err := loadAPIServer(filepath.Join(repo, "kurator", "crds"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return err
	})
	sort.Strings(files)
	var kuratorDocs, others, unparsable, weAccept, weReject, theyAccept, theyReject int
	counts := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		nodes, err := (&kio.ByteReader{Reader: strings.NewReader(string(data)), OmitReaderAnnotations: true}).Read()
		if err != nil {
			unparsable++
			t.Logf("%s: not YAML (%v)", f, err)
			continue
		}
		for i, n := range nodes {
			if !kurator.IsKurator(n.GetApiVersion()) {
				others++
				continue
			}
			kuratorDocs++
			name := fmt.Sprintf("%s#%d %s %s", strings.TrimPrefix(f, dir+"/"), i, n.GetKind(), n.GetName())
			v, known := judge(s, name, n)
			if !known {
				t.Errorf("%s: a Kurator kind without a CRD", name)
				continue
			}
			counts[v.outcome]++
			if len(v.ours) == 0 {
				weAccept++
			} else {
				weReject++
			}
			if len(v.theirs) == 0 {
				theyAccept++
			} else {
				theyReject++
			}
			if v.outcome != bothAccept {
				t.Logf("%s: %s\n    ours: %v\n    API server: %v", v.outcome, name, v.ours, v.theirs)
			}
			if strings.HasPrefix(v.outcome, "DISAGREE") || strings.HasPrefix(v.outcome, "rule ") {
				t.Errorf("%s: %s\n    ours: %v\n    API server: %v", v.outcome, name, v.ours, v.theirs)
			}
		}
	}
	agree := counts[bothAccept] + counts[bothReject] + counts[stricter] + counts[statusOnly] + counts[placeholder]
	t.Logf("Kurator corpus %s: %d files, %d Kurator objects, %d other objects, %d not YAML; scenario-fn accepts %d, rejects %d; the API server accepts %d, rejects %d; agreement %d/%d %v",
		strings.TrimSpace(string(commit))[:8], len(files), kuratorDocs, others, unparsable, weAccept, weReject, theyAccept, theyReject, agree, kuratorDocs, counts)
	if kuratorDocs < 40 {
		t.Fatalf("only %d Kurator objects: the extraction lost manifests", kuratorDocs)
	}

	// The CLI over the same directory: every Kurator object checked, every
	// other object skipped and counted, no error beyond those above.
	out, err := exec.Command(fnBinary, "validate", dir).CombinedOutput()
	summary := regexp.MustCompile(`(\d+) files?, (\d+) Kurator objects?, (\d+) other objects? skipped, (\d+) errors?`).FindStringSubmatch(string(out))
	if summary == nil {
		t.Fatalf("validate printed no summary (%v):\n%s", err, out)
	}
	num := func(i int) int { n, _ := strconv.Atoi(summary[i]); return n }
	// One error per rejected object here, and one per file that is not YAML
	// (kubectl cannot parse it either).
	if num(2) != kuratorDocs || num(3) != others || num(4) != weReject+unparsable {
		t.Errorf("validate counted %d Kurator objects, %d others, %d errors; want %d, %d, %d:\n%s",
			num(2), num(3), num(4), kuratorDocs, others, weReject+unparsable, out)
	}
	if strings.Contains(string(out), "unknown Kurator kind") {
		t.Errorf("validate called a Kurator kind unknown:\n%s", out)
	}
}
