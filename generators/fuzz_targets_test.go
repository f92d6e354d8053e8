package generators

import (
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// targetsTemplate is a small template whose parameter p gets its target
// from the fuzzer. Its resources have scalars, strings with delimiters,
// JSON inside a string, keyed and unkeyed lists and dotted keys.
const targetsTemplate = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata: {name: fz}
spec:
  parameters:
  - name: p
    targets: []
  - name: q
    default: fixed
    targets:
    - select: {kind: Application}
      fieldPaths:
      - spec.syncPolicies.[name=default].kustomization.path
  resources:
  - apiVersion: apps.kurator.dev/v1alpha1
    kind: Application
    metadata:
      labels: {app.kubernetes.io/name: fz}
    spec:
      source:
        gitRepository: {url: "https://github.com/acme/fz", interval: 5m0s, ref: {branch: main}}
      syncPolicies:
      - name: default
        kustomization:
          interval: 5m0s
          prune: true
          path: ./deploy
          images: [{name: ghcr.io/acme/fz, newTag: latest}]
          patches:
          - target: {kind: Deployment}
            patch: '[{"op":"add","path":"/spec/replicas","value":2}]'
      - name: extra
        kustomization: {interval: 1m, prune: false}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings}
    data:
      image: "registry.local:5000/acme/fz:v1"
      list: "a,b,c"
`

// FuzzParameterTargets writes a fuzzed value through a fuzzed parameter
// target (fieldPath, options.delimiter, options.index, options.create) of a
// small template. Properties: no panic; two renders give the same result;
// the memoised fast path (a second instance through the same resolver, the
// value plan in use) gives exactly what the replacement filter gives (a
// Resolver with filterValues), and the provenance observer changes nothing;
// no $patch directive reaches the output.
func FuzzParameterTargets(f *testing.F) {
	f.Add("spec.syncPolicies.[name=default].kustomization.images.0.newTag", "", 0, false, "v1.2.3", "v2")
	f.Add("data.image", ":", 1, false, "v2", "v3")
	f.Add("data.image", "/", 0, false, "harbor.local", "localhost:5000")
	f.Add("data.list", ",", 7, false, "z", "")
	f.Add("spec.source.gitRepository.url", "", 0, false, "https://example.com/x", "${REPO}")
	f.Add("spec.syncPolicies.*.kustomization.interval", "", 0, false, "10m", "1h")
	f.Add("spec.destination.clusterSelector.matchLabels.env", "", 0, true, "prod", "dev")
	f.Add("metadata.labels.[app.kubernetes.io/name]", "", 0, false, "orders", "billing")
	f.Add("spec.syncPolicies.[name=default].kustomization.patches.0.patch.0.value", "", 0, false, "3", "4")
	f.Add("spec.syncPolicies.[name=default].kustomization.patches.0.patch.0.path", "/", 2, false, "x", "y")
	f.Add("spec.syncPolicies.[name=extra]", "", 0, false, "{a: b}", "[1]")
	f.Add("spec.syncPolicies.[name=default].name", "", 0, false, "renamed", "default")
	f.Add("spec.syncPolicies.[name=default].kustomization.$patch", "", 0, true, "delete", "replace")
	f.Add("data", "", 0, false, "null", "~")
	f.Fuzz(func(t *testing.T, fieldPath, delimiter string, index int, create bool, v1, v2 string) {
		if len(fieldPath) > 256 || len(delimiter) > 8 || len(v1) > 256 || len(v2) > 256 || index < -2 || index > 16 {
			return
		}
		tpl := yaml.MustParse(targetsTemplate)
		target := yaml.MustParse("select: {kind: Application}\n")
		fps := yaml.NewListRNode(fieldPath)
		_ = target.PipeE(yaml.SetField("fieldPaths", fps))
		if delimiter != "" || index != 0 || create {
			opts := yaml.NewMapRNode(nil)
			if delimiter != "" {
				_ = opts.PipeE(yaml.SetField("delimiter", yaml.NewStringRNode(delimiter)))
			}
			if index != 0 {
				_ = opts.PipeE(yaml.SetField("index", yaml.NewScalarRNode(strconv.Itoa(index))))
			}
			if create {
				_ = opts.PipeE(yaml.SetField("create", yaml.NewScalarRNode("true")))
			}
			_ = target.PipeE(yaml.SetField("options", opts))
		}
		if strings.HasPrefix(fieldPath, "data") {
			_ = target.PipeE(yaml.Lookup("select"), yaml.SetField("kind", yaml.NewStringRNode("ConfigMap")))
		}
		_ = tpl.PipeE(yaml.Lookup("spec", "parameters", "[name=p]"), yaml.SetField("targets", yaml.NewListRNode()))
		_ = tpl.PipeE(yaml.Lookup("spec", "parameters", "[name=p]", "targets"), yaml.Append(target.YNode()))
		template, problems := ParseTemplate(tpl, "fz.yaml", false)
		if template == nil {
			if !problems.HasErrors() {
				t.Fatal("no template and no error")
			}
			return
		}
		instance := func(name, value string) *Template {
			doc := "apiVersion: scenario.kurator.dev/v1alpha1\nkind: ScenarioTemplate\nmetadata: {name: " + name + ", namespace: ns}\nspec: {extends: [fz]}\n"
			inst, ps := ParseTemplate(yaml.MustParse(doc), "", false)
			if ps.HasErrors() {
				t.Fatal(ps)
			}
			v, err := yaml.Parse(value)
			if err != nil || v.YNode().Kind == yaml.DocumentNode {
				v = yaml.NewStringRNode(value)
			}
			inst.Values, inst.ValueOrder = map[string]*yaml.RNode{"p": v}, []string{"p"}
			return inst
		}
		render := func(rv *Resolver, inst *Template, trace bool) string {
			res, problems := rv.Render(inst, nil, trace)
			if problems.HasErrors() {
				msg := problems.Error()
				if strings.Contains(msg, "internal") {
					t.Fatalf("internal error: %s", msg)
				}
				return "error: " + msg
			}
			var b strings.Builder
			for _, n := range res.Resources {
				if d := findDirective(n.YNode(), ""); d != "" {
					t.Fatalf("directive %s in the output", d)
				}
				b.WriteString(n.MustString())
				b.WriteString("---\n")
			}
			return b.String()
		}
		pkg := map[string]*Template{"fz": template}
		shared := &Resolver{Package: pkg}
		for _, v := range []string{v1, v2, v1} {
			fast := render(shared, instance("a", v), false)
			slow := render(&Resolver{Package: pkg, filterValues: true}, instance("a", v), false)
			if fast != slow {
				t.Fatalf("value %q: the memoised render differs from the filter's:\n--- fast\n%s\n--- filter\n%s", v, fast, slow)
			}
			if observed := render(shared, instance("a", v), true); observed != fast {
				t.Fatalf("value %q: the observed render differs:\n--- unobserved\n%s\n--- observed\n%s", v, fast, observed)
			}
		}
	})
}
