package e2e

import (
	"github.com/kurator-scenario/scenario-fn/generators"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// templates graph --format dot, laid out by Graphviz's dot: it parses,
// and the drawing has a node per template (built-in and the example's)
// and an arrow per extends entry.
func TestTemplatesGraphWithGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("SKIPPED: Graphviz is not installed (apt-get install graphviz; .ci/run does): the DOT graph is NOT checked by dot here")
	}
	pkg := filepath.Join(repo, "examples", "platform-templates")
	graph := run(t, repo, fnBinary, "templates", "graph", "--dir", pkg, "--format", "dot")
	cmd := exec.Command(dot, "-Tplain")
	cmd.Stdin = strings.NewReader(graph)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("dot rejects the graph: %v\n%s\n%s", err, stderr.String(), graph)
	}
	// -Tplain: "node NAME x y w h LABEL ...", "edge TAIL HEAD n x1 y1 ...".
	var nodes, edges []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 6 && f[0] == "node":
			nodes = append(nodes, strings.Trim(f[1], `"`))
		case len(f) > 3 && f[0] == "edge":
			edges = append(edges, strings.Trim(f[1], `"`)+" -> "+strings.Trim(f[2], `"`))
		}
	}
	slices.Sort(nodes)
	slices.Sort(edges)
	// The built-in catalog and its extends edges, plus the package's two templates.
	wantNodes := append(generators.CatalogNames(), "go-canary", "go-service")
	wantEdges := []string{"go-canary -> canary-service", "go-canary -> go-service", "go-service -> web-service"}
	for _, name := range generators.CatalogNames() {
		for _, e := range generators.Catalog()[name].Extends {
			wantEdges = append(wantEdges, name+" -> "+e)
		}
	}
	slices.Sort(wantNodes)
	slices.Sort(wantEdges)
	if !slices.Equal(nodes, wantNodes) || !slices.Equal(edges, wantEdges) {
		t.Errorf("dot drew nodes %v\nedges %v\nwant %v\n%v", nodes, edges, wantNodes, wantEdges)
	}
	// The Mermaid form has the same edges (GitHub renders it; no renderer
	// is installed here, so it is compared with the DOT form).
	mermaid := run(t, repo, fnBinary, "templates", "graph", "--dir", pkg)
	ids := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  (t\d+)\["([^"]+)"\]$`).FindAllStringSubmatch(mermaid, -1) {
		ids[m[1]] = m[2]
	}
	var medges []string
	for _, m := range regexp.MustCompile(`(?m)^  (t\d+) -->\|extends\| (t\d+)$`).FindAllStringSubmatch(mermaid, -1) {
		medges = append(medges, ids[m[1]]+" -> "+ids[m[2]])
	}
	slices.Sort(medges)
	if !strings.HasPrefix(mermaid, "flowchart BT\n") || !slices.Equal(medges, wantEdges) || len(ids) != len(wantNodes) {
		t.Errorf("mermaid edges %v, nodes %v:\n%s", medges, ids, mermaid)
	}
}
