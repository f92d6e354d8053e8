package e2e

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestAirGappedFleet renders observed-fleet with policy and flagger plugins
// plus an ordinary workload, swaps every registry, and checks that nothing
// the install pulls is left on a public registry, and that the mirror list
// covers it all.
func TestAirGappedFleet(t *testing.T) {
	objs := renderKustomizeExample(t, "examples/air-gapped-fleet")
	fleet, cron, mirror := objs["Fleet site-a"], objs["CronJob ingress-probe"], objs["ConfigMap mirror-list"]
	if fleet == nil || cron == nil || mirror == nil || objs["Secret site-a-thanos-objstore"] == nil {
		t.Fatalf("missing objects: %v", keys(objs))
	}
	out := fleet.MustString() + cron.MustString()
	for _, public := range []string{"docker.io", "ghcr.io/fluxcd/charts\n", "oci://registry-1", "https://kyverno", "quay.io/curl/curl:8.8.0@"} {
		if strings.Contains(out, public) && !strings.Contains(out, "harbor.site-a.local/mirror/"+strings.TrimSpace(public)) {
			t.Errorf("a public reference is left: %q", public)
		}
	}
	// Every plugin carries a complete chart on the private registry.
	plugins, _ := fleet.Pipe(yaml.Lookup("spec", "plugin"))
	charts := 0
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		for i := 0; i+1 < len(n.Content) && n.Kind == yaml.MappingNode; i += 2 {
			if n.Content[i].Value == "chart" {
				charts++
				c := yaml.NewRNode(n.Content[i+1])
				repo := field(t, c, "repository")
				if !strings.HasPrefix(repo, "oci://harbor.site-a.local/") {
					t.Errorf("chart repository %s is not private", repo)
				}
				field(t, c, "name")
				field(t, c, "version")
			}
			visit(n.Content[i+1])
		}
	}
	visit(plugins.YNode())
	// thanos, prometheus, grafana, kyverno, flagger (Istio, flagger's
	// provider here, is pre-installed: it has no chart).
	if charts != 5 {
		t.Errorf("%d chart blocks written, want 5", charts)
	}
	// Digests and tags survive; init containers move too.
	cs := cron.MustString()
	for _, want := range []string{
		"harbor.site-a.local/mirror/quay.io/curl/curl:8.8.0@sha256:4026b29997dc7c823b51c164b71e2b51e0fd95cce4601f78202c513d97da2922",
		"harbor.site-a.local/dockerhub/library/busybox:1.36",
		"harbor-pull",
	} {
		if !strings.Contains(cs, want) {
			t.Errorf("CronJob lacks %q", want)
		}
	}
	list := field(t, mirror, "data")
	for _, want := range []string{"quay.io/curl/curl", "busybox:1.36", "bitnamicharts thanos", "bitnamicharts kube-prometheus", "bitnamicharts grafana", "kyverno", "flagger"} {
		if !strings.Contains(list, want) {
			t.Errorf("mirror list lacks %q", want)
		}
	}
}
