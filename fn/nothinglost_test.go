package fn_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The "nothing lost" property (hardening issue): over generated packages,
// every input item the function does not own comes out semantically
// identical, comments kept, and no owned item is dropped except the stale
// ones the generator itself created. A failed run writes back the input
// items exactly.
//
// Items are compared as kyaml serialises them, (*yaml.RNode).MustString(),
// after the ResourceList is parsed the way the function reads it (runner
// annotations neither added nor removed): "semantically identical" is byte
// identity here, with one exception that kyaml's YAML library imposes on
// every KRM function, a foot comment that ends a block may come back
// indented one level deeper (see nlFootMoved; the log line of each test
// counts them). Every comment written into a generated item carries a
// unique token (nlP-N), and the tokens are also looked up in the output, so
// a comment the parser dropped on the way in would not go unnoticed.
//
// Properties, per package: (1) exit 0 and a ResourceList on stdout; (2)
// items not owned unchanged; (3) nothing owned dropped, the exact multiset
// of missing identities; (4) a second run gives the same items; (5) the
// items not owned keep their relative order. TestNothingLostOnFailure
// injects one error per package: exit 1 and the input items written back.
// TestNothingLostKeptOverlay fails on purpose: it shows a generator bug
// (see there).
//
// What the function owns is decided here from how each item was generated,
// following the README and generators/generator.go, never by asking the
// function:
//
//   - ScenarioTemplate: the instance's earlier output (annotation
//     scenario.kurator.dev/instance: <ns>/<name>, written by the function
//     itself, so with its kinds, names and templates annotation; copies
//     of the annotation on other resources are the bad-input matrix's
//     business) is replaced; such items
//     whose role the current instance no longer generates are stale and
//     removed; templates, the instance itself and overlays addressed to the
//     instance are consumed, except in a kpt package (a Kptfile among the
//     items) or when they are local config; overlays for other instances,
//     the output of other instances (same name in another namespace, or
//     another name) and everything else pass through untouched.
//   - ImageRegistryTransformer: only image fields whose reference a rule
//     maps change (the expected value is computed here from the rule table
//     of the README), plus the configured imagePullSecrets in pod specs with
//     a rewritten image, plus the mirror list ConfigMap when asked for.
//     Items are neither dropped nor reordered.

// nlPackages is the number of generated packages per function kind (the
// race detector slows the function some 5 times: fewer packages there keep
// the run under 10 s; the ordinary run checks all of them).
func nlPackages() int {
	if raceDetector {
		return 40
	}
	return 200
}

// nlTokenRE finds the unique tokens of generated comments and values.
var nlTokenRE = regexp.MustCompile(`\bnl\d+-\d+\b`)

// nlGen generates the items of one package.
type nlGen struct {
	r   *rand.Rand
	pkg int
	n   int
}

func newNLGen(seed uint64, pkg int) *nlGen {
	return &nlGen{r: rand.New(rand.NewPCG(seed, uint64(pkg))), pkg: pkg}
}

func (g *nlGen) id() int               { g.n++; return g.n }
func (g *nlGen) token() string         { return fmt.Sprintf("nl%d-%d", g.pkg, g.id()) }
func (g *nlGen) chance(p float64) bool { return g.r.Float64() < p }
func (g *nlGen) pick(options ...string) string {
	return options[g.r.IntN(len(options))]
}

// lineComment returns " # <what> <token>" (a line comment) with
// probability p, else "".
func (g *nlGen) lineComment(p float64, what string) string {
	if !g.chance(p) {
		return ""
	}
	return " # " + what + " " + g.token()
}

// headComment returns an indented comment line, or "".
func (g *nlGen) headComment(p float64, ind, what string) string {
	if !g.chance(p) {
		return ""
	}
	return ind + "# " + what + " " + g.token() + "\n"
}

// runnerAnnotations returns annotation entries as kustomize and kpt set
// them, a random subset.
func (g *nlGen) runnerAnnotations(file string) []string {
	var a []string
	if g.chance(0.7) {
		a = append(a, "internal.config.kubernetes.io/path: "+g.pick("'"+file+"'", file, `"`+file+`"`))
	}
	if g.chance(0.5) {
		a = append(a, "internal.config.kubernetes.io/index: '"+strconv.Itoa(g.r.IntN(4))+"'")
	}
	if g.chance(0.3) {
		a = append(a, "config.kubernetes.io/index: \""+strconv.Itoa(g.r.IntN(4))+"\"")
	}
	if g.chance(0.2) {
		a = append(a, "config.kubernetes.io/path: "+file)
	}
	if g.chance(0.1) {
		a = append(a, "internal.config.kubernetes.io/seqindent: "+g.pick("compact", "wide"))
	}
	return a
}

// metadata writes a metadata block; extra are further annotation lines.
func (g *nlGen) metadata(b *strings.Builder, name, ns, file string, extra ...string) {
	b.WriteString(g.headComment(0.2, "", "metadata"))
	b.WriteString("metadata:\n")
	b.WriteString("  name: " + name + g.lineComment(0.3, "name") + "\n")
	if ns != "" {
		b.WriteString("  namespace: " + ns + "\n")
	}
	if g.chance(0.3) {
		b.WriteString("  labels: {app: " + name + ", tier: " + g.pick("web", `"backend"`, "'db'") + "}\n")
	}
	ann := append(g.runnerAnnotations(file), extra...)
	if g.chance(0.2) {
		ann = append(ann, "example.com/note: "+g.pick(`"a: b # not a comment `+g.token()+`"`, `'it''s `+g.token()+`'`, "plain "+g.token()))
	}
	if len(ann) == 0 {
		return
	}
	g.r.Shuffle(len(ann), func(i, j int) { ann[i], ann[j] = ann[j], ann[i] })
	flowable := true
	for _, a := range ann {
		flowable = flowable && !strings.Contains(a, ",")
	}
	if flowable && g.chance(0.15) {
		b.WriteString("  annotations: {" + strings.Join(ann, ", ") + "}\n")
		return
	}
	b.WriteString("  annotations:\n")
	for _, a := range ann {
		b.WriteString("    " + a + g.lineComment(0.1, "ann") + "\n")
	}
}

func (g *nlGen) ns() string { return g.pick("shop", "", "team-a", "shop") }

// ---- Items no function owns (unless the transformer finds images in them).

func (g *nlGen) configMap() string {
	var b strings.Builder
	name := fmt.Sprintf("cm-%d", g.id())
	b.WriteString(g.headComment(0.5, "", "head"))
	b.WriteString("apiVersion: v1\nkind: ConfigMap\n")
	var extra []string
	if g.chance(0.15) {
		extra = append(extra, `scenario.kurator.dev/overlay: "false"`) // not an overlay
	}
	g.metadata(&b, name, g.ns(), "config/"+name+".yaml", extra...)
	b.WriteString("data:\n")
	b.WriteString(g.headComment(0.6, "  ", "data head"))
	b.WriteString("  key: value" + g.lineComment(0.5, "line") + "\n")
	if g.chance(0.5) {
		b.WriteString("  quoted: \"a: b # not a comment " + g.token() + "\"\n")
	}
	if g.chance(0.4) {
		b.WriteString("  single: 'it''s " + g.token() + "'\n")
	}
	if g.chance(0.5) {
		b.WriteString(g.headComment(0.5, "  ", "literal"))
		b.WriteString("  script.sh: |\n    #!/bin/sh\n    # not a comment " + g.token() + "\n    echo \"${HOME}\" $((1+2))\n")
	}
	if g.chance(0.3) {
		b.WriteString("  folded: >-\n    folded\n    text " + g.token() + "\n")
	}
	if g.chance(0.3) {
		b.WriteString("  number: \"0123\"\n  bool: 'yes'\n  empty: \"\"\n")
	}
	if g.chance(0.3) {
		b.WriteString("  image: nginx:1.25" + g.lineComment(0.5, "not an image field") + "\n")
	}
	if g.chance(0.3) {
		b.WriteString("  json: '{\"a\": [1, 2], \"b\": null}'\n")
	}
	b.WriteString(g.headComment(0.3, "  ", "data foot"))
	return b.String()
}

func (g *nlGen) service() string {
	var b strings.Builder
	name := fmt.Sprintf("svc-%d", g.id())
	b.WriteString(g.headComment(0.3, "", "service"))
	b.WriteString("apiVersion: v1\nkind: Service\n")
	g.metadata(&b, name, g.ns(), "svc/"+name+".yaml")
	b.WriteString("spec:\n  selector: {app: " + name + "}" + g.lineComment(0.3, "selector") + "\n")
	if g.chance(0.5) {
		b.WriteString("  ports: [{port: 80, targetPort: 8080, protocol: TCP}, {name: metrics, port: 9090}]\n")
	} else {
		b.WriteString("  ports:\n  - name: http" + g.lineComment(0.4, "port") + "\n    port: 80\n    targetPort: \"http\"\n")
	}
	return b.String()
}

func (g *nlGen) namespace() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Namespace\n")
	g.metadata(&b, fmt.Sprintf("ns-%d", g.id()), "", "namespaces.yaml")
	return b.String()
}

// widget is a CR of a kind no function knows, with odd but valid YAML
// (anchors and aliases included: the runner expands them for the
// processor and must put the original back).
func (g *nlGen) widget() string {
	var b strings.Builder
	name := fmt.Sprintf("w-%d", g.id())
	b.WriteString(g.headComment(0.4, "", "widget"))
	b.WriteString("apiVersion: example.com/v1\nkind: " + g.pick("Widget", "ScenarioTemplate", "Application") + "\n")
	g.metadata(&b, name, g.ns(), "crs/"+name+".yaml")
	b.WriteString("spec:\n")
	b.WriteString("  image: " + g.pick("nginx:1.25", "docker.io/bitnami/redis:7", `"quay.io/x/y"`) + g.lineComment(0.4, "not a pod") + "\n")
	b.WriteString("  replicas: 3\n  ratio: 0.5\n  nothing: null\n  tilde: ~\n")
	b.WriteString("  nested:\n    list:\n    - a" + g.lineComment(0.3, "elem") + "\n    - b: c\n      d: [1, 2, {e: f}]\n")
	b.WriteString(g.headComment(0.4, "    ", "nested foot"))
	if g.chance(0.25) {
		b.WriteString("  base: &base {x: 1, y: \"two\"}\n  copy: *base\n  merged:\n    <<: *base\n    z: 3\n")
	}
	if g.chance(0.3) {
		b.WriteString("  template:\n    spec:\n      bootstrap: {dataSecretName: boot}" + g.lineComment(0.3, "no containers") + "\n")
	}
	return b.String()
}

// kuratorApp is an Application nobody generated (no instance annotation).
func (g *nlGen) kuratorApp() string {
	var b strings.Builder
	name := fmt.Sprintf("app-%d", g.id())
	b.WriteString(g.headComment(0.3, "", "hand-written application"))
	b.WriteString("apiVersion: apps.kurator.dev/v1alpha1\nkind: Application\n")
	var extra []string
	if g.chance(0.3) {
		extra = append(extra, "scenario.kurator.dev/templates: web-service")
	}
	g.metadata(&b, name, g.ns(), "apps/"+name+".yaml", extra...)
	b.WriteString("spec:\n  source:\n    gitRepository:\n      url: https://github.com/acme/" + name + g.lineComment(0.4, "repo") + "\n      interval: 3m0s\n")
	b.WriteString("  destination: {fleet: prod}\n  syncPolicies:\n  - name: default" + g.lineComment(0.4, "policy") + "\n    kustomization:\n      path: ./deploy\n      interval: 5m0s\n      prune: true\n")
	return b.String()
}

func (g *nlGen) kuratorFleet() string {
	var b strings.Builder
	name := fmt.Sprintf("fleet-%d", g.id())
	b.WriteString("apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\n")
	g.metadata(&b, name, g.ns(), "fleets/"+name+".yaml")
	b.WriteString("spec:\n  clusters:\n  - name: member1" + g.lineComment(0.4, "cluster") + "\n    kind: AttachedCluster\n")
	if g.chance(0.4) {
		b.WriteString("  - {name: member2, kind: Cluster}\n")
	}
	return b.String()
}

// ---- Images, shared by both kinds.

// nlRule is an ImageRegistryTransformer rule.
type nlRule struct{ from, to string }

var nlRules = []nlRule{
	{"docker.io", "harbor.corp.local/dockerhub"},
	{"docker.io/bitnami", "harbor.corp.local/bitnami"},
	{"quay.io", "harbor.corp.local/quay"},
	{"ghcr.io/acme", "harbor.corp.local/acme"},
	{"registry.example.com:8443", "harbor.corp.local/example"},
	{"*", "harbor.corp.local/mirror"},
}

// nlImage is a reference as written and its canonical host and path.
type nlImage struct{ written, host, path string }

var nlImages = []nlImage{
	{"nginx", "docker.io", "library/nginx"},
	{"library/nginx", "docker.io", "library/nginx"},
	{"docker.io/library/nginx", "docker.io", "library/nginx"},
	{"index.docker.io/library/busybox", "docker.io", "library/busybox"},
	{"registry-1.docker.io/library/alpine", "docker.io", "library/alpine"},
	{"bitnami/redis", "docker.io", "bitnami/redis"},
	{"docker.io/bitnami/postgresql", "docker.io", "bitnami/postgresql"},
	{"bitnamilegacy/redis", "docker.io", "bitnamilegacy/redis"},
	{"quay.io/prometheus/node-exporter", "quay.io", "prometheus/node-exporter"},
	{"ghcr.io/acme/orders", "ghcr.io", "acme/orders"},
	{"ghcr.io/acmecorp/tool", "ghcr.io", "acmecorp/tool"},
	{"ghcr.io/fluxcd/flagger", "ghcr.io", "fluxcd/flagger"},
	{"registry.example.com:8443/team/app", "registry.example.com:8443", "team/app"},
	{"gcr.io/distroless/static", "gcr.io", "distroless/static"},
	{"localhost:5000/dev/app", "localhost:5000", "dev/app"},
	{"harbor.corp.local/dockerhub/library/nginx", "harbor.corp.local", "dockerhub/library/nginx"},
	{"harbor.corp.local/team/app", "harbor.corp.local", "team/app"},
	{"harbor.corp.local/mirror/quay.io/x/y", "harbor.corp.local", "mirror/quay.io/x/y"},
}

const nlDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// image returns a random image value as written and the value the rules
// turn it into (the same when no rule applies).
func (g *nlGen) image(rules []nlRule) (written, want string) {
	if g.chance(0.05) {
		v := g.pick("${IMAGE}", "$(params.image)", "${REGISTRY}/app:1")
		return v, v
	}
	im := nlImages[g.r.IntN(len(nlImages))]
	suffix := ""
	if g.chance(0.7) {
		suffix += ":" + g.pick("1.25", "v1.2.3", "latest", "7.0.15-debian-12-r0")
	}
	if g.chance(0.2) {
		suffix += "@" + nlDigest
	}
	written = im.written + suffix
	if name, ok := nlRewrite(rules, im.host, im.path); ok {
		return written, name + suffix
	}
	return written, written
}

// nlRewrite is the README's rule table ("Rules and the result shape"),
// written independently of the transformer.
func nlRewrite(rules []nlRule, host, path string) (string, bool) {
	ref := host + "/" + path
	under := func(ref, prefix string) bool { return ref == prefix || strings.HasPrefix(ref, prefix+"/") }
	var catchAll *nlRule
	for i, r := range rules {
		if under(ref, r.to) {
			return "", false // already mirrored
		}
		if r.from == "*" {
			catchAll = &rules[i]
		}
	}
	var best *nlRule
	for i, r := range rules {
		if r.from != "*" && under(ref, r.from) && (best == nil || len(r.from) > len(best.from)) {
			best = &rules[i]
		}
	}
	switch {
	case best != nil:
		return best.to + strings.TrimPrefix(ref, best.from), true
	case catchAll != nil:
		for _, r := range rules {
			if h, _, _ := strings.Cut(r.to, "/"); h == host {
				return "", false // the catch-all never maps a "to" registry
			}
		}
		return catchAll.to + "/" + strings.ReplaceAll(host, ":", "_") + "/" + path, true
	}
	return "", false
}

// scalar writes v in a random style (plain, double or single quoted).
func (g *nlGen) scalar(v string) string {
	switch g.r.IntN(5) {
	case 0:
		return `"` + v + `"`
	case 1:
		return "'" + v + "'"
	}
	return v
}

// nlSlot is an image field: where it is and what it must become.
type nlSlot struct {
	path       []string
	orig, want string
}

// nlPod is a pod spec: where it is, and whether one of its images changes
// (then the configured imagePullSecrets are added).
type nlPod struct {
	path      []string
	rewritten bool
}

// nlTItem is an item of a transformer package with its image fields.
type nlTItem struct {
	text  string
	slots []nlSlot
	pods  []nlPod
	local bool // local config: left alone
}

// podSpec writes a pod spec at indentation ind, recording its image fields.
func (g *nlGen) podSpec(b *strings.Builder, ind string, path []string, rules []nlRule, it *nlTItem, ephemeral bool) {
	pod := nlPod{path: path}
	lists := []string{"containers"}
	if g.chance(0.4) {
		lists = append([]string{"initContainers"}, lists...)
	}
	if ephemeral && g.chance(0.3) {
		lists = append(lists, "ephemeralContainers")
	}
	if g.chance(0.2) {
		b.WriteString(ind + "serviceAccountName: sa" + g.lineComment(0.5, "sa") + "\n")
	}
	for _, list := range lists {
		b.WriteString(g.headComment(0.3, ind, list))
		b.WriteString(ind + list + ":\n")
		n := 1 + g.r.IntN(3)
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("%s%d", strings.ToLower(list[:1]), i)
			written, want := g.image(rules)
			p := append(slices.Clone(path), list, "[name="+name+"]", "image")
			it.slots = append(it.slots, nlSlot{path: p, orig: written, want: want})
			if want != written {
				pod.rewritten = true
			}
			if g.chance(0.25) && !strings.ContainsAny(written, "${}") {
				b.WriteString(ind + "- {name: " + name + ", image: " + g.scalar(written) + "}" + g.lineComment(0.3, "flow") + "\n")
				continue
			}
			b.WriteString(ind + "- name: " + name + g.lineComment(0.3, "container") + "\n")
			if g.chance(0.1) {
				b.WriteString(ind + "  image: >-\n" + ind + "    " + written + "\n")
			} else {
				b.WriteString(ind + "  image: " + g.scalar(written) + g.lineComment(0.4, "image") + "\n")
			}
			if g.chance(0.3) {
				// Env values and command lines are never rewritten.
				b.WriteString(ind + "  env:\n" + ind + "  - name: SIDECAR_IMAGE\n" + ind + "    value: nginx:1.25\n")
				b.WriteString(ind + "  command: [sh, -c, \"docker pull bitnami/redis:7 # " + g.token() + "\"]\n")
			}
			if g.chance(0.2) {
				b.WriteString(ind + "  ports:\n" + ind + "  - containerPort: 8080\n")
			}
		}
	}
	if g.chance(0.2) {
		b.WriteString(ind + "imagePullSecrets:\n" + ind + "- name: " + g.pick("existing", "harbor-pull") + "\n")
	}
	b.WriteString(g.headComment(0.2, ind, "pod spec foot"))
	it.pods = append(it.pods, pod)
}

// workload returns a pod-carrying item of a random kind.
func (g *nlGen) workload(rules []nlRule) nlTItem {
	var it nlTItem
	var b strings.Builder
	name := fmt.Sprintf("wl-%d", g.id())
	type shape struct {
		apiVersion, kind string
		path             []string // to the pod spec
	}
	shapes := []shape{
		{"apps/v1", "Deployment", []string{"spec", "template", "spec"}},
		{"apps/v1", "StatefulSet", []string{"spec", "template", "spec"}},
		{"apps/v1", "DaemonSet", []string{"spec", "template", "spec"}},
		{"batch/v1", "Job", []string{"spec", "template", "spec"}},
		{"argoproj.io/v1alpha1", "Rollout", []string{"spec", "template", "spec"}},
		{"batch/v1", "CronJob", []string{"spec", "jobTemplate", "spec", "template", "spec"}},
		{"v1", "Pod", []string{"spec"}},
		{"v1", "PodTemplate", []string{"template", "spec"}},
	}
	s := shapes[g.r.IntN(len(shapes))]
	b.WriteString(g.headComment(0.4, "", "workload"))
	b.WriteString("apiVersion: " + s.apiVersion + "\nkind: " + s.kind + "\n")
	var extra []string
	if g.chance(0.1) {
		it.local = true
		extra = append(extra, `config.kubernetes.io/local-config: "true"`)
	}
	if g.chance(0.2) {
		extra = append(extra, "example.com/image: nginx:1.25")
	}
	g.metadata(&b, name, g.ns(), "workloads/"+name+".yaml", extra...)
	ind := ""
	for i, k := range s.path {
		if i == len(s.path)-1 {
			if s.kind != "Pod" && g.chance(0.5) {
				b.WriteString(ind + "metadata:\n" + ind + "  labels: {app: " + name + "}\n")
			}
		}
		if i == 1 && s.kind != "PodTemplate" && s.kind != "CronJob" && g.chance(0.4) {
			b.WriteString(ind + "replicas: 2" + g.lineComment(0.3, "replicas") + "\n")
		}
		if i == 1 && s.kind == "CronJob" {
			b.WriteString(ind + "schedule: \"*/5 * * * *\"\n")
		}
		b.WriteString(ind + k + ":\n")
		ind += "  "
	}
	g.podSpec(&b, ind, s.path, rules, &it, s.kind == "Pod")
	it.text = b.String()
	if it.local {
		for i := range it.slots {
			it.slots[i].want = it.slots[i].orig
		}
		for i := range it.pods {
			it.pods[i].rewritten = false
		}
	}
	return it
}

// pipeline returns a Kurator Pipeline with custom task images.
func (g *nlGen) pipeline(rules []nlRule) nlTItem {
	var it nlTItem
	var b strings.Builder
	name := fmt.Sprintf("pl-%d", g.id())
	b.WriteString("apiVersion: pipeline.kurator.dev/v1alpha1\nkind: Pipeline\n")
	g.metadata(&b, name, g.ns(), "ci/"+name+".yaml")
	b.WriteString("spec:\n  tasks:\n  - name: git-clone\n    predefinedTask: {name: git-clone}" + g.lineComment(0.4, "clone") + "\n")
	n := 1 + g.r.IntN(2)
	for i := 0; i < n; i++ {
		task := fmt.Sprintf("task%d", i)
		written, want := g.image(rules)
		it.slots = append(it.slots, nlSlot{path: []string{"spec", "tasks", "[name=" + task + "]", "customTask", "image"}, orig: written, want: want})
		b.WriteString("  - name: " + task + "\n    customTask:\n      image: " + g.scalar(written) + g.lineComment(0.4, "task image") + "\n")
		b.WriteString("      command: [sh, -c]\n      args: [\"echo $(params.x) ${HOME}\"]\n")
	}
	it.text = b.String()
	return it
}

// ---- Generator packages.

// nlInst is an instance of a ScenarioTemplate.
type nlInst struct {
	name, ns string // ns "" means default
	kind     string // web, canary, bluegreen, edge, fleet, pkg
	tag      string
	extra    bool // a named resource of its own (Secret, or Pipeline for fleet)
	overlay  bool // an inline overlay
	chain    int  // pkg: 1 = team-svc extends web-service, 2 = via base-svc
	flux     string
}

func (s nlInst) namespace() string {
	if s.ns == "" {
		return "default"
	}
	return s.ns
}

func (s nlInst) owner() string { return s.namespace() + "/" + s.name }

// fc writes the instance (as functionConfig and, in kpt packages, as item).
func (s nlInst) fc() string {
	var b strings.Builder
	b.WriteString("apiVersion: scenario.kurator.dev/v1alpha1\nkind: ScenarioTemplate\nmetadata:\n  name: " + s.name + "\n")
	if s.ns != "" {
		b.WriteString("  namespace: " + s.ns + "\n")
	}
	b.WriteString("  annotations:\n    internal.config.kubernetes.io/path: " + s.name + ".yaml\n")
	b.WriteString("spec:\n")
	web := func() {
		b.WriteString("    image: ghcr.io/acme/" + s.name + "\n    gitRepository: https://github.com/acme/" + s.name + "\n    fleet: prod\n")
		tag := s.tag
		if tag == "" {
			tag = "v1.0.0" // the catalog's web-service requires a tag
		}
		b.WriteString("    tag: " + tag + "\n")
	}
	switch s.kind {
	case "web", "canary", "bluegreen", "edge":
		tpl := map[string]string{"web": "web-service", "canary": "canary-service", "bluegreen": "blue-green-service", "edge": "edge-service"}[s.kind]
		b.WriteString("  extends: [" + tpl + "]\n  values:\n")
		web()
		switch s.kind {
		case "canary":
			b.WriteString("    maxWeight: 40\n")
		case "bluegreen":
			b.WriteString("    analysisTimes: 3\n")
		}
	case "pkg":
		b.WriteString("  extends: [team-svc]\n  values:\n    team: payments\n")
		web()
	case "fleet":
		b.WriteString("  extends: [observed-fleet]\n  values:\n    clusters: [{name: member1, kind: AttachedCluster}]\n")
		if s.tag != "" {
			b.WriteString("    bucket: thanos-" + s.tag + "\n")
		}
	}
	if s.extra {
		b.WriteString("  resources:\n")
		if s.kind == "fleet" {
			b.WriteString("  - apiVersion: pipeline.kurator.dev/v1alpha1\n    kind: Pipeline\n    metadata: {name: nightly}\n    spec:\n      tasks:\n      - name: git-clone\n        predefinedTask: {name: git-clone}\n      - name: run\n        customTask: {image: 'golang:1.22', command: [go, test]}\n")
		} else {
			b.WriteString("  - apiVersion: v1\n    kind: Secret\n    metadata: {name: extra}\n    stringData: {note: '${NOTE}'}\n")
		}
	}
	if s.overlay {
		b.WriteString("  overlays:\n")
		if s.kind == "fleet" {
			b.WriteString("  - apiVersion: fleet.kurator.dev/v1alpha1\n    kind: Fleet\n    metadata: {labels: {inline: overlay}}\n")
		} else {
			b.WriteString("  - apiVersion: pipeline.kurator.dev/v1alpha1\n    kind: Pipeline\n    metadata: {labels: {inline: overlay}}\n")
		}
	}
	if s.flux != "" {
		b.WriteString("  output: {flux: " + s.flux + "}\n")
	}
	return b.String()
}

// generated lists the identities the instance generates, from the README
// and the catalog (not from running it).
func (s nlInst) generated() []string {
	ns := s.namespace()
	var ids []string
	if s.kind == "fleet" {
		ids = []string{"fleet.kurator.dev|Fleet|" + ns + "|" + s.name, "|Secret|" + ns + "|" + s.name + "-thanos-objstore"}
		if s.extra {
			ids = append(ids, "pipeline.kurator.dev|Pipeline|"+ns+"|"+s.name+"-nightly")
		}
	} else {
		ids = []string{"apps.kurator.dev|Application|" + ns + "|" + s.name, "pipeline.kurator.dev|Pipeline|" + ns + "|" + s.name}
		if s.extra {
			ids = append(ids, "|Secret|"+ns+"|"+s.name+"-extra")
		}
	}
	sort.Strings(ids)
	return ids
}

// nlGItem is an item of a generator package and what must become of it.
type nlGItem struct {
	text string
	role string // unrelated, template, self, overlay, other-overlay, owned, stale, other-owned
	// keep: must come out byte-identical.
	keep bool
	// source: a template, the instance or an overlay for it (the input of
	// the fresh render, put back for the idempotence run).
	source bool
}

var nlInstanceNames = []string{"orders", "payments", "billing", "search"}

func (g *nlGen) instance() nlInst {
	s := nlInst{
		name: g.pick(nlInstanceNames...),
		ns:   g.pick("shop", "", "team-a"),
		kind: g.pick("web", "web", "canary", "bluegreen", "edge", "fleet", "fleet", "pkg", "pkg"),
	}
	if g.chance(0.5) {
		s.tag = g.pick("v1.4.2", "v2", "2024-01")
	}
	s.extra = g.chance(0.4)
	s.overlay = g.chance(0.3)
	s.chain = 1 + g.r.IntN(2)
	if g.chance(0.15) {
		s.flux = g.pick("escape", "disable", "none")
	}
	return s
}

// packageTemplates returns the package templates an instance extends.
func (g *nlGen) packageTemplates(s nlInst) []string {
	if s.kind != "pkg" {
		return nil
	}
	parent := "web-service"
	var out []string
	if s.chain == 2 {
		parent = "base-svc"
		out = append(out, g.template("base-svc", "extends: [web-service]\nvalues:\n  lintVersion: v1.59.1\n"))
	}
	out = append(out, g.template("team-svc", "extends: ["+parent+"]\nparameters:\n- name: team\n  required: true\n  targets:\n  - select: {kind: Application}\n    fieldPaths: [metadata.labels.team]\n    options: {create: true}\n"))
	return out
}

// template writes a package template, sometimes as local config.
func (g *nlGen) template(name, spec string) string {
	var b strings.Builder
	b.WriteString(g.headComment(0.4, "", "template"))
	b.WriteString("apiVersion: scenario.kurator.dev/v1alpha1\nkind: ScenarioTemplate\n")
	var extra []string
	if g.chance(0.25) {
		extra = append(extra, `config.kubernetes.io/local-config: "true"`)
	}
	g.metadata(&b, name, "", "platform/"+name+".yaml", extra...)
	b.WriteString("spec:\n  description: " + name + g.lineComment(0.3, "description") + "\n")
	b.WriteString(indent(spec, "  ", "  "))
	return b.String()
}

// overlay writes an overlay item addressed by annotation value to (for
// another instance's Application when forOther). local marks it local
// config; name and ns name it ("" for none).
func (g *nlGen) overlay(s nlInst, to string, forOther, local bool, name, ns string) string {
	var b strings.Builder
	b.WriteString(g.headComment(0.4, "", "overlay"))
	kind, apiVersion := "Application", "apps.kurator.dev/v1alpha1"
	if s.kind == "fleet" && !forOther {
		kind, apiVersion = "Fleet", "fleet.kurator.dev/v1alpha1"
	}
	b.WriteString("apiVersion: " + apiVersion + "\nkind: " + kind + "\n")
	extra := []string{"scenario.kurator.dev/overlay: " + g.scalar(to)}
	if local {
		extra = append(extra, `config.kubernetes.io/local-config: "true"`)
	}
	if name == "" {
		b.WriteString("metadata:\n  annotations:\n")
		for _, a := range append(g.runnerAnnotations("overlays/ov.yaml"), extra...) {
			b.WriteString("    " + a + "\n")
		}
	} else {
		g.metadata(&b, name, ns, "overlays/"+name+".yaml", extra...)
	}
	if kind == "Fleet" {
		b.WriteString("spec:\n  clusters:\n  - name: member1" + g.lineComment(0.3, "overlay cluster") + "\n    kind: AttachedCluster\n")
	} else {
		b.WriteString("spec:\n  syncPolicies:\n  - name: default" + g.lineComment(0.3, "overlay policy") + "\n    kustomization: {interval: 10m0s}\n")
	}
	return b.String()
}

// overlayFor writes an overlay item for instance s. Named like the
// resource it targets only when it is consumed: an overlay that passes
// through (kpt package, local config) under the generated resource's name
// and namespace makes the generator refuse the package, see
// TestNothingLostKeptOverlay.
func (g *nlGen) overlayFor(s nlInst, kpt bool) (text string, keep bool) {
	to := g.pick("true", s.name, "billing,"+s.name, s.name+", search")
	if s.name == "billing" && strings.HasPrefix(to, "billing,") {
		to = "search," + s.name
	}
	local := g.chance(0.2)
	keep = kpt || local
	name, ns := "", ""
	if g.chance(0.5) {
		name = s.name
		if g.chance(0.3) {
			ns = s.namespace()
		}
		if keep && (ns != "" || s.namespace() == "default") {
			name, ns = "", ""
		}
	}
	return g.overlay(s, to, false, local, name, ns), keep
}

// nlRunner runs the function, memoising identical inputs (earlier output
// of the same instance is rendered many times).
type nlRunner struct {
	t     *testing.T
	dir   string
	cache map[string]nlOut
	runs  int
}

type nlOut struct {
	stdout string
	code   int
}

func (r *nlRunner) run(in []byte) (string, int) {
	if o, ok := r.cache[string(in)]; ok {
		return o.stdout, o.code
	}
	r.runs++
	stdout, _, code := run(r.t, r.dir, in)
	r.cache[string(in)] = nlOut{stdout, code}
	return stdout, code
}

// render runs fc over items and returns the output items, failing the
// test on a non-zero exit.
func (r *nlRunner) render(t *testing.T, fc string, items []string) []*yaml.RNode {
	t.Helper()
	stdout, code := r.run(resourceList(fc, items...))
	if code != 0 {
		t.Fatalf("exit %d rendering:\n%s\n%s", code, fc, clipped(stdout))
	}
	rl, err := krm.Read([]byte(stdout))
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	return rl.Items
}

func nlIdentity(n *yaml.RNode) string {
	m, _ := n.GetMeta()
	group, _, found := strings.Cut(m.APIVersion, "/")
	if !found {
		group = ""
	}
	return group + "|" + m.Kind + "|" + m.Namespace + "|" + m.Name
}

func nlStrings(nodes []*yaml.RNode) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.MustString()
	}
	return out
}

// nlParse parses a ResourceList the way the function does.
func nlParse(t *testing.T, what string, rl []byte) []*yaml.RNode {
	t.Helper()
	parsed, err := krm.Read(rl)
	if err != nil {
		t.Fatalf("%s does not parse as a ResourceList: %v\n%s", what, err, clipped(string(rl)))
	}
	return parsed.Items
}

// nlMultisetDiff returns a - b for sorted multisets.
func nlMultisetDiff(a, b []string) []string {
	count := map[string]int{}
	for _, s := range b {
		count[s]++
	}
	var out []string
	for _, s := range a {
		if count[s] > 0 {
			count[s]--
			continue
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func nlIDs(nodes []*yaml.RNode) []string {
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = nlIdentity(n)
	}
	return ids
}

// nlGenPackage builds one generator package: the instance and the items
// with their roles.
type nlGenPackage struct {
	inst  nlInst
	kpt   bool
	items []nlGItem
}

func (p *nlGenPackage) texts() []string {
	out := make([]string, len(p.items))
	for i, it := range p.items {
		out[i] = it.text
	}
	return out
}

func (p *nlGenPackage) sources() []string {
	var out []string
	for _, it := range p.items {
		if it.source {
			out = append(out, it.text)
		}
	}
	return out
}

func nlIsLocal(text string) bool {
	return strings.Contains(text, `config.kubernetes.io/local-config: "true"`)
}

func (g *nlGen) unrelated() string {
	switch g.r.IntN(8) {
	case 0, 1:
		return g.configMap()
	case 2:
		return g.service()
	case 3:
		return g.widget()
	case 4:
		return g.kuratorApp()
	case 5:
		return g.kuratorFleet()
	case 6:
		return g.namespace()
	default:
		w := g.workload(nil)
		return w.text
	}
}

func nlBuildGenPackage(t *testing.T, r *nlRunner, g *nlGen) *nlGenPackage {
	p := &nlGenPackage{inst: g.instance(), kpt: g.chance(0.2)}
	s := p.inst
	add := func(text, role string, keep, source bool) {
		p.items = append(p.items, nlGItem{text: text, role: role, keep: keep, source: source})
	}
	for n := 2 + g.r.IntN(7); n > 0; n-- {
		add(g.unrelated(), "unrelated", true, false)
	}
	if p.kpt {
		add("apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\npipeline:\n  mutators:\n  - exec: ../../bin/scenario-fn\n    configPath: "+s.name+".yaml\n", "unrelated", true, false)
	}
	// Templates, the instance itself, overlays for it: consumed unless kpt
	// or local config.
	var tpls []string
	tpls = append(tpls, g.packageTemplates(s)...)
	if g.chance(0.3) {
		tpls = append(tpls, g.template(fmt.Sprintf("unused-%d", g.id()), "resources: []\n"))
	}
	for _, tpl := range tpls {
		add(tpl, "template", p.kpt || nlIsLocal(tpl), true)
	}
	if g.chance(0.3) || p.kpt {
		add(s.fc(), "self", p.kpt, true)
	}
	if g.chance(0.5) {
		ov, keep := g.overlayFor(s, p.kpt)
		add(ov, "overlay", keep, true)
	}
	var others []string
	for _, n := range nlInstanceNames {
		if n != s.name {
			others = append(others, n)
		}
	}
	for n := g.r.IntN(3); n > 0; n-- {
		to := others[g.r.IntN(len(others))]
		if g.chance(0.3) {
			to += "," + others[g.r.IntN(len(others))]
		}
		name := ""
		if g.chance(0.5) {
			name = fmt.Sprintf("other-ov-%d", g.id())
		}
		add(g.overlay(s, to, true, g.chance(0.2), name, ""), "other-overlay", true, false)
	}

	// Earlier output of this instance, rendered from an earlier spec.
	var prevItems []nlGItem
	if g.chance(0.8) {
		prev := s
		prev.tag = g.pick("", "v1.4.1", "v1")
		prev.extra = g.chance(0.5)
		prev.overlay = g.chance(0.3)
		want := map[string]bool{}
		for _, id := range s.generated() {
			want[id] = true
		}
		out := r.render(t, prev.fc(), p.sources())
		var mine []*yaml.RNode
		for _, n := range out {
			if n.GetAnnotations()[nlInstanceAnnotation] == s.owner() {
				mine = append(mine, n)
			}
		}
		if len(mine) == 0 {
			t.Fatalf("the earlier spec generated nothing:\n%s", prev.fc())
		}
		if g.chance(0.3) {
			// A role that no longer exists: generated (annotated) by this
			// instance under a name it does not generate now.
			old := mine[g.r.IntN(len(mine))].Copy()
			if err := old.SetName(old.GetName() + "-legacy"); err != nil {
				t.Fatal(err)
			}
			mine = append(mine, old)
		}
		for _, n := range mine {
			role := "stale"
			if want[nlIdentity(n)] {
				role = "owned"
			}
			prevItems = append(prevItems, nlGItem{text: n.MustString(), role: role})
		}
	}
	// Output of another instance: another name, or the same name in another
	// namespace. Not this run's business: it passes through.
	if g.chance(0.6) {
		o := nlInst{name: g.pick(nlInstanceNames...), ns: g.pick("shop", "", "team-a"), kind: g.pick("web", "fleet")}
		if o.owner() == s.owner() {
			o.ns = "elsewhere"
		}
		for _, n := range r.render(t, o.fc(), nil) {
			if n.GetAnnotations()[nlInstanceAnnotation] == o.owner() {
				prevItems = append(prevItems, nlGItem{text: n.MustString(), role: "other-owned", keep: true})
			}
		}
	}
	g.r.Shuffle(len(p.items), func(i, j int) { p.items[i], p.items[j] = p.items[j], p.items[i] })
	// Earlier output goes in at random places, in its own order.
	lo := 0
	for _, it := range prevItems {
		at := lo + g.r.IntN(len(p.items)-lo+1)
		p.items = slices.Insert(p.items, at, it)
		lo = at + 1
	}
	return p
}

const nlInstanceAnnotation = "scenario.kurator.dev/instance"

// Comparison results of nlCompare.
const (
	nlDifferent = iota
	nlIdentical
	// nlFootMoved: identical but for where a foot comment sits. yaml.v3
	// attaches a comment that ends a block sequence or mapping to the
	// innermost node on reading, and writes it at that node's indentation:
	//
	//	list:            re-read and written    list:
	//	- b: c           by any KRM function    - b: c
	//	# foot           ------------------->     # foot
	//
	// The comment stays in place in the file order and attached to the same
	// item, only its indentation changes. This is kyaml's reader and writer
	// (kustomize and kpt behave the same), not something the function
	// decides; it is accepted only for items that have foot comments, and
	// only when the values are byte-identical without comments and the
	// comment lines are the same.
	nlFootMoved
)

func nlCompare(want, got *yaml.RNode) int { return nlCompareComments(want, got, got) }

// nlCompareComments compares want and got, taking the comments of got
// from comments (got with what the test took out for the comparison,
// added pull secrets, which carry a moved foot comment along).
func nlCompareComments(want, got, comments *yaml.RNode) int {
	if nlString(want) == nlString(got) {
		return nlIdentical
	}
	if !nlHasFoot(want.YNode()) && !nlHasFoot(comments.YNode()) {
		return nlDifferent
	}
	w, wc := nlWithoutComments(want)
	g, _ := nlWithoutComments(got)
	_, gc := nlWithoutComments(comments)
	if w == g && slices.Equal(wc, gc) {
		return nlFootMoved
	}
	return nlDifferent
}

func nlHasFoot(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	if n.FootComment != "" {
		return true
	}
	for _, c := range n.Content {
		if nlHasFoot(c) {
			return true
		}
	}
	return false
}

// nlWithoutComments returns the item serialised without comments, and its
// comment lines, sorted.
func nlWithoutComments(n *yaml.RNode) (string, []string) {
	c := n.Copy()
	var lines []string
	var walk func(*yaml.Node)
	walk = func(y *yaml.Node) {
		for _, s := range []*string{&y.HeadComment, &y.LineComment, &y.FootComment} {
			for _, l := range strings.Split(*s, "\n") {
				if l = strings.TrimSpace(l); l != "" {
					lines = append(lines, l)
				}
			}
			*s = ""
		}
		for _, ch := range y.Content {
			walk(ch)
		}
	}
	walk(c.YNode())
	sort.Strings(lines)
	return nlString(c), lines
}

// nlString serialises an item the way the function writes it: empty nulls
// in flow collections spelled "null" (krm.SpellNulls), which kyaml's raw
// writer would quote as an empty string.
func nlString(n *yaml.RNode) string {
	defer krm.SpellNulls([]*yaml.RNode{n})()
	return n.MustString()
}

// nlMatch counts how items compared.
type nlMatch struct{ identical, footMoved int }

func (m *nlMatch) add(r int) {
	switch r {
	case nlIdentical:
		m.identical++
	case nlFootMoved:
		m.footMoved++
	}
}

// nlCheckKept walks the output: the kept items, unchanged and in their
// input order, interleaved with exactly the generated items (in order).
func nlCheckKept(t *testing.T, label string, out, kept, generated []*yaml.RNode, tokens [][]string, m *nlMatch) {
	t.Helper()
	i, j := 0, 0
	for k, o := range out {
		if i < len(kept) {
			if r := nlCompare(kept[i], o); r != nlDifferent {
				m.add(r)
				for _, tok := range tokens[i] {
					if !strings.Contains(o.MustString(), tok) {
						t.Errorf("%s: comment or value %s of kept item %d is lost:\n%s", label, tok, i, o.MustString())
					}
				}
				i++
				continue
			}
		}
		if j < len(generated) && nlCompare(generated[j], o) != nlDifferent {
			j++
			continue
		}
		t.Errorf("%s: output item %d is neither the next kept item nor the next generated one:\n%s\nnext kept:\n%s\nnext generated:\n%s",
			label, k, o.MustString(), nlNodeAt(kept, i), nlNodeAt(generated, j))
		return
	}
	if i < len(kept) {
		t.Errorf("%s: kept item %d (of %d) missing from the output, or out of order:\n%s", label, i, len(kept), kept[i].MustString())
	}
	if j < len(generated) {
		t.Errorf("%s: generated item %d (of %d) missing from the output:\n%s", label, j, len(generated), generated[j].MustString())
	}
}

func nlNodeAt(s []*yaml.RNode, i int) string {
	if i < len(s) {
		return s[i].MustString()
	}
	return "(none)"
}

func nlAt(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}

func TestNothingLostGenerator(t *testing.T) {
	start := time.Now()
	r := &nlRunner{t: t, dir: t.TempDir(), cache: map[string]nlOut{}}
	var st nlGenStats
	st.roles = map[string]int{}
	kptPackages := 0
	for pkg := 0; pkg < nlPackages(); pkg++ {
		g := newNLGen(20260801, pkg)
		p := nlBuildGenPackage(t, r, g)
		label := fmt.Sprintf("package %d (seed 20260801/%d, %s %s)", pkg, pkg, p.inst.kind, p.inst.owner())
		if p.kpt {
			kptPackages++
		}
		nlCheckGen(t, r, p, label, &st)
	}
	t.Logf("%d generator packages (%d kpt), input items by role %v (%d owned and %d stale checked); "+
		"items compared: %d byte-identical, %d identical but for foot comment indentation; %d runs of the function in %v",
		nlPackages(), kptPackages, st.roles, st.owned, st.stale, st.match.identical, st.match.footMoved, r.runs, time.Since(start).Round(time.Millisecond))
}

// TestNothingLostKeptOverlay: an overlay item that passes through (a kpt
// package, or local config) and names the resource it targets by its
// generated name and namespace, as the README allows ("overlays find
// resources by kind and template name or generated name") and as
// examples/kpt-package/staging-overlay.yaml does (there without a
// namespace). The generator is expected to apply it, keep it unchanged and
// emit the generated resource.
//
// This test found that Generator.Process checked generated identities
// against every item it kept, pass-through overlays and templates
// included, and refused such packages ("the instance would generate
// Application shop/orders, which already exists in the input").
func TestNothingLostKeptOverlay(t *testing.T) {
	r := &nlRunner{t: t, dir: t.TempDir(), cache: map[string]nlOut{}}
	st := nlGenStats{roles: map[string]int{}}
	n := nlPackages() / 4
	var refused []string
	for pkg := 0; pkg < n; pkg++ {
		g := newNLGen(20260803, pkg)
		p := nlBuildGenPackage(t, r, g)
		s := p.inst
		local := !p.kpt || g.chance(0.5)
		ov := g.overlay(s, g.pick("true", s.name), false, local, s.name, s.namespace())
		// Last, so that the second run (consumed sources first, then the
		// output) applies the overlays in the same order.
		p.items = append(p.items, nlGItem{text: ov, role: "overlay", keep: true, source: true})
		label := fmt.Sprintf("package %d (seed 20260803/%d, %s %s, kpt %v, local-config overlay %v)", pkg, pkg, s.kind, s.owner(), p.kpt, local)
		stdout, code := r.run(resourceList(s.fc(), p.texts()...))
		if code != 0 {
			msg := ""
			for _, res := range resultsOf(t, stdout) {
				if res.Severity == "error" {
					msg = res.Message
					break
				}
			}
			refused = append(refused, label+": exit "+strconv.Itoa(code)+": "+msg)
			continue
		}
		nlCheckGen(t, r, p, label, &st)
	}
	if len(refused) > 0 {
		t.Errorf("BUG: %d of %d packages with a pass-through overlay named like its target are refused, want exit 0 with the overlay kept "+
			"and the generated resources emitted; first:\n  %s\n  (and %d more)", len(refused), n, refused[0], len(refused)-1)
	}
}

type nlGenStats struct {
	roles        map[string]int
	owned, stale int
	match        nlMatch
}

// nlCheckGen runs a generator package and checks every property.
func nlCheckGen(t *testing.T, r *nlRunner, p *nlGenPackage, label string, st *nlGenStats) {
	t.Helper()
	fc := p.inst.fc()
	input := resourceList(fc, p.texts()...)
	inItems := nlParse(t, label+": input", input)
	if len(inItems) != len(p.items) {
		t.Fatalf("%s: %d items parsed from %d written", label, len(inItems), len(p.items))
	}
	for _, it := range p.items {
		st.roles[it.role]++
	}

	// 1. Exit 0, the output is a ResourceList.
	stdout, code := r.run(input)
	if code != 0 {
		t.Errorf("%s: exit %d\n%s", label, code, clipped(stdout))
		return
	}
	outItems := nlParse(t, label+": output", []byte(stdout))

	// The generated items, rendered from the sources alone.
	fresh := r.render(t, fc, p.sources())
	var gen []*yaml.RNode
	for _, n := range fresh {
		if n.GetAnnotations()[nlInstanceAnnotation] == p.inst.owner() {
			gen = append(gen, n)
		}
	}
	if ids := nlIDs(gen); !slices.Equal(nlSorted(ids), p.inst.generated()) {
		t.Errorf("%s: the instance generates %v, want %v", label, nlSorted(ids), p.inst.generated())
	}

	// 2, 5. Kept items unchanged, comments included, in input order;
	// besides them exactly the generated items.
	var kept []*yaml.RNode
	var tokens [][]string
	var wantOut, wantRemoved []string
	for i, it := range p.items {
		id := nlIdentity(inItems[i])
		switch {
		case it.keep:
			kept = append(kept, inItems[i])
			tokens = append(tokens, nlTokenRE.FindAllString(it.text, -1))
			wantOut = append(wantOut, id)
		case it.role != "owned":
			wantRemoved = append(wantRemoved, id) // consumed or stale
		}
	}
	nlCheckKept(t, label, outItems, kept, gen, tokens, &st.match)

	// 3. No owned item dropped: the output identities are the kept ones
	// plus what the instance generates, and what went missing is
	// exactly the consumed and stale items.
	wantOut = append(wantOut, p.inst.generated()...)
	inIDs, outIDs := nlIDs(inItems), nlIDs(outItems)
	if got, want := nlSorted(outIDs), nlSorted(wantOut); !slices.Equal(got, want) {
		t.Errorf("%s: output identities:\n  got  %v\n  want %v", label, got, want)
	}
	// Owned items come back as what the instance generates now; a
	// consumed overlay may share its target's identity.
	for i, it := range p.items {
		if it.role == "owned" {
			wantRemoved = append(wantRemoved, nlIdentity(inItems[i]))
		}
	}
	wantMissing := nlMultisetDiff(wantRemoved, p.inst.generated())
	if missing := nlMultisetDiff(inIDs, outIDs); !slices.Equal(missing, wantMissing) {
		t.Errorf("%s: items missing from the output:\n  got  %v\n  want %v (consumed templates/overlays and stale items only)", label, missing, wantMissing)
	}
	for i, it := range p.items {
		id := nlIdentity(inItems[i])
		switch it.role {
		case "owned":
			st.owned++
			if !slices.Contains(outIDs, id) {
				t.Errorf("%s: owned item %s, still generated, was dropped", label, id)
			}
		case "stale":
			st.stale++
			if slices.Contains(outIDs, id) {
				t.Errorf("%s: stale item %s was kept", label, id)
			}
		}
	}

	// 4. Idempotence: the output, with the sources it consumed put back,
	// renders to the same items. The consumed sources go first: overlays
	// apply in input order, and a kept overlay (local config) comes after
	// the consumed ones in the packages built here.
	again := append(nlConsumed(p), nlStrings(outItems)...)
	stdout2, code2 := r.run(resourceList(fc, again...))
	if code2 != 0 {
		t.Errorf("%s: second run exit %d\n%s", label, code2, clipped(stdout2))
		return
	}
	nlSameItems(t, label+": second run", outItems, nlParse(t, label+": second output", []byte(stdout2)), &st.match)
}

// nlSameItems reports the first item of got that differs from want.
func nlSameItems(t *testing.T, label string, want, got []*yaml.RNode, m *nlMatch) bool {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d items, want %d", label, len(got), len(want))
		return false
	}
	for i := range want {
		r := nlCompare(want[i], got[i])
		if r == nlDifferent {
			t.Errorf("%s: item %d differs:\n%s", label, i, nlLineDiff(want[i].MustString(), got[i].MustString()))
			return false
		}
		m.add(r)
	}
	return true
}

// nlConsumed returns the sources the first run consumed.
func nlConsumed(p *nlGenPackage) []string {
	var out []string
	for _, it := range p.items {
		if it.source && !it.keep {
			out = append(out, it.text)
		}
	}
	return out
}

func nlSorted(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

// nlLineDiff shows the first differing line with some context.
func nlLineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		if nlAt(w, i) != nlAt(g, i) {
			lo := max(0, i-3)
			return fmt.Sprintf("first difference at line %d:\n  want: %q\n  got:  %q\ncontext (want):\n%s", i+1, nlAt(w, i), nlAt(g, i),
				strings.Join(w[lo:min(len(w), i+3)], "\n"))
		}
	}
	return "(no line differs)"
}

// ---- Transformer.

type nlTPackage struct {
	rules   []nlRule
	secrets []string
	mirror  bool
	items   []nlTItem
}

func (p *nlTPackage) config() string {
	var b strings.Builder
	b.WriteString("rules:\n")
	for _, r := range p.rules {
		b.WriteString("- {from: \"" + r.from + "\", to: " + r.to + "}\n")
	}
	if len(p.secrets) > 0 {
		b.WriteString("imagePullSecrets: [" + strings.Join(p.secrets, ", ") + "]\n")
	}
	if p.mirror {
		b.WriteString("mirrorList: {}\n")
	}
	return mirror(b.String())
}

func (p *nlTPackage) texts() []string {
	out := make([]string, len(p.items))
	for i, it := range p.items {
		out[i] = it.text
	}
	return out
}

func nlBuildTPackage(g *nlGen) *nlTPackage {
	p := &nlTPackage{}
	for len(p.rules) == 0 {
		for _, r := range nlRules {
			if g.chance(0.5) {
				p.rules = append(p.rules, r)
			}
		}
	}
	g.r.Shuffle(len(p.rules), func(i, j int) { p.rules[i], p.rules[j] = p.rules[j], p.rules[i] })
	if g.chance(0.5) {
		p.secrets = []string{"harbor-pull"}
		if g.chance(0.3) {
			p.secrets = append(p.secrets, "harbor-pull-2")
		}
	}
	p.mirror = g.chance(0.3)
	for n := 3 + g.r.IntN(8); n > 0; n-- {
		switch g.r.IntN(10) {
		case 0, 1, 2, 3:
			p.items = append(p.items, g.workload(p.rules))
		case 4:
			p.items = append(p.items, g.pipeline(p.rules))
		case 5:
			// This project's own configs are left alone, images and all.
			p.items = append(p.items, nlTItem{text: g.template(fmt.Sprintf("tpl-%d", g.id()),
				"resources:\n- apiVersion: apps/v1\n  kind: Deployment\n  spec:\n    template:\n      spec:\n        containers:\n        - {name: web, image: nginx:1.25}\n")})
		default:
			p.items = append(p.items, nlTItem{text: g.unrelatedNoImages()})
		}
	}
	if g.chance(0.2) {
		p.items = slices.Insert(p.items, 0, nlTItem{text: "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n"})
	}
	return p
}

// unrelatedNoImages is an item without any image field the transformer
// knows (image-looking values in ConfigMaps and unknown CRs included).
func (g *nlGen) unrelatedNoImages() string {
	switch g.r.IntN(6) {
	case 0, 1:
		return g.configMap()
	case 2:
		return g.service()
	case 3:
		return g.widget()
	case 4:
		return g.kuratorApp()
	default:
		return g.kuratorFleet()
	}
}

// nlExpected returns the item as the transformer must write it: the input
// with every image field set to its expected value.
func nlExpected(t *testing.T, in *yaml.RNode, it nlTItem) *yaml.RNode {
	t.Helper()
	want := in.Copy()
	for _, s := range it.slots {
		n, err := want.Pipe(yaml.Lookup(s.path...))
		if err != nil || n == nil {
			t.Fatalf("image field %v not found in the input item:\n%s", s.path, in.MustString())
		}
		if n.YNode().Value != s.orig {
			t.Fatalf("image field %v is %q in the input, want %q", s.path, n.YNode().Value, s.orig)
		}
		n.YNode().Value = s.want
	}
	return want
}

// nlStripPullSecrets checks that each pod spec with a rewritten image lists
// the configured pull secrets, and removes those the input did not have,
// so that the rest of the item can be compared byte for byte.
func nlStripPullSecrets(t *testing.T, label string, in, out *yaml.RNode, it nlTItem, secrets []string) *yaml.RNode {
	t.Helper()
	got := out.Copy()
	for _, pod := range it.pods {
		if !pod.rewritten || len(secrets) == 0 {
			continue
		}
		had := map[string]bool{}
		inSpec, _ := in.Pipe(yaml.Lookup(pod.path...))
		inList := inSpec.Field("imagePullSecrets")
		if inList != nil {
			for _, e := range inList.Value.Content() {
				had[yaml.NewRNode(e).Field("name").Value.YNode().Value] = true
			}
		}
		spec, err := got.Pipe(yaml.Lookup(pod.path...))
		if err != nil || spec == nil {
			t.Errorf("%s: pod spec %v missing from the output", label, pod.path)
			continue
		}
		list := spec.Field("imagePullSecrets")
		if list == nil {
			t.Errorf("%s: pod spec %v: images rewritten but no imagePullSecrets", label, pod.path)
			continue
		}
		present := map[string]bool{}
		var keep []*yaml.Node
		for _, e := range list.Value.Content() {
			name := ""
			if f := yaml.NewRNode(e).Field("name"); f != nil {
				name = f.Value.YNode().Value
			}
			present[name] = true
			if had[name] || !slices.Contains(secrets, name) {
				keep = append(keep, e)
			}
		}
		for _, s := range secrets {
			if !present[s] {
				t.Errorf("%s: pod spec %v: images rewritten but imagePullSecrets lacks %s", label, pod.path, s)
			}
		}
		if inList == nil {
			_ = spec.PipeE(yaml.Clear("imagePullSecrets"))
		} else {
			list.Value.YNode().Content = keep
		}
	}
	return got
}

func TestNothingLostTransformer(t *testing.T) {
	start := time.Now()
	r := &nlRunner{t: t, dir: t.TempDir(), cache: map[string]nlOut{}}
	var identical, rewritten, fields, changedFields, mirrorLists int
	var match nlMatch
	for pkg := 0; pkg < nlPackages(); pkg++ {
		g := newNLGen(20260802, pkg)
		p := nlBuildTPackage(g)
		label := fmt.Sprintf("package %d (seed 20260802/%d)", pkg, pkg)
		input := resourceList(p.config(), p.texts()...)
		inItems := nlParse(t, label+": input", input)
		if len(inItems) != len(p.items) {
			t.Fatalf("%s: %d items parsed from %d written", label, len(inItems), len(p.items))
		}

		// 1. Exit 0, the output is a ResourceList.
		stdout, code := r.run(input)
		if code != 0 {
			t.Errorf("%s: exit %d\n%s", label, code, clipped(stdout))
			continue
		}
		outItems := nlParse(t, label+": output", []byte(stdout))

		// 3, 5. Nothing dropped, nothing reordered; the mirror list, when
		// asked for, is one more item at the end.
		wantLen := len(inItems)
		if p.mirror {
			wantLen++
		}
		if len(outItems) != wantLen {
			t.Errorf("%s: %d output items for %d input items (mirror list: %v)", label, len(outItems), len(inItems), p.mirror)
			continue
		}
		if p.mirror {
			ml := outItems[len(outItems)-1]
			if ml.GetKind() != "ConfigMap" || ml.GetName() != "mirror-list" || ml.GetAnnotations()["config.kubernetes.io/local-config"] != "true" {
				t.Errorf("%s: the last item is not the mirror list:\n%s", label, ml.MustString())
			}
			mirrorLists++
		}

		// 2. Items without a field to rewrite: byte-identical. Items with
		// rewritten images: identical once the expected values are put in
		// and the added pull secrets taken out.
		for i, it := range p.items {
			changed := false
			for _, s := range it.slots {
				fields++
				if s.want != s.orig {
					changed = true
					changedFields++
				}
			}
			in, out := inItems[i], outItems[i]
			want := nlExpected(t, in, it)
			got := out
			if changed {
				rewritten++
				got = nlStripPullSecrets(t, fmt.Sprintf("%s item %d", label, i), in, out, it, p.secrets)
			} else {
				identical++ // no pull secrets may have been added either
			}
			res := nlCompareComments(want, got, out)
			if res == nlDifferent {
				t.Errorf("%s: item %d differs from the expected %s:\n%s\ninput:\n%s\noutput:\n%s",
					label, i, map[bool]string{true: "rewrite", false: "pass-through"}[changed], nlLineDiff(want.MustString(), got.MustString()), in.MustString(), out.MustString())
				continue
			}
			match.add(res)
			for _, tok := range nlTokenRE.FindAllString(it.text, -1) {
				if !strings.Contains(out.MustString(), tok) {
					t.Errorf("%s: item %d: comment or value %s lost", label, i, tok)
				}
			}
		}

		// 4. Idempotence.
		stdout2, code2 := r.run(resourceList(p.config(), nlStrings(outItems)...))
		if code2 != 0 {
			t.Errorf("%s: second run exit %d\n%s", label, code2, clipped(stdout2))
			continue
		}
		nlSameItems(t, label+": second run", outItems, nlParse(t, label+": second output", []byte(stdout2)), &match)
	}
	t.Logf("%d transformer packages: %d items passed through, %d rewritten (%d of %d image fields changed), %d mirror lists; "+
		"items compared: %d byte-identical, %d identical but for foot comment indentation; %d runs in %v",
		nlPackages(), identical, rewritten, changedFields, fields, mirrorLists, match.identical, match.footMoved, r.runs, time.Since(start).Round(time.Millisecond))
}

// ---- Failing runs: nothing lost either.

func TestNothingLostOnFailure(t *testing.T) {
	start := time.Now()
	r := &nlRunner{t: t, dir: t.TempDir(), cache: map[string]nlOut{}}
	injected := map[string]int{}
	var match nlMatch
	check := func(label, what string, input []byte) {
		t.Helper()
		injected[what]++
		stdout, code := r.run(input)
		if code != 1 {
			t.Errorf("%s (%s): exit %d, want 1", label, what, code)
			return
		}
		nlSameItems(t, label+" ("+what+"): output items against input items",
			nlParse(t, label+": input", input), nlParse(t, label+": output", []byte(stdout)), &match)
		if !regexpMatch(`(?m)^  severity: error$`, stdout) {
			t.Errorf("%s (%s): no error result", label, what)
		}
	}
	for pkg := 0; pkg < nlPackages()/2; pkg++ {
		g := newNLGen(20260801, pkg) // the generator packages above
		p := nlBuildGenPackage(t, r, g)
		label := fmt.Sprintf("generator package %d", pkg)
		items := p.texts()
		fc := p.inst.fc()
		var what string
		switch g.r.IntN(4) {
		case 0:
			what = "unknown value"
			fc = strings.Replace(fc, "  values:\n", "  values:\n    imgae: x\n", 1)
		case 1:
			what = "missing required value"
			if p.inst.kind == "fleet" {
				// A fleet's clusters are optional (members or clusters): a
				// member that is not a DNS-1123 label instead.
				what = "invalid member name"
				fc = strings.Replace(fc, "    clusters: [{name: member1, kind: AttachedCluster}]\n", "    members: [{name: Member_1}]\n", 1)
			} else {
				fc = strings.Replace(fc, "    fleet: prod\n", "", 1)
			}
		case 2:
			what = "overlay matching nothing"
			ov := "apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nmetadata:\n  name: nothing-here\n  annotations: {scenario.kurator.dev/overlay: \"true\"}\nspec: {}\n"
			items = slices.Insert(items, g.r.IntN(len(items)+1), ov)
		default:
			what = "collision with an item it does not own"
			ns := p.inst.namespace()
			clash := "apiVersion: pipeline.kurator.dev/v1alpha1\nkind: Pipeline\nmetadata:\n  name: " + p.inst.name + "\n  namespace: " + ns + "\nspec: {tasks: []} # hand-written\n"
			if p.inst.kind == "fleet" {
				clash = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + p.inst.name + "-thanos-objstore\n  namespace: " + ns + "\nstringData: {a: b} # hand-written\n"
			}
			items = slices.Insert(items, g.r.IntN(len(items)+1), clash)
		}
		if fc == p.inst.fc() && what != "overlay matching nothing" && what != "collision with an item it does not own" {
			t.Fatalf("%s: could not inject %s", label, what)
		}
		check(label, what, resourceList(fc, items...))
	}
	bad := []struct{ what, rule string }{
		{"rule source with a tag", "- {from: \"docker.io/library/nginx:1.25\", to: harbor.corp.local/n}\n"},
		{"duplicate from", "- {from: index.docker.io, to: harbor.corp.local/dup}\n- {from: docker.io, to: harbor.corp.local/dup2}\n"},
		{"catch-all target", "- {from: gcr.io, to: \"*\"}\n"},
		{"from that is not a registry", "- {from: nginx, to: harbor.corp.local/nginx}\n"},
		{"from inside a to", "- {from: harbor.corp.local/dockerhub/library, to: harbor.corp.local/lib}\n- {from: docker.io, to: harbor.corp.local/dockerhub}\n"},
	}
	for pkg := 0; pkg < nlPackages()/2; pkg++ {
		g := newNLGen(20260802, pkg) // the transformer packages above
		p := nlBuildTPackage(g)
		b := bad[g.r.IntN(len(bad))]
		cfg := strings.Replace(p.config(), "  rules:\n", "  rules:\n"+indent(b.rule, "  ", "  "), 1)
		check(fmt.Sprintf("transformer package %d", pkg), b.what, resourceList(cfg, p.texts()...))
	}
	t.Logf("%d failing runs, injected %v; items compared: %d byte-identical, %d identical but for foot comment indentation; in %v",
		nlPackages(), injected, match.identical, match.footMoved, time.Since(start).Round(time.Millisecond))
}
