package main

import (
	"bytes"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/transformers"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

const allPlugins = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig:
  apiVersion: scenario.kurator.dev/v1alpha1
  kind: ImageRegistryTransformer
  metadata: {name: corp-mirror}
  spec:
    rules: [{from: "*", to: harbor.corp.local/mirror}]
items:
- apiVersion: fleet.kurator.dev/v1alpha1
  kind: Fleet
  metadata: {name: quickstart, namespace: default}
  spec:
    plugin:
      metric: {thanos: {objectStoreConfig: {secretName: thanos-objstore}}}
      grafana: {}
      policy: {kyverno: {}}
      flagger: {trafficRoutingProvider: nginx}
      backup:
        storage:
          secretName: backup-secret
          location: {bucket: velero, provider: aws, endpoint: "http://minio:9000", region: minio}
      distributedStorage: {storage: {dataDirHostPath: /var/lib/rook}}
      submariner: {clusterCidrs: {m1: 10.244.0.0/16}, serviceCidrs: {m1: 10.96.0.0/16}}
`

// fleetImagesChart stands in for every chart a Fleet installs (see its
// Chart.yaml); it is shared with the real-registry e2e test.
var fleetImagesChart = filepath.Join("..", "..", "e2e", "testdata", "registry", "fleet-images")

// TestRewrittenExtraArgsRenderMirrorImages runs the transformer on a Fleet
// with every plugin (provider nginx), then renders the charts' image
// templates with Helm's engine and each plugin's rewritten extraArgs: every
// image the charts render must point at the mirror, tags and digests kept.
func TestRewrittenExtraArgsRenderMirrorImages(t *testing.T) {
	fn.Register(transformers.Kind, transformers.ImageRegistry{})
	var out, errb bytes.Buffer
	if code := fn.Run(&krm.Context{}, []byte(allPlugins), &out, &errb); code != 0 {
		t.Fatalf("transformer: exit %d: %s", code, errb.String())
	}
	rl, err := krm.Read(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	fleet := rl.Items[0]
	values := map[string]any{
		"kuma":    map[string]any{"enabled": false},
		"nginx":   map[string]any{"enabled": true},
		"flagger": map[string]any{"prometheus": map[string]any{"install": true}}, // Kurator's value for provider nginx
	}
	for key, path := range map[string][]string{
		"thanos": {"metric", "thanos"}, "prometheus": {"metric", "prometheus"}, "grafana": {"grafana"},
		"kyverno": {"policy", "kyverno"}, "flagger": {"flagger"}, "nginx": {"flagger", "config"},
		"velero": {"backup"}, "rook": {"distributedStorage"}, "submariner": {"submariner"},
	} {
		n, err := fleet.Pipe(kyaml.Lookup(append(append([]string{"spec", "plugin"}, path...), "extraArgs")...))
		if err != nil || n == nil {
			t.Fatalf("no extraArgs written at spec.plugin.%s", strings.Join(path, "."))
		}
		var extra map[string]any
		if err := sigsyaml.Unmarshal([]byte(n.MustString()), &extra); err != nil {
			t.Fatal(err)
		}
		base, _ := values[key].(map[string]any)
		if base == nil {
			base = map[string]any{}
		}
		values[key] = merge(base, extra)
	}
	imgs := renderChartImages(t, values)
	if len(imgs) != 33 {
		t.Errorf("%d images rendered, want 33 (every image of the table for this Fleet):\n%s", len(imgs), strings.Join(imgs, "\n"))
	}
	for _, img := range imgs {
		if !strings.HasPrefix(img, "harbor.corp.local/mirror/") {
			t.Errorf("rendered image %s does not point at the mirror", img)
		}
	}
	for _, want := range []string{
		"harbor.corp.local/mirror/registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1",
		"harbor.corp.local/mirror/docker.io/bitnami/kubectl:1.26.4", // kyverno cleanupJobs: Docker Hub, not ghcr.io
		"harbor.corp.local/mirror/docker.io/kumahq/kuma-cp:2.7.3",   // (kuma disabled here: must be absent)
		"harbor.corp.local/mirror/quay.io/submariner/submariner-gateway:0.18.0",
		"harbor.corp.local/mirror/docker.io/velero/velero-plugin-for-aws:v1.7.1",
		"harbor.corp.local/mirror/docker.io/bitnami/kubectl:1.25",
	} {
		found := false
		for _, img := range imgs {
			found = found || img == want
		}
		if found == strings.Contains(want, "kuma") {
			t.Errorf("rendered images: %s present = %v", want, found)
		}
	}

	// Control: without the rewritten values nothing points at the mirror,
	// so the check above can fail.
	for _, img := range renderChartImages(t, map[string]any{"kuma": map[string]any{"enabled": false}, "nginx": map[string]any{"enabled": true}}) {
		if strings.HasPrefix(img, "harbor.corp.local/") {
			t.Errorf("upstream values render %s", img)
		}
	}
}

func renderChartImages(t *testing.T, values map[string]any) []string {
	t.Helper()
	ch, err := loader.LoadDir(fleetImagesChart)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{Name: "fleet", Namespace: "default", IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Render(ch, rv)
	if err != nil {
		t.Fatal(err)
	}
	var imgs []string
	for path, content := range files {
		if !strings.HasSuffix(path, ".yaml") {
			continue
		}
		var pod struct {
			Spec struct {
				Containers []struct{ Image string } `json:"containers"`
			} `json:"spec"`
		}
		if err := sigsyaml.Unmarshal([]byte(content), &pod); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, content)
		}
		for _, c := range pod.Spec.Containers {
			imgs = append(imgs, c.Image)
		}
	}
	sort.Strings(imgs)
	return imgs
}
