package fn_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// Building blocks of the bad-input matrix. Every document carries the path
// annotation a runner sets, so that messages can name the file.
const (
	pathKey = "internal.config.kubernetes.io/path"

	mirrorConfig = `apiVersion: scenario.kurator.dev/v1alpha1
kind: ImageRegistryTransformer
metadata:
  name: mirror
  annotations:
    internal.config.kubernetes.io/path: fn/mirror.yaml
spec:
  rules:
  - {from: docker.io, to: harbor.corp.local/dockerhub}
`
	unrelated = `apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated
  namespace: shop
  annotations:
    internal.config.kubernetes.io/path: unrelated.yaml
data:
  # a comment that must survive
  key: value
`
	deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    internal.config.kubernetes.io/path: web.yaml
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.25 # pinned
`
)

// instance returns the ScenarioTemplate instance orders (namespace shop,
// file orders.yaml) with the given spec, indented by two spaces.
func instance(spec string) string {
	return `apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  namespace: shop
  annotations:
    internal.config.kubernetes.io/path: orders.yaml
spec:
` + indent(spec, "  ", "  ")
}

// webService is a valid spec for the web-service template.
const webService = `extends: [web-service]
values:
  image: ghcr.io/acme/orders
  tag: v1.4.2
  gitRepository: https://github.com/acme/orders
  fleet: prod
`

// template returns a package ScenarioTemplate named name in file.
func template(name, file, spec string) string {
	return fmt.Sprintf(`apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: %s
  annotations:
    internal.config.kubernetes.io/path: %s
spec:
%s`, name, file, indent(spec, "  ", "  "))
}

func mirror(spec string) string {
	return `apiVersion: scenario.kurator.dev/v1alpha1
kind: ImageRegistryTransformer
metadata:
  name: mirror
  annotations:
    internal.config.kubernetes.io/path: fn/mirror.yaml
spec:
` + indent(spec, "  ", "  ")
}

// chain returns n templates t0 extends t1 extends ... t(n-1).
func chain(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		spec := "description: level " + fmt.Sprint(i) + "\n"
		if i+1 < n {
			spec = fmt.Sprintf("extends: [t%d]\n", i+1)
		}
		out = append(out, template(fmt.Sprintf("t%d", i), fmt.Sprintf("chain/t%d.yaml", i), spec))
	}
	return out
}

// aliasBomb is a "billion laughs" mapping: 2^depth leaves from ~depth lines.
func aliasBomb(depth int, indentBy string) string {
	var b strings.Builder
	b.WriteString(indentBy + "l0: &l0 {a: laugh, b: laugh}\n")
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "%sl%d: &l%d {a: *l%d, b: *l%d}\n", indentBy, i, i, i-1, i-1)
	}
	return b.String()
}

// fleetWith is the Fleet shop/loop of fleet.yaml ending in the given YAML.
func fleetWith(tail string) string {
	return "apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nmetadata:\n  name: loop\n  namespace: shop\n  annotations: {" + pathKey + ": fleet.yaml}\n" + tail + "\n"
}

// crossItemBomb is a ResourceList whose item 0 (many/anchor.yaml) holds
// aliasBomb(depth) and whose next refs items each alias its last anchor.
func crossItemBomb(depth, refs int, fc string) []byte {
	items := []string{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchor\n  namespace: shop\n  annotations: {" + pathKey + ": many/anchor.yaml}\ndata:\n" + aliasBomb(depth, "  ")}
	for i := 0; i < refs; i++ {
		items = append(items, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ref-%d\n  namespace: shop\n  annotations: {%s: many/%d.yaml}\ndata: {x: *l%d}\n", i, pathKey, i, depth))
	}
	items = append(items, unrelated)
	return resourceList(fc, items...)
}

// fcLast moves the functionConfig of a ResourceList written by
// resourceList after its items, so that it may alias their anchors.
func fcLast(rl []byte) []byte {
	s := string(rl)
	i, j := strings.Index(s, "functionConfig:\n"), strings.Index(s, "items:\n")
	return []byte(s[:i] + s[j:] + s[i:j])
}

func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// tenMB is a 10 MB value (1 MB under the race detector, see raceDetector).
var tenMB = strings.Repeat("x", bigSize())

func bigSize() int {
	if raceDetector {
		return 1 << 20
	}
	return 10 << 20
}

// maxCaseTime bounds every case: a few seconds for 10 MB values, where a
// quadratic step would take minutes.
func maxCaseTime() time.Duration {
	if raceDetector {
		return 30 * time.Second
	}
	return 5 * time.Second
}

// caseTimeBound is the bound for one input: maxCaseTime, or, on a loaded
// machine, 25 times what reading and writing the same bytes with kyaml
// takes there and then (a linear floor measured in the same run: a
// quadratic step on 10 MB is thousands of times slower than it).
func caseTimeBound(input []byte) time.Duration {
	start := time.Now()
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(input)}).Read()
	if err == nil {
		_ = kio.ByteWriter{Writer: io.Discard}.Write(nodes)
	}
	return max(maxCaseTime(), 25*time.Since(start))
}

// badCase is one row of the matrix.
type badCase struct {
	name string
	// why documents the decision: error (exit 1, items unchanged),
	// warning (exit 0, items unchanged or processed as usual) or accepted.
	why   string
	input func() []byte
	// files and links make up the package directory (the function's root);
	// links are symlinks, name -> target.
	files map[string]string
	links map[string]string
	fifos []string
	// env are environment variables set for the case.
	env map[string]string

	code   int
	stderr []string // regular expressions stderr must match
	// noOutput: the input is not a ResourceList the function can write
	// back; nothing may reach stdout.
	noOutput bool
	// processed: the run succeeds and changes the items (generated or
	// rewritten resources); the items not owned are checked elsewhere
	// (nothinglost_test.go), here only that the unrelated ConfigMap and
	// its comment pass through.
	processed bool
	// noFix: no "(fix: ...)" hint is expected on every problem line.
	noFix bool
	// memory: the case could exhaust memory or the stack if handled
	// wrongly; it also runs through the built binary in a child process
	// with a memory limit (TestBadInputBinary).
	memory bool
	// mustKeep are texts the output items must contain (processed cases).
	mustKeep []string
}

// badCases are the rows of the bad-input matrix.
func badCases() []badCase {
	return []badCase{
		// ---- The wire: what is not a ResourceList never produces output.
		{name: "empty input", why: "error: nothing to process; stdout stays empty",
			input: func() []byte { return nil },
			code:  1, noOutput: true,
			stderr: []string{`^error: empty input: expected a ResourceList .* on stdin; run this binary through kustomize or kpt`}},
		{name: "blank input", why: "error, as empty input",
			input: func() []byte { return []byte(" \n\t\n") },
			code:  1, noOutput: true,
			stderr: []string{`empty input`}},
		{name: "malformed YAML", why: "error: cannot be parsed",
			input: func() []byte {
				return []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [\n  - {a: b\n")
			},
			code: 1, noOutput: true,
			stderr: []string{`^error: reading the ResourceList: .*yaml: line \d+`}},
		{name: "not a ResourceList", why: "error: a bare object on stdin is not the KRM wire format",
			input: func() []byte { return []byte(deployment) },
			code:  1, noOutput: true,
			stderr: []string{`input is not a ResourceList \(got kind "Deployment"\): a KRM function reads kind: ResourceList, apiVersion: config.kubernetes.io/v1`}},
		{name: "a List, not a ResourceList", why: "error",
			input: func() []byte { return []byte("apiVersion: v1\nkind: List\nitems: []\n") },
			code:  1, noOutput: true,
			stderr: []string{`not a ResourceList \(got kind "List"\)`}},
		{name: "non-UTF-8 bytes", why: "error: YAML is UTF-8",
			input: func() []byte { return append(resourceList(mirrorConfig), []byte("# \xff\xfe\n")...) },
			code:  1, noOutput: true,
			stderr: []string{`reading the ResourceList: .*invalid leading UTF-8 octet`}},
		{name: "nesting deeper than the YAML parser allows", why: "error: the parser's depth limit (10000) keeps the stack bounded",
			input: func() []byte {
				return resourceList(mirrorConfig, unrelated+"  deep: "+nested(20000)+"\n")
			},
			code: 1, noOutput: true,
			stderr: []string{`reading the ResourceList: .*exceeded max depth of 10000`}},
		{name: "two ResourceLists in one stream", why: "error: says what is wrong (it said got kind \"ResourceList\")",
			input: func() []byte {
				return append(append(resourceList(mirrorConfig, unrelated), "---\n"...), resourceList(mirrorConfig, unrelated)...)
			},
			code: 1, noOutput: true,
			stderr: []string{`^error: input holds 2 YAML documents \(separated by ---\), 2 of them a ResourceList: a KRM function reads exactly one ResourceList on stdin`}},
		{name: "an item that is a scalar", why: "error: items are objects; the list is written back as it came (stdout was empty)",
			input:  func() []byte { return resourceList(mirrorConfig, "just a string", unrelated) },
			code:   1,
			stderr: []string{`^error: item 0: not an object \(a YAML mapping\) \(fix: write each item as a Kubernetes object`}},
		{name: "metadata that is a list", why: "error: kyaml cannot write such an item back",
			input: func() []byte {
				return resourceList(mirrorConfig, "apiVersion: v1\nkind: ConfigMap\nmetadata: [a, b]\n")
			},
			code:   1,
			stderr: []string{`^error: metadata: item 0 \(ConfigMap v1\): metadata is not a mapping \(fix: write each item as a Kubernetes object`}},
		{name: "labels that are not strings", why: "error: kyaml cannot write such an item back",
			input: func() []byte {
				return resourceList(mirrorConfig, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {a: [b]}}\n")
			},
			code:   1,
			stderr: []string{`^error: ConfigMap c: metadata.labels.a: item 0 \(ConfigMap v1\): metadata.labels.a is not a string`}},
		{name: "labels that are a list", why: "error, the items written back (stdout was empty)",
			input: func() []byte {
				return resourceList(mirrorConfig, unrelated, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: [a, b]\n  annotations: {"+pathKey+": c.yaml}\n")
			},
			code:   1,
			stderr: []string{`^error: c.yaml: ConfigMap c: metadata.labels: item 1 \(ConfigMap v1\): metadata.labels is not a mapping \(fix: write each item as a Kubernetes object`}},

		// ---- A ResourceList the function cannot process: an error result,
		// the items written back unchanged.
		{name: "no functionConfig", why: "error: the function needs its configuration",
			input: func() []byte { return resourceList("", unrelated) },
			code:  1,
			stderr: []string{`^error: functionConfig: no functionConfig: this function needs its configuration ` +
				`\(fix: use a functionConfig of apiVersion scenario.kurator.dev/v1alpha1 and kind ImageRegistryTransformer or ScenarioTemplate\)`}},
		{name: "functionConfig of an unknown kind", why: "error",
			input: func() []byte {
				return resourceList("apiVersion: fn.kpt.dev/v1alpha1\nkind: SetImage\nmetadata:\n  name: x\n  annotations: {"+pathKey+": fn/set-image.yaml}\n", unrelated)
			},
			code:   1,
			stderr: []string{`^error: fn/set-image.yaml: SetImage x: kind: unsupported functionConfig fn.kpt.dev/v1alpha1 "SetImage" \(fix: use a functionConfig of apiVersion scenario.kurator.dev/v1alpha1`}},
		{name: "known kind in another API group", why: "error: the group is part of the contract",
			input: func() []byte {
				return resourceList(strings.Replace(instance(webService), "scenario.kurator.dev/v1alpha1", "example.com/v1", 1), unrelated)
			},
			code:   1,
			stderr: []string{`orders.yaml: ScenarioTemplate shop/orders: kind: unsupported functionConfig example.com/v1 "ScenarioTemplate"`}},
		{name: "a ConfigMap as functionConfig", why: "error: this function has no ConfigMap form",
			input: func() []byte {
				return resourceList("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {template: web-service}\n", unrelated)
			},
			code:   1,
			stderr: []string{`ConfigMap cfg: kind: unsupported functionConfig v1 "ConfigMap"`}},
		{name: "functionConfig that is a list", why: "error, the items written back (stdout was empty)",
			input: func() []byte {
				return []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + indent(unrelated, "- ", "  ") + "functionConfig: [a, b]\n")
			},
			code:   1,
			stderr: []string{`^error: functionConfig: not an object \(a YAML mapping\) \(fix: write the functionConfig as an object`}},
		{name: "functionConfig that is a string", why: "error, the items written back",
			input: func() []byte {
				return []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + indent(unrelated, "- ", "  ") + "functionConfig: web-service\n")
			},
			code:   1,
			stderr: []string{`^error: functionConfig: not an object \(a YAML mapping\)`}},
		{name: "item without apiVersion and kind", why: "error: not a Kubernetes object; kubectl and Flux would reject the package",
			input: func() []byte {
				return resourceList(mirrorConfig, unrelated, "metadata:\n  name: orphan\n  annotations: {"+pathKey+": orphan.yaml}\ndata: {a: b}\n")
			},
			code:   1,
			stderr: []string{`^error: orphan.yaml: orphan: apiVersion: item 1 has no apiVersion and kind: it is not a Kubernetes object \(fix: add apiVersion and kind, or remove the document from the package\)`}},
		{name: "item without kind", why: "error",
			input: func() []byte {
				return resourceList(instance(webService), "apiVersion: v1\nmetadata:\n  name: orphan\n  annotations: {"+pathKey+": orphan.yaml}\n")
			},
			code:   1,
			stderr: []string{`orphan.yaml: orphan: kind: item 0 has no kind`}},
		{name: "duplicate keys in an item", why: "error: which metadata is meant is undefined (kubectl rejects the file, kyaml reads the first)",
			input: func() []byte {
				return resourceList(mirrorConfig, unrelated, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations: {"+pathKey+": dup.yaml}\nmetadata:\n  name: b\n")
			},
			code:   1,
			stderr: []string{`^error: dup.yaml: ConfigMap a: metadata: item 1 has the key metadata twice in the same mapping: YAML allows a key once.* \(fix: remove one of them, or merge them\)`}},
		{name: "duplicate keys in a list element", why: "error: the element is named by its name, as in every other message",
			input: func() []byte {
				return resourceList(mirrorConfig, unrelated, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations: {"+pathKey+": web.yaml}\n"+
					"spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: a\n        image: b\n      - image: c\n        image: d\n")
			},
			code: 1,
			stderr: []string{`^error: web.yaml: Deployment web: spec.template.spec.containers.\[name=app\].image: item 1 has the key image twice`,
				`^error: web.yaml: Deployment web: spec.template.spec.containers.1.image: item 1 has the key image twice`}},
		{name: "duplicate keys in the functionConfig", why: "error: which rules are meant is undefined",
			input: func() []byte {
				return resourceList(mirrorConfig+"  rules:\n  - {from: quay.io, to: harbor.corp.local/quay}\n", unrelated)
			},
			code:   1,
			stderr: []string{`^error: fn/mirror.yaml: ImageRegistryTransformer mirror: spec.rules: the functionConfig has the key rules twice`}},
		{name: "YAML alias bomb in an item", why: "error: 2^40 nodes when expanded; refused in linear time",
			input: func() []byte {
				return resourceList(mirrorConfig, unrelated, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\n  annotations: {"+pathKey+": lol.yaml}\ndata:\n"+aliasBomb(40, "  "))
			},
			code:   1,
			stderr: []string{`^error: lol.yaml: ConfigMap lol: item 1: YAML aliases expand it by \d+ nodes, which takes the input to \d+ \(more than 65536, for all documents together\): refused as a billion-laughs document \(set SCENARIO_FN_MAX_ALIAS_NODES to raise the limit\) \(fix: write the values out without anchors`}},
		{name: "YAML alias bomb in the functionConfig", why: "error",
			input: func() []byte {
				return resourceList(instance(webService+"  resources:\n"+aliasBomb(40, "    ")), unrelated)
			},
			code:   1,
			stderr: []string{`orders.yaml: ScenarioTemplate shop/orders: the functionConfig: YAML aliases expand it`}},
		{name: "self-referencing alias in an item", why: "error: the item would contain itself; refused before any walk follows the alias (kyaml's DeAnchor would recurse until the stack overflows)",
			input: func() []byte {
				return resourceList(mirrorConfig, unrelated, fleetWith("spec: &a {clusters: [*a]}"))
			},
			code: 1, memory: true,
			stderr: []string{`^error: fleet.yaml: Fleet shop/loop: spec.clusters.0: item 1: the alias \*a at spec.clusters.0 points into its own anchor &a: the document would contain itself and never end \(fix: write the values out without anchors`}},
		{name: "self-referencing alias in the functionConfig", why: "error",
			input: func() []byte {
				return resourceList(instance(webService+"resources: &r\n- apiVersion: v1\n  kind: ConfigMap\n  data: {x: *r}\n"), unrelated)
			},
			code: 1, memory: true,
			stderr: []string{`^error: orders.yaml: ScenarioTemplate shop/orders: spec.resources.0.data.x: the functionConfig: the alias \*r at spec.resources.0.data.x points into its own anchor &r`}},
		{name: "self-referencing merge key", why: "error: <<: *a inside &a is the same cycle",
			input: func() []byte {
				return resourceList(mirrorConfig, unrelated, fleetWith("spec: &a\n  clusters: []\n  plugin: {<<: *a}"))
			},
			code: 1, memory: true,
			stderr: []string{`^error: fleet.yaml: Fleet shop/loop: spec.plugin.<<: item 1: the alias \*a at spec.plugin.<< points into its own anchor &a`}},
		{name: "one anchor aliased from 60 items", why: "error: the alias budget is one for the whole ResourceList, counted before expansion (each item alone is under it)",
			input: func() []byte { return crossItemBomb(12, 60, mirrorConfig) },
			code:  1, memory: true,
			stderr: []string{`^error: many/\d+.yaml: ConfigMap shop/ref-\d+: item \d+: YAML aliases expand it by \d+ nodes, which takes the input to \d+ \(more than 65536, for all documents together\): refused as a billion-laughs document \(set SCENARIO_FN_MAX_ALIAS_NODES to raise the limit\) \(fix: write the values out without anchors`}},
		{name: "an item's bomb just under the old per-item limit, aliased from 60 items", why: "error: the anchor's own item is over the budget already (the old per-item limit let this reach 6.5 GB)",
			input: func() []byte { return crossItemBomb(16, 60, mirrorConfig) },
			code:  1, memory: true,
			stderr: []string{`^error: many/anchor.yaml: ConfigMap shop/anchor: item 0: YAML aliases expand it by \d+ nodes`}},
		{name: "functionConfig aliasing an item's anchor", why: "error: the functionConfig's expansion is charged to the same budget (930 bytes took 56 s and 3.5 GB)",
			input: func() []byte {
				return fcLast(crossItemBomb(16, 0, instance(webService+"overlays:\n- apiVersion: apps.kurator.dev/v1alpha1\n  kind: Application\n  metadata: {labels: {big: *l16}}\n")))
			},
			code: 1, memory: true,
			stderr: []string{`^error: orders.yaml: ScenarioTemplate shop/orders: the functionConfig: YAML aliases expand it by \d+ nodes`}},
		{name: "labels aliasing another item's labels", why: "accepted: valid YAML, the alias names a mapping of strings",
			input: func() []byte {
				return resourceList(instance(webService), strings.Replace(unrelated, "  namespace: shop\n", "  namespace: shop\n  labels: &lbl {team: a}\n", 1),
					strings.NewReplacer("  namespace: shop\n", "  namespace: shop\n  labels: *lbl\n", "name: unrelated", "name: other", "unrelated.yaml", "other.yaml").Replace(unrelated))
			},
			code: 0, processed: true, noFix: true},
		{name: "duplicate item identities", why: "warning: both pass through unchanged (the function owns neither); kustomize and kubectl reject them later",
			input: func() []byte {
				return resourceList(mirrorConfig, unrelated, strings.Replace(unrelated, "path: unrelated.yaml", "path: copy.yaml", 1))
			},
			code:   0,
			stderr: []string{`^warning: copy.yaml: ConfigMap shop/unrelated: metadata.name: item 1 has the same group, kind, namespace and name as item 0 \(unrelated.yaml\); both pass through unchanged \(fix: remove or rename one of them`}},
		{name: "nesting within the parser's limit", why: "accepted: passes through unchanged",
			input: func() []byte { return resourceList(mirrorConfig, unrelated+"  deep: "+nested(9000)+"\n") },
			code:  0, noFix: true},
		{name: "10 MB value in an item the generator does not own", why: "accepted: passes through unchanged, in linear time",
			input: func() []byte { return resourceList(instance(webService), unrelated+"  big: "+tenMB+"\n") },
			code:  0, processed: true, noFix: true},
		{name: "10 MB image reference", why: "warning: not a reference, left unchanged; the message is cut, the reference grammar is not run on it",
			input: func() []byte {
				return resourceList(mirrorConfig, strings.Replace(deployment, "nginx:1.25", tenMB, 1))
			},
			code:   0,
			stderr: []string{`^warning: web.yaml: Deployment shop/web: spec.template.spec.containers.\[name=web\].image: image "x+ \[\.\.\. \d+ bytes \.\.\.\] x+" left unchanged: is ` + fmt.Sprint(bigSize()) + ` bytes long, longer than any valid reference`}},
		{name: "10 MB parameter value of the wrong type", why: "error: the message quoting it is cut to a few KB",
			input:  func() []byte { return resourceList(instance(webService+"  replicas: "+tenMB+"\n"), unrelated) },
			code:   1,
			stderr: []string{`^error: orders.yaml: ScenarioTemplate shop/orders: spec.values.replicas: value "x+ \[\.\.\. \d+ bytes \.\.\.\] x+" is a string, but parameter "replicas" is an integer`}},
		{name: "10 MB unterminated Flux variable", why: "warning (output.flux none): Flux would fail on it, but the output may not be meant for Flux",
			input: func() []byte { return resourceList(instance(webService+"  path: ./deploy${"+tenMB+"\n"), unrelated) },
			code:  0, processed: true,
			stderr: []string{`^warning: orders.yaml: Application shop/orders: spec.syncPolicies.\[name=default\].kustomization.path: \$\{x+ \[\.\.\. \d+ bytes \.\.\.\] x+: Flux post-build substitution would fail on this if you apply the output with Flux: missing closing brace \(fix: write \$\{NAME\}`}},

		// ---- ScenarioTemplate: configuration and templates.
		{name: "instance without a name", why: "error",
			input: func() []byte {
				return resourceList(strings.Replace(instance(webService), "  name: orders\n", "", 1), unrelated)
			},
			code:   1,
			stderr: []string{`orders.yaml: ScenarioTemplate shop/\(unnamed\): metadata.name: required field is missing \(fix: name the template`}},
		{name: "unknown field in the instance", why: "error: strict schema, a typo must not be ignored",
			input:  func() []byte { return resourceList(instance(webService+"valeus: {tag: v1}\n"), unrelated) },
			code:   1,
			stderr: []string{`orders.yaml: ScenarioTemplate shop/orders: spec.valeus: unknown field \(not in the CRD schema\) \(fix: ScenarioTemplate spec has description, extends`}},
		{name: "wrong type in the instance", why: "error (no fix hint yet: generators.templateHint has none for type errors outside spec.parameters)",
			input: func() []byte { return resourceList(instance("extends: web-service\n"), unrelated) },
			code:  1, noFix: true,
			stderr: []string{`orders.yaml: ScenarioTemplate shop/orders: spec.extends: .*array`}},
		{name: "missing required values", why: "error: names each value and gives an example",
			input:  func() []byte { return resourceList(instance("extends: [web-service]\n"), unrelated) },
			code:   1,
			stderr: []string{`orders.yaml: ScenarioTemplate shop/orders: spec.values.image: missing required value "image" .* \(fix: add it under spec.values, e.g. image: <image>\)`, `spec.values.fleet: missing required value "fleet"`}},
		{name: "unknown parameter name", why: "error: suggests the closest declared parameter",
			input:  func() []byte { return resourceList(instance(webService+"  imgae: x\n"), unrelated) },
			code:   1,
			stderr: []string{`spec.values.imgae: unknown value "imgae": no template in the chain declares it \(fix: did you mean "image"\?`}},
		{name: "enum violation", why: "error",
			input: func() []byte {
				return resourceList(instance("extends: [my]\nvalues: {mode: fast}\n"),
					template("my", "my.yaml", "parameters:\n- {name: mode, enum: [safe, slow]}\n"), unrelated)
			},
			code:   1,
			stderr: []string{`spec.values.mode: value "fast" is not allowed for "mode" \(fix: use one of safe, slow\)`}},
		{name: "unknown template", why: "error: lists the known templates",
			input:  func() []byte { return resourceList(instance("extends: [web-servise]\n"), unrelated) },
			code:   1,
			stderr: []string{`orders.yaml: ScenarioTemplate shop/orders: spec.extends.0: unknown template "web-servise" \(fix: did you mean "web-service"\? known templates: .*web-service`}},
		{name: "extends cycle", why: "error: names the whole cycle",
			input: func() []byte {
				return resourceList(instance("extends: [a]\n"), template("a", "a.yaml", "extends: [b]\n"), template("b", "b.yaml", "extends: [a]\n"), unrelated)
			},
			code:   1,
			stderr: []string{`b.yaml: ScenarioTemplate b: spec.extends.0: extends cycle: a -> b -> a \(fix: remove one of the extends entries`}},
		{name: "a chain 50 levels deep", why: "accepted: deep but bounded",
			input: func() []byte { return resourceList(instance("extends: [t0]\n"), append(chain(50), unrelated)...) },
			code:  0, processed: true, noFix: true},
		{name: "a chain 70 levels deep", why: "error: deeper than MaxChainDepth (64)",
			input:  func() []byte { return resourceList(instance("extends: [t0]\n"), append(chain(70), unrelated)...) },
			code:   1,
			stderr: []string{`ScenarioTemplate shop/orders: spec.extends: extends chain deeper than 64 levels \(fix: flatten the template hierarchy\)`}},
		{name: "duplicate template", why: "error: which one is meant is undefined",
			input: func() []byte {
				return resourceList(instance("extends: [a]\n"), template("a", "a.yaml", "description: one\n"), template("a", "a2.yaml", "description: two\n"), unrelated)
			},
			code:   1,
			stderr: []string{`a2.yaml: ScenarioTemplate a: metadata.name: template "a" is defined twice \(also in a.yaml\) \(fix: rename one of them\)`}},
		{name: "invalid template item", why: "error, at the template's file",
			input: func() []byte {
				return resourceList(instance("extends: [a]\n"), template("a", "platform/a.yaml", "parameter: []\n"), unrelated)
			},
			code:   1,
			stderr: []string{`platform/a.yaml: ScenarioTemplate a: spec.parameter: unknown field`}},
		{name: "template path escaping with ..", why: "error: reads stay inside the package",
			input:  func() []byte { return resourceList(instance("extends: [../outside.yaml]\n"), unrelated) },
			code:   1,
			stderr: []string{`orders.yaml: ScenarioTemplate shop/orders: spec.extends.0: template path "../outside.yaml" leaves the package directory \(fix: keep templates inside the package\)`}},
		{name: "absolute template path", why: "error",
			input:  func() []byte { return resourceList(instance("extends: [/etc/passwd]\n"), unrelated) },
			code:   1,
			stderr: []string{`spec.extends.0: template path "/etc/passwd" is absolute \(fix: use a path relative to the package`}},
		{name: "template path through a symlink out of the package", why: "error: os.Root resolves links and refuses the escape",
			input:  func() []byte { return resourceList(instance("extends: [./platform/evil.yaml]\n"), unrelated) },
			links:  map[string]string{"platform/evil.yaml": "../../outside.yaml"},
			code:   1,
			stderr: []string{`spec.extends.0: template path "./platform/evil.yaml" leaves the package directory \(through a symlink or \.\.\) \(fix: check the path`}},
		{name: "template path naming a FIFO", why: "error: only regular files are read (opening a FIFO blocked forever)",
			input:  func() []byte { return resourceList(instance("extends: [./platform/pipe.yaml]\n"), unrelated) },
			fifos:  []string{"platform/pipe.yaml"},
			code:   1,
			stderr: []string{`^error: orders.yaml: ScenarioTemplate shop/orders: spec.extends.0: template path "./platform/pipe.yaml" is not a regular file \(a named pipe\) \(fix: name a template file; named pipes, devices and sockets are not read\)`}},
		{name: "template file over the input limit", why: "error: the limit names the variable that raises it (a 200 MiB template used 834 MB)",
			input:  func() []byte { return resourceList(instance("extends: [./platform/big.yaml]\n"), unrelated) },
			files:  map[string]string{"platform/big.yaml": template("big", "platform/big.yaml", "description: "+strings.Repeat("x", 5000)+"\n")},
			env:    map[string]string{"SCENARIO_FN_MAX_INPUT_BYTES": "4096"},
			code:   1,
			stderr: []string{`^error: orders.yaml: ScenarioTemplate shop/orders: spec.extends.0: template file "./platform/big.yaml" is larger than 4096 bytes, the input limit \(fix: split the template, or set SCENARIO_FN_MAX_INPUT_BYTES to raise the limit\)`}},
		{name: "missing template file", why: "error",
			input:  func() []byte { return resourceList(instance("extends: [./platform/missing.yaml]\n"), unrelated) },
			code:   1,
			stderr: []string{`spec.extends.0: cannot read template file "./platform/missing.yaml": no such file or directory \(fix: check the path`}},
		{name: "template file without a template", why: "error",
			input:  func() []byte { return resourceList(instance("extends: [./platform/cm.yaml]\n"), unrelated) },
			files:  map[string]string{"platform/cm.yaml": unrelated},
			code:   1,
			stderr: []string{`spec.extends.0: template file "./platform/cm.yaml" is invalid: error: platform/cm.yaml: no ScenarioTemplate in the file`}},
		{name: "invalid instance name", why: "error: generated names derive from it",
			input: func() []byte {
				return resourceList(strings.Replace(instance(webService), "name: orders", "name: Orders_2", 1), unrelated)
			},
			code:   1,
			stderr: []string{`orders.yaml: ScenarioTemplate shop/Orders_2: metadata.name: instance name "Orders_2" is not a DNS-1123 name.* \(fix: use lower-case letters`}},
		{name: "invalid namespace", why: "error",
			input: func() []byte {
				return resourceList(strings.Replace(instance(webService), "namespace: shop", "namespace: Shop", 1), unrelated)
			},
			code:   1,
			stderr: []string{`metadata.namespace: namespace "Shop" is not a DNS-1123 label \(fix: use a DNS-1123 label\)`}},
		{name: "$patch in a list without merge key", why: "error: the directive would leak into the output",
			input: func() []byte {
				return resourceList(instance(webService+`overlays:
- apiVersion: apps.kurator.dev/v1alpha1
  kind: Application
  spec:
    syncPolicies:
    - name: default
      kustomization:
        patches:
        - {$patch: delete, target: {kind: Deployment}}
`), unrelated)
			},
			code:   1,
			stderr: []string{`spec.overlays.0.spec.syncPolicies.*\$patch in a list that has no merge key`}},
		{name: "unknown $patch directive", why: "error",
			input: func() []byte {
				return resourceList(instance(webService+`overlays:
- apiVersion: apps.kurator.dev/v1alpha1
  kind: Application
  spec:
    source: {$patch: remove}
`), unrelated)
			},
			code:   1,
			stderr: []string{`spec.overlays.0.spec.source.*remove`}},
		{name: "keyed list item without its key", why: "error: the list merges by name",
			input: func() []byte {
				return resourceList(instance(webService+`overlays:
- apiVersion: apps.kurator.dev/v1alpha1
  kind: Application
  spec:
    syncPolicies:
    - kustomization: {path: ./prod}
`), unrelated)
			},
			code:   1,
			stderr: []string{`orders.yaml: ScenarioTemplate shop/orders: spec.overlays.0.spec.syncPolicies.0: Application \(the instance's\): list element has no "name": this list merges by name`}},
		{name: "overlay item that matches nothing", why: "error: a typo in an overlay must not be ignored",
			input: func() []byte {
				return resourceList(instance(webService), unrelated, `apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata:
  name: billing
  annotations:
    scenario.kurator.dev/overlay: "true"
    internal.config.kubernetes.io/path: overlays/prod.yaml
spec:
  syncPolicies:
  - {name: default, kustomization: {prune: false}}
`)
			},
			code:   1,
			stderr: []string{`overlays/prod.yaml: Application billing: overlay Application "billing" matches no generated resource \(fix: name a generated resource \(Application orders, Pipeline orders\)`}},
		{name: "generated resource collides with an input item", why: "error: the generator would overwrite a resource it does not own",
			input: func() []byte {
				return resourceList(instance(webService), unrelated, `apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata:
  name: orders
  namespace: shop
  annotations: {`+pathKey+`: apps/orders.yaml}
spec: {}
`)
			},
			code:   1,
			stderr: []string{`apps/orders.yaml: Application shop/orders: metadata.name: the instance would generate Application shop/orders, which already exists in the input and was not generated by it \(fix: rename the instance`}},
		{name: "a hand-kept Secret and ClusterRole with a copied instance annotation", why: "warning: kept unchanged (they were deleted: any item annotated with the instance counted as its earlier output)",
			input: func() []byte {
				return resourceList(instance(webService), unrelated, `apiVersion: v1
kind: Secret
metadata:
  name: db-password
  namespace: shop
  annotations:
    scenario.kurator.dev/instance: shop/orders
    scenario.kurator.dev/templates: web-service
    `+pathKey+`: secrets/db.yaml
stringData: {password: hunter2} # hand-kept
`, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: orders
  annotations:
    scenario.kurator.dev/instance: shop/orders
    `+pathKey+`: rbac/orders.yaml
rules: [] # hand-kept role
`)
			},
			code: 0, processed: true,
			mustKeep: []string{"stringData: {password: hunter2} # hand-kept", "rules: [] # hand-kept role"},
			stderr: []string{
				`^warning: secrets/db.yaml: Secret shop/db-password: metadata.annotations.\[scenario.kurator.dev/instance\]: Secret shop/db-password is annotated scenario.kurator.dev/instance: shop/orders, but the instance did not generate it: the name "db-password" is not one the instance gives \(orders or orders-<name>\); kept unchanged, not replaced \(fix: remove the annotation`,
				`^warning: rbac/orders.yaml: ClusterRole orders: .*the instance generates no ClusterRole`}},
		{name: "a resource with the instance's kind and name but without the templates annotation", why: "error: kept (not the instance's output), so the generated Application clashes with it",
			input: func() []byte {
				return resourceList(instance(webService), unrelated, `apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata:
  name: orders
  namespace: shop
  annotations:
    scenario.kurator.dev/instance: shop/orders
    `+pathKey+`: apps/orders.yaml
spec: {}
`)
			},
			code: 1,
			stderr: []string{
				`^warning: apps/orders.yaml: Application shop/orders: metadata.annotations.\[scenario.kurator.dev/instance\]: .*it has no scenario.kurator.dev/templates annotation`,
				`^error: apps/orders.yaml: Application shop/orders: metadata.name: the instance would generate Application shop/orders, which already exists in the input and was not generated by it`}},
		{name: "output path with ..", why: "error: kpt would write outside the package (kpt caught one form only)",
			input: func() []byte {
				return resourceList(instance(webService+"output: {path: generated/../../x.yaml}\n"), unrelated)
			},
			code:   1,
			stderr: []string{`^error: orders.yaml: ScenarioTemplate shop/orders: spec.output.path: output path "generated/../../x.yaml" leaves the package \(fix: use a relative path inside the package, e.g. generated/orders.yaml\)`}},
		{name: "absolute output path", why: "error",
			input:  func() []byte { return resourceList(instance(webService+"output: {path: /etc/x.yaml}\n"), unrelated) },
			code:   1,
			stderr: []string{`^error: orders.yaml: ScenarioTemplate shop/orders: spec.output.path: output path "/etc/x.yaml" is absolute: kpt would write outside the package`}},
		{name: "several configuration errors", why: "error: all of them in one run (an invalid name hid the value errors)",
			input: func() []byte {
				return resourceList(strings.NewReplacer("name: orders", "name: Orders_1", "namespace: shop", "namespace: Shop").Replace(instance(webService+"  imgae: x\n  replicas: many\n")), unrelated)
			},
			code: 1,
			stderr: []string{`metadata.name: instance name "Orders_1" is not a DNS-1123 name`, `metadata.namespace: namespace "Shop" is not a DNS-1123 label`,
				`spec.values.imgae: unknown value "imgae"`, `spec.values.replicas: value "many" is a string, but parameter "replicas" is an integer`}},
		{name: "parameter target on metadata.name", why: "error: the naming rule sets the name afterwards, the value was lost silently",
			input: func() []byte {
				return resourceList(instance("extends: [my]\nvalues: {x: other}\n"),
					template("my", "my.yaml", `parameters:
- name: x
  targets:
  - select: {kind: Application}
    fieldPaths: [metadata.labels.x, metadata.name]
resources:
- apiVersion: apps.kurator.dev/v1alpha1
  kind: Application
  spec:
    source: {gitRepository: {url: "https://x/y", interval: 1m}}
    syncPolicies: [{name: a, kustomization: {interval: 1m, prune: true}}]
`), unrelated)
			},
			code:   1,
			stderr: []string{`^error: my.yaml: ScenarioTemplate my: spec.parameters.\[name=x\].targets.0.fieldPaths.1: parameter "x" targets metadata.name, which the naming rule sets after the parameters: the value would be lost \(fix: generated names are`}},
		{name: "overlay annotation *", why: "warning: it matches no instance (it was ignored silently)",
			input: func() []byte {
				return resourceList(instance(webService), unrelated, "apiVersion: apps.kurator.dev/v1alpha1\nkind: Application\nmetadata:\n  name: orders\n  annotations:\n    scenario.kurator.dev/overlay: \"*\"\n    "+pathKey+": overlays/all.yaml\nspec: {}\n")
			},
			code: 0, processed: true,
			stderr: []string{`^warning: overlays/all.yaml: Application orders: metadata.annotations.\[scenario.kurator.dev/overlay\]: overlay annotation scenario.kurator.dev/overlay: "\*" matches no instance: .* \(fix: write "true" to apply the overlay to every instance\)`}},
		{name: "overlay annotation in upper case", why: "warning: instance names are lower case",
			input: func() []byte {
				return resourceList(instance(webService), unrelated, "apiVersion: apps.kurator.dev/v1alpha1\nkind: Application\nmetadata:\n  name: orders\n  annotations:\n    scenario.kurator.dev/overlay: ORDERS\n    "+pathKey+": overlays/orders.yaml\nspec: {}\n")
			},
			code: 0, processed: true,
			stderr: []string{`^warning: overlays/orders.yaml: Application orders: metadata.annotations.\[scenario.kurator.dev/overlay\]: overlay annotation scenario.kurator.dev/overlay: "ORDERS": "ORDERS" is not an instance name, so it matches no instance \(fix: did you mean "orders"\? instance names are lower case\)`}},
		{name: "non-string Pipeline params", why: "error: Tekton params are strings; the message says which layer set them",
			input: func() []byte {
				return resourceList(instance(webService+`overlays:
- apiVersion: pipeline.kurator.dev/v1alpha1
  kind: Pipeline
  spec:
    tasks:
    - name: go-test
      predefinedTask: {name: go-test, params: {version: 1.22}}
`), unrelated)
			},
			code:   1,
			stderr: []string{`orders.yaml: Pipeline shop/orders: spec.tasks.\[name=go-test\].predefinedTask.params.version: must be of type string: "number" \[set by overlay in instance orders\] \(fix: quote the value\)`}},
		{name: "unterminated ${ with output.flux escape", why: "error: the output is meant for Flux, which fails on it",
			input: func() []byte {
				return resourceList(instance(webService+"  path: ./deploy${ENV\noutput: {flux: escape}\n"), unrelated)
			},
			code:   1,
			stderr: []string{`orders.yaml: Application shop/orders: spec.syncPolicies.\[name=default\].kustomization.path: \$\{ENV: Flux post-build substitution fails on this: missing closing brace \(fix: write \$\{NAME\}`}},
		{name: "invalid Flux variable name", why: "warning with output.flux none: only Flux would fail",
			input:     func() []byte { return resourceList(instance(webService+"  path: ./${A.B}\n"), unrelated) },
			code:      0,
			processed: true,
			stderr:    []string{`^warning: orders.yaml: Application shop/orders: spec.syncPolicies.\[name=default\].kustomization.path: \$\{A.B\}: Flux post-build substitution would fail on this if you apply the output with Flux: missing closing brace`}},
		{name: "parameter target that matches nothing", why: "error: a template whose targets miss is broken",
			input: func() []byte {
				return resourceList(instance("extends: [my]\nvalues: {x: \"1\"}\n"),
					template("my", "my.yaml", `parameters:
- name: x
  targets:
  - select: {kind: Application}
    fieldPaths: [spec.nothing.here]
resources:
- apiVersion: apps.kurator.dev/v1alpha1
  kind: Application
  spec:
    source: {gitRepository: {url: "https://x/y", interval: 1m}}
    syncPolicies: [{name: a, kustomization: {interval: 1m, prune: true}}]
`), unrelated)
			},
			code:   1,
			stderr: []string{`my.yaml: ScenarioTemplate my: spec.parameters.\[name=x\].targets: parameter "x": .* \(fix: check the target's select and fieldPaths`}},

		// ---- ImageRegistryTransformer configuration.
		{name: "transformer without spec", why: "error",
			input:  func() []byte { return resourceList(strings.SplitN(mirrorConfig, "spec:", 2)[0], deployment) },
			code:   1,
			stderr: []string{`fn/mirror.yaml: ImageRegistryTransformer mirror: spec: required field is missing \(fix: add it`}},
		{name: "transformer without rules", why: "error: it would change nothing",
			input:  func() []byte { return resourceList(mirror("rules: []\n"), deployment) },
			code:   1,
			stderr: []string{`spec.rules: no rules: the transformer would change nothing \(fix: add at least one rule`}},
		{name: "transformer unknown field", why: "error: strict schema",
			input: func() []byte {
				return resourceList(mirror("rule:\n- {from: docker.io, to: harbor.corp.local/d}\n"), deployment)
			},
			code:   1,
			stderr: []string{`fn/mirror.yaml: ImageRegistryTransformer mirror: spec.rule: unknown field .*\(fix: remove it or fix its spelling`}},
		{name: "transformer wrong type", why: "error",
			input: func() []byte {
				return resourceList(mirror("rules: [{from: docker.io, to: harbor.corp.local/d}]\nimagePullSecrets: harbor-pull\n"), deployment)
			},
			code:   1,
			stderr: []string{`spec.imagePullSecrets: .*array`}},
		{name: "transformer rule without to", why: "error: missing required value",
			input:  func() []byte { return resourceList(mirror("rules: [{from: docker.io}]\n"), deployment) },
			code:   1,
			stderr: []string{`spec.rules.0.to: required field is missing`}},
		{name: "transformer of another version", why: "error",
			input: func() []byte {
				return resourceList(strings.Replace(mirrorConfig, "v1alpha1", "v1beta1", 1), deployment)
			},
			code:   1,
			stderr: []string{`apiVersion: unsupported apiVersion "scenario.kurator.dev/v1beta1" for kind ImageRegistryTransformer \(fix: write apiVersion: scenario.kurator.dev/v1alpha1\)`}},
		{name: "conflicting registry rules", why: "error: two rules for one registry, or one rule's source inside another's target",
			input: func() []byte {
				return resourceList(mirror(`rules:
- {from: docker.io, to: harbor.corp.local/dockerhub}
- {from: index.docker.io, to: harbor.corp.local/hub}
- {from: harbor.corp.local/dockerhub/library, to: harbor.corp.local/lib}
- {from: quay.io, to: harbor.corp.local/dockerhub}
`), deployment)
			},
			code: 1,
			stderr: []string{
				`spec.rules.1.from: duplicate from "index.docker.io" \(same registry as spec.rules.0 from "docker.io"\)`,
				`spec.rules.2.from: from "harbor.corp.local/dockerhub/library" lies inside to "harbor.corp.local/dockerhub" of spec.rules.0`,
				`spec.rules.3.to: duplicate to "harbor.corp.local/dockerhub" \(also spec.rules.0\)`}},
		{name: "rule source with a tag", why: "error: rules map registries, not images",
			input: func() []byte {
				return resourceList(mirror("rules: [{from: \"docker.io/library/nginx:1.25\", to: harbor.corp.local/n}]\n"), deployment)
			},
			code:   1,
			stderr: []string{`spec.rules.0.from: from "docker.io/library/nginx:1.25" has a tag`}},
		{name: "chart rule that is not a URL", why: "error",
			input: func() []byte {
				return resourceList(mirror("rules: [{from: docker.io, to: harbor.corp.local/d}]\nchartRules: [{from: \"ftp://charts\", to: \"oci://harbor.corp.local/c\"}]\n"), deployment)
			},
			code:   1,
			stderr: []string{`spec.chartRules.0.from: from "ftp://charts" is not an oci://, https:// or http:// URL`}},
		{name: "mirror list path escaping the package", why: "error: kpt would write outside the package",
			input: func() []byte {
				return resourceList(mirror("rules: [{from: docker.io, to: harbor.corp.local/d}]\nmirrorList: {path: ../mirror.yaml}\n"), deployment)
			},
			code:   1,
			stderr: []string{`spec.mirrorList.path: path "../mirror.yaml" leaves the package \(fix: use a relative path inside the package`}},
		{name: "image that is a placeholder", why: "warning: left unchanged, Flux resolves it later",
			input: func() []byte {
				return resourceList(mirrorConfig, strings.Replace(deployment, "nginx:1.25", "${IMAGE}", 1))
			},
			code:   0,
			stderr: []string{`^warning: web.yaml: Deployment shop/web: spec.template.spec.containers.\[name=web\].image: image "\$\{IMAGE\}" is a placeholder: left unchanged, and not in the mirror list \(fix: substitute it`}},
		{name: "image that is not a reference", why: "warning: left unchanged",
			input: func() []byte {
				return resourceList(mirrorConfig, strings.Replace(deployment, "nginx:1.25", `"Not A/Ref::"`, 1))
			},
			code:   0,
			stderr: []string{`^warning: web.yaml: Deployment shop/web: spec.template.spec.containers.\[name=web\].image: image "Not A/Ref::" left unchanged: .* \(fix: write a valid reference`}},
		{name: "image that is a number", why: "warning: left unchanged",
			input:  func() []byte { return resourceList(mirrorConfig, strings.Replace(deployment, "nginx:1.25", "42", 1)) },
			code:   0,
			stderr: []string{`^warning: web.yaml: Deployment shop/web: spec.template.spec.containers.\[name=web\].image: image 42 is not a string: left unchanged \(fix: quote the value\)`}},
	}
}

func TestBadInput(t *testing.T) {
	cases := badCases()
	counts := map[string]int{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for name, target := range tc.links {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, p); err != nil {
					t.Fatal(err)
				}
			}
			// What a symlink case reaches must exist: an escape, not a
			// missing file, is what has to be refused.
			if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "outside.yaml"), []byte(template("outside", "outside.yaml", "description: outside\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, name := range tc.fifos {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := syscall.Mkfifo(p, 0o644); err != nil {
					t.Skipf("SKIPPED: cannot create a FIFO: %v", err)
				}
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			input := tc.input()
			start := time.Now()
			stdout, stderr, code := run(t, dir, input)
			elapsed := time.Since(start)
			if bound := caseTimeBound(input); elapsed > bound {
				t.Errorf("took %v (bound %v): a bad input must be handled in about linear time", elapsed, bound)
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, clipped(stderr))
			}
			for _, re := range tc.stderr {
				if !regexp.MustCompile("(?m)" + re).MatchString(stderr) {
					t.Errorf("stderr does not match %s:\n%s", re, clipped(stderr))
				}
			}
			if len(tc.stderr) == 0 && stderr != "" {
				t.Errorf("unexpected stderr:\n%s", clipped(stderr))
			}
			if strings.Contains(stderr, "internal error") {
				t.Errorf("a panic was recovered:\n%s", clipped(stderr))
			}
			if tc.noOutput {
				if stdout != "" {
					t.Errorf("wrote output for input that is not a ResourceList:\n%s", clipped(stdout))
				}
				counts["wire"]++
				return
			}
			lines := problemLines(stderr)
			for _, l := range lines {
				if !tc.noFix && !strings.Contains(l, "(fix: ") {
					t.Errorf("no fix hint: %s", clipped(l))
				}
				if len(l) > 8<<10 {
					t.Errorf("a %d-byte message line: values must be cut", len(l))
				}
			}
			// The results carry every problem printed, with the same severity.
			var errs, warns int
			for _, r := range resultsOf(t, stdout) {
				switch r.Severity {
				case "error":
					errs++
				case "warning":
					warns++
				case "info":
				default:
					t.Errorf("result without a valid severity: %+v", r)
				}
				if r.Field.CurrentValue != nil || r.Field.ProposedValue != nil {
					t.Errorf("a result carries a field value: %+v", r)
				}
			}
			if want := count(lines, "error: "); errs != want {
				t.Errorf("%d error results for %d error lines on stderr", errs, want)
			}
			if want := count(lines, "warning: "); warns != want {
				t.Errorf("%d warning results for %d warning lines on stderr", warns, want)
			}
			in, ok := itemsOf(t, input)
			if !ok {
				t.Fatal("the input of an output case must parse")
			}
			out, ok := itemsOf(t, []byte(stdout))
			if !ok {
				t.Fatalf("the output does not parse as a ResourceList:\n%s", clipped(stdout))
			}
			switch {
			case tc.processed:
				if !strings.Contains(out, "# a comment that must survive") {
					t.Errorf("the unrelated ConfigMap's comment is lost")
				}
				for _, keep := range tc.mustKeep {
					if !strings.Contains(out, keep) {
						t.Errorf("lost from the items: %s", keep)
					}
				}
			case out != in:
				t.Errorf("the items changed:\n%s", clipped(cmp.Diff(in, out)))
			}
			switch {
			case code != 0:
				counts["error"]++
			case len(lines) > 0:
				counts["warning"]++
			default:
				counts["accepted"]++
			}
		})
	}
	if len(cases) < 40 {
		t.Errorf("the matrix has %d cases, want at least 40", len(cases))
	}
	t.Logf("bad-input matrix: %d cases: %d refused before output (wire), %d errors, %d warnings, %d accepted",
		len(cases), counts["wire"], counts["error"], counts["warning"], counts["accepted"])
}

func problemLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "error: ") || strings.HasPrefix(l, "warning: ") {
			out = append(out, l)
		}
	}
	return out
}

func count(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// clipped keeps failure messages readable when a case has 10 MB values.
func clipped(s string) string {
	if len(s) > 4000 {
		return s[:3000] + fmt.Sprintf("\n[... %d bytes ...]\n", len(s)-4000) + s[len(s)-1000:]
	}
	return s
}
