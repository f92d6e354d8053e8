package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
)

// packageChart writes testdata/<name> as the archive helm pull would.
func packageChart(t *testing.T, name, dir string) {
	t.Helper()
	ch, err := loader.LoadDir(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chartutil.Save(ch, dir); err != nil {
		t.Fatal(err)
	}
}

const fleet = `apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: site, namespace: default}
spec:
  plugin:
    flagger:
      trafficRoutingProvider: nginx
      chart: {repository: "oci://harbor.corp.local/mirror/ghcr.io/fluxcd/charts", name: flagger, version: 1.x}
      extraArgs:
        image: {repository: harbor.corp.local/mirror/ghcr.io/fluxcd/flagger}
        prometheus: {install: true, image: harbor.corp.local/mirror/docker.io/prom/prometheus:v2.41.0}
`

// TestListsRenderedImages renders a pulled chart archive (version range
// 1.x resolved to the archive in --charts) with Helm's engine and the
// Fleet's extraArgs: every image is listed, the one the built-in list
// cannot know is marked, and the built-in entry of the assumed version
// that this chart does not render is said.
func TestListsRenderedImages(t *testing.T) {
	dir := t.TempDir()
	packageChart(t, "flagger", dir)
	fleetFile := filepath.Join(t.TempDir(), "fleet.yaml")
	if err := os.WriteFile(fleetFile, []byte(fleet), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"--charts", dir, fleetFile}, nil, &out, &errb)
	t.Logf("stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	// the nginx provider's chart is not in DIR: an error naming it
	if code != 1 || !strings.Contains(errb.String(), "Fleet default/site: ingress-nginx (flagger provider nginx) (chart ingress-nginx 4.x): no chart archive ingress-nginx-4.x.tgz") {
		t.Errorf("exit %d; want 1 and an error naming the missing ingress-nginx archive", code)
	}
	for _, want := range []string{
		"# Fleet default/site, release flagger: flagger-1.50.0.tgz (oci://harbor.corp.local/mirror/ghcr.io/fluxcd/charts)\n",
		// the rewritten values reach the rendered manifests
		"harbor.corp.local/mirror/ghcr.io/fluxcd/flagger:1.50.0  # not in scenario-fn's built-in list (it assumes flagger 1.44.0): mirror it too\n",
		"harbor.corp.local/mirror/docker.io/prom/prometheus:v2.41.0  # not in scenario-fn's built-in list",
		"ghcr.io/fluxcd/flagger-metrics:1.50.0  # not in scenario-fn's built-in list",
		"# listed by scenario-fn but not rendered by this chart: ghcr.io/fluxcd/flagger:1.44.0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestUpstreamValuesMatchTheList: with the upstream values (no extraArgs)
// the images the chart renders that the list knows are printed plain.
func TestUpstreamValuesMatchTheList(t *testing.T) {
	dir := t.TempDir()
	packageChart(t, "flagger", dir)
	fleetFile := filepath.Join(t.TempDir(), "fleet.yaml")
	in := "apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nmetadata: {name: f, namespace: ns}\nspec:\n  plugin:\n    flagger: {trafficRoutingProvider: istio, extraArgs: {image: {tag: 1.44.0}}}\n"
	if err := os.WriteFile(fleetFile, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--charts", dir, fleetFile}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"# Fleet ns/f, release flagger: flagger-1.50.0.tgz (oci://ghcr.io/fluxcd/charts)",
		"ghcr.io/fluxcd/flagger-metrics:1.50.0  # not in scenario-fn's built-in list (it assumes flagger 1.44.0): mirror it too",
		"ghcr.io/fluxcd/flagger:1.44.0",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), strings.Join(want, "\n"))
	}
}

func TestBadInput(t *testing.T) {
	var out, errb bytes.Buffer
	p := filepath.Join(t.TempDir(), "none.yaml")
	os.WriteFile(p, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), 0o644)
	if code := run([]string{"--charts", t.TempDir(), p}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), p+": no Fleet") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if code := run(nil, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "usage: scenario-fn-charts --charts DIR") {
		t.Errorf("no usage: exit %d", code)
	}
}
