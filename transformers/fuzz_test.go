package transformers

import (
	"strings"
	"testing"

	"github.com/distribution/reference"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fuzzRules is a rule set with every kind of rule: a path rule, a host
// rule, a host with a port, a one-repository rule and the catch-all.
func fuzzRules(t testing.TB) *rewriter {
	t.Helper()
	var errs []string
	errf := func(field, hint, format string, args ...any) { errs = append(errs, field) }
	images := compileRules([]Rule{
		{From: "docker.io/bitnami", To: "harbor.corp.local/bitnami"},
		{From: "docker.io", To: "harbor.corp.local/dockerhub"},
		{From: "localhost:5000", To: "harbor.corp.local:8443/local"},
		{From: "quay.io/org/app", To: "harbor.corp.local/apps/app"},
		{From: "*", To: "harbor.corp.local/mirror"},
	}, errf)
	charts := compileChartRules([]Rule{
		{From: "https://kyverno.github.io/kyverno", To: "oci://harbor.corp.local/charts/kyverno"},
	}, images, errf)
	if len(errs) > 0 {
		t.Fatalf("fuzz rules do not compile: %v", errs)
	}
	return newRewriter(images, charts)
}

// FuzzRewriteReference checks, for any string: no panic; a rewritten value
// parses, keeps the tag and the digest exactly, and is left alone (as
// already mirrored, with the same source) when rewritten again.
func FuzzRewriteReference(f *testing.F) {
	for _, s := range []string{
		"nginx", "nginx:1.25", "library/nginx", "docker.io/library/nginx", "index.docker.io/library/nginx:1.25",
		"registry-1.docker.io/bitnami/redis:7", "bitnami/redis", "bitnamilegacy/redis:7",
		"localhost:5000/x", "localhost:5000/x/y:1", "registry.example.com:8443/app:v1",
		"quay.io/org/app:1@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
		"quay.io/org/app-other", "gcr.io/x/y@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
		"harbor.corp.local/mirror/quay.io/x/y:1", "harbor.corp.local/team/app", "${IMAGE}", "$(params.x)",
		"", " ", "Quay.io/x", "UPPER/case", "a:b:c", "[::1]:5000/x", "x@sha256:abc", "::", "/", "a//b",
		strings.Repeat("a/", 200) + "b",
	} {
		f.Add(s)
	}
	rw := fuzzRules(f)
	f.Fuzz(func(t *testing.T, s string) {
		r := rw.rewriteReferenceUncached(s)
		// Registry-only values and chart URLs go through the same rules.
		rw.rewriteRegistry(s)
		rw.rewriteChartRepoUncached(s)
		rw.rewriteChartRepoUncached("oci://" + s)
		rw.rewriteChartRepoUncached("https://" + s)
		rw.rewriteName(s)
		if r.status != statusRewritten {
			if r.status == statusMirrored || r.status == statusNoMatch {
				if _, err := reference.ParseNormalizedNamed(s); err != nil {
					t.Fatalf("%q: status %d for a value that does not parse", s, r.status)
				}
			}
			return
		}
		in, err := reference.ParseNormalizedNamed(s)
		if err != nil {
			t.Fatalf("%q was rewritten but does not parse: %v", s, err)
		}
		out, err := reference.ParseNormalizedNamed(r.value)
		if err != nil {
			t.Fatalf("%q -> %q: output does not parse: %v", s, r.value, err)
		}
		if suffixOf(in) != suffixOf(out) || !strings.HasSuffix(r.value, suffixOf(in)) {
			t.Fatalf("%q -> %q: tag/digest changed (%q vs %q)", s, r.value, suffixOf(in), suffixOf(out))
		}
		if !strings.HasPrefix(r.value, "harbor.corp.local") {
			t.Fatalf("%q -> %q: not under a to", s, r.value)
		}
		again := rw.rewriteReferenceUncached(r.value)
		if again.status != statusMirrored {
			t.Fatalf("%q -> %q: a second run gives status %d, want mirrored", s, r.value, again.status)
		}
		if again.source != r.source {
			t.Fatalf("%q -> %q: the second run reports source %q, the first %q", s, r.value, again.source, r.source)
		}
	})
}

// FuzzConfig feeds arbitrary rule text to the configuration loader: it
// must never panic, and a configuration it accepts must work on a Pod.
func FuzzConfig(f *testing.F) {
	f.Add("docker.io", "harbor.corp.local/dockerhub", "https://kyverno.github.io/kyverno", "oci://harbor.corp.local/charts")
	f.Add("*", "harbor.corp.local/mirror", "*", "oci://h.io/c")
	f.Add("", "", "", "")
	f.Add("nginx", "harbor/x", "ftp://x", "https://")
	f.Add("localhost:5000", "localhost:5000/x", "oci://a.io", "oci://a.io/b")
	f.Fuzz(func(t *testing.T, from, to, chartFrom, chartTo string) {
		cfg := yaml.NewMapRNode(nil)
		_ = cfg.PipeE(yaml.SetField("apiVersion", yaml.NewStringRNode(APIVersion)))
		_ = cfg.PipeE(yaml.SetField("kind", yaml.NewStringRNode(Kind)))
		rule := yaml.NewMapRNode(&map[string]string{"from": from, "to": to})
		chartRule := yaml.NewMapRNode(&map[string]string{"from": chartFrom, "to": chartTo})
		spec := yaml.NewMapRNode(nil)
		_ = spec.PipeE(yaml.SetField("rules", yaml.NewListRNode()))
		_ = spec.PipeE(yaml.Lookup("rules"), yaml.Append(rule.YNode()))
		_ = spec.PipeE(yaml.SetField("chartRules", yaml.NewListRNode()))
		_ = spec.PipeE(yaml.Lookup("chartRules"), yaml.Append(chartRule.YNode()))
		_ = cfg.PipeE(yaml.SetField("spec", spec))
		c, problems := loadConfig(cfg)
		if c == nil {
			if !problems.HasErrors() {
				t.Fatalf("no config and no error")
			}
			return
		}
		rw := newRewriter(c.images, c.charts)
		for _, s := range []string{"nginx:1", from, to, "quay.io/a/b@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"} {
			r := rw.rewriteReferenceUncached(s)
			if r.status == statusRewritten {
				if again := rw.rewriteReferenceUncached(r.value); again.status != statusMirrored {
					t.Fatalf("from %q to %q: %q -> %q is rewritten again (status %d)", from, to, s, r.value, again.status)
				}
			}
			rc := rw.rewriteChartRepoUncached(chartFrom)
			if rc.status == statusRewritten {
				if again := rw.rewriteChartRepoUncached(rc.value); again.status != statusMirrored {
					t.Fatalf("chart %q -> %q is rewritten again (status %d)", chartFrom, rc.value, again.status)
				}
			}
		}
	})
}
