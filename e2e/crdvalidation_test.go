package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/kurator"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// verdict compares scenario-fn's validation of one object with the API
// server's create path.
type verdict struct {
	name    string
	ours    []kurator.Finding // errors only
	theirs  []string
	outcome string
}

const (
	bothAccept  = "both accept"
	bothReject  = "both reject"
	stricter    = "we reject by a documented rule, the API server accepts"
	statusOnly  = "the API server rejects unknown status fields, we warn"
	placeholder = "the API server rejects a Flux ${VAR} placeholder, which we judge after substitution"
	disagreeRej = "DISAGREE: we reject, the API server accepts"
	disagreeAcc = "DISAGREE: we accept, the API server rejects"
	disagreeFld = "DISAGREE: both reject, on unrelated fields"
)

func judge(s *apiServer, name string, n *yaml.RNode) (verdict, bool) {
	text, err := n.String()
	if err != nil {
		return verdict{name: name, outcome: "cannot serialise: " + err.Error()}, true
	}
	theirs, known := s.create([]byte(text))
	if !known {
		return verdict{}, false
	}
	v := verdict{name: name, theirs: theirs}
	for _, f := range kurator.Validate(n) {
		if f.Severity == kurator.Error {
			v.ours = append(v.ours, f)
		}
	}
	schemaErrs := 0
	for _, f := range v.ours {
		if f.Rule == "" {
			schemaErrs++
		} else if kurator.Rules[f.Rule] == "" {
			v.outcome = "rule " + f.Rule + " is not documented in kurator.Rules"
			return v, true
		}
	}
	switch {
	case len(v.ours) == 0 && len(theirs) == 0:
		v.outcome = bothAccept
	case len(theirs) == 0 && schemaErrs == 0:
		v.outcome = stricter
	case len(theirs) == 0:
		v.outcome = disagreeRej
	case schemaErrs == 0 && allStatus(theirs):
		v.outcome = statusOnly
	case len(v.ours) == 0 && allIn(refPaths(theirs), placeholderPaths(n)):
		v.outcome = placeholder
	case schemaErrs == 0 && len(v.ours) > 0:
		// Both reject, but we only by a rule: the schema error went unseen.
		v.outcome = disagreeAcc
	case len(v.ours) == 0:
		v.outcome = disagreeAcc
	default:
		v.outcome = disagreeFld
		for _, rp := range refPaths(theirs) {
			for _, f := range v.ours {
				if related(rp, normPath(f.Path)) {
					v.outcome = bothReject
				}
			}
		}
	}
	return v, true
}

func hasWarning(n *yaml.RNode) bool {
	for _, f := range kurator.Validate(n) {
		if f.Severity == kurator.Warning {
			return true
		}
	}
	return false
}

// placeholderPaths are the normalised paths of the object's ${VAR} values.
func placeholderPaths(n *yaml.RNode) map[string]bool {
	out := map[string]bool{}
	var walk func(n *yaml.Node, p string)
	walk = func(n *yaml.Node, p string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], join(p, n.Content[i].Value))
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, p)
			}
		case yaml.ScalarNode:
			if strings.Contains(n.Value, "${") {
				out[p] = true
			}
		}
	}
	walk(n.YNode(), "")
	return out
}

// allIn: every path is in set, or is a map the API server names for the
// whole (metadata.labels) that holds a path of set.
func allIn(paths []string, set map[string]bool) bool {
	for _, p := range paths {
		found := set[p]
		for q := range set {
			found = found || strings.HasPrefix(q, p+".")
		}
		if !found {
			return false
		}
	}
	return len(paths) > 0
}

func allStatus(errs []string) bool {
	for _, p := range refPaths(errs) {
		if p != "status" && !strings.HasPrefix(p, "status.") {
			return false
		}
	}
	return true
}

// TestCRDValidationAgrees: scenario-fn's validation agrees with the API
// server's on every valid object of testdata/crd-corpus (all eight Kurator
// kinds) and on every mutation derived from them, except where a rule in
// kurator.Rules is stricter or a status field is only warned about.
func TestCRDValidationAgrees(t *testing.T) {
	s, err := loadAPIServer(filepath.Join(repo, "kurator", "crds"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.kinds) != len(kurator.Kinds) {
		t.Fatalf("the API server serves %d kinds, kurator.Kinds lists %d", len(s.kinds), len(kurator.Kinds))
	}
	files, _ := filepath.Glob("testdata/crd-corpus/*.yaml")
	kinds := map[string]bool{}
	counts := map[string]int{}
	var bad []verdict
	total := 0
	fired := map[string]bool{} // rule mutation -> some object of its kind was rejected (or warned about)
	for _, f := range files {
		for i, obj := range readDocs(t, f) {
			kinds[obj.GetKind()] = true
			base := fmt.Sprintf("%s#%d %s/%s", filepath.Base(f), i, obj.GetKind(), obj.GetName())
			v, known := judge(s, base+" (valid)", obj)
			if !known {
				t.Fatalf("%s: not a Kurator kind", base)
			}
			if v.outcome != bothAccept {
				t.Errorf("valid corpus object rejected: %s: ours %v, API server %v", base, v.ours, v.theirs)
			}
			cv := s.kinds[schema.FromAPIVersionAndKind(obj.GetApiVersion(), obj.GetKind())]
			for _, m := range mutants(obj, cv.structural) {
				total++
				v, _ := judge(s, base+": "+m.name, m.node)
				counts[v.outcome]++
				if strings.HasPrefix(m.name, "rule: ") {
					rule := obj.GetKind() + " " + m.name
					fired[rule] = fired[rule] || v.outcome != bothAccept || hasWarning(m.node)
				}
				if strings.HasPrefix(v.outcome, "DISAGREE") || strings.HasPrefix(v.outcome, "rule ") || strings.HasPrefix(v.outcome, "cannot") {
					bad = append(bad, v)
				}
			}
		}
	}
	for _, k := range kurator.Kinds {
		if !kinds[k.Kind] {
			t.Errorf("the corpus has no %s", k.Kind)
		}
	}
	var lines []string
	for o, n := range counts {
		lines = append(lines, fmt.Sprintf("  %5d  %s", n, o))
	}
	sort.Strings(lines)
	t.Logf("differential corpus: %d mutations of %d kinds\n%s", total, len(kinds), strings.Join(lines, "\n"))
	if total < 500 {
		t.Errorf("only %d mutations: the corpus lost its objects", total)
	}
	if counts[bothReject] == 0 || counts[stricter] == 0 || counts[bothAccept] == 0 {
		t.Errorf("every outcome class should occur: %v", counts)
	}
	for rule, ok := range fired {
		if !ok {
			t.Errorf("%s: no object of the corpus was rejected or warned about", rule)
		}
	}
	for i, v := range bad {
		if i == 25 {
			t.Errorf("... and %d more", len(bad)-25)
			break
		}
		t.Errorf("%s: %s\n    ours: %v\n    API server: %v", v.outcome, v.name, v.ours, v.theirs)
	}
}

func readDocs(t *testing.T, file string) []*yaml.RNode {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	nodes, err := (&kio.ByteReader{Reader: f, OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return nodes
}

type mutant struct {
	name string
	node *yaml.RNode
}

// mutants derives invalid (and some valid) variants of obj, guided by its
// structural schema: an unknown field in every object, every present
// required field removed, every scalar given another type, null, an enum
// value outside the enum, a string breaking its pattern or length, a number
// outside its bounds; bad metadata; status blocks; and rule violations.
func mutants(obj *yaml.RNode, st *structuralschema.Structural) []mutant {
	var out []mutant
	add := func(name string, edit func(root *yaml.Node) bool) {
		c := obj.Copy()
		if edit(c.YNode()) {
			out = append(out, mutant{name, c})
		}
	}
	// Schema-guided mutations at every node, addressed by a path of
	// content indexes so that each mutant edits a fresh copy.
	var walk func(n *yaml.Node, s *structuralschema.Structural, path []int, pretty string)
	walk = func(n *yaml.Node, s *structuralschema.Structural, path []int, pretty string) {
		if s == nil {
			return
		}
		at := func(root *yaml.Node) *yaml.Node {
			for _, i := range path {
				root = root.Content[i]
			}
			return root
		}
		switch n.Kind {
		case yaml.MappingNode:
			if len(s.Properties) > 0 && pretty != "metadata" {
				add(pretty+": unknown field", func(r *yaml.Node) bool {
					m := at(r)
					m.Content = append(m.Content, scalar("bogusField", "!!str"), scalar("1", "!!int"))
					return true
				})
			}
			var required []string
			if s.ValueValidation != nil {
				required = s.ValueValidation.Required
			}
			for _, req := range required {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == req {
						i := i
						add(pretty+": without required "+req, func(r *yaml.Node) bool {
							m := at(r)
							m.Content = append(m.Content[:i:i], m.Content[i+2:]...)
							return true
						})
					}
				}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				var cs *structuralschema.Structural
				if p, ok := s.Properties[k]; ok {
					cs = &p
				} else if s.AdditionalProperties != nil {
					cs = s.AdditionalProperties.Structural
				}
				if pretty == "" && (k == "apiVersion" || k == "kind" || k == "metadata") {
					continue
				}
				walk(n.Content[i+1], cs, append(append([]int{}, path...), i+1), join(pretty, k))
			}
		case yaml.SequenceNode:
			if len(n.Content) > 0 {
				walk(n.Content[0], s.Items, append(append([]int{}, path...), 0), pretty+"[0]")
			}
		case yaml.ScalarNode:
			set := func(name, value, tag string) {
				add(pretty+": "+name, func(r *yaml.Node) bool {
					m := at(r)
					m.Value, m.Tag, m.Style = value, tag, 0
					if tag == "!!str" {
						m.Style = yaml.DoubleQuotedStyle
					}
					return true
				})
			}
			set("null", "null", "!!null")
			switch s.Type {
			case "string":
				set("an integer", "7", "!!int")
				set("a boolean", "true", "!!bool")
			case "integer":
				set("a string", "seven", "!!str")
				set("a fraction", "1.5", "!!float")
			case "boolean":
				set("a string", "yes please", "!!str")
			case "number":
				set("a string", "many", "!!str")
			case "":
				if s.XIntOrString {
					set("a boolean", "true", "!!bool")
				}
			}
			if s.ValueValidation != nil && len(s.ValueValidation.Enum) > 0 {
				set("outside the enum", "NotInTheEnum", "!!str")
			}
			if s.ValueValidation != nil {
				vv := s.ValueValidation
				if vv.Pattern != "" {
					set("breaking the pattern", "5 m", "!!str")
				}
				if vv.MaxLength != nil {
					set("too long", strings.Repeat("a", int(*vv.MaxLength)+1), "!!str")
				}
				if vv.Minimum != nil {
					set("below the minimum", strconv.FormatInt(int64(*vv.Minimum)-1, 10), "!!int")
				}
				if vv.Maximum != nil {
					set("above the maximum", strconv.FormatInt(int64(*vv.Maximum)+1, 10), "!!int")
				}
			}
		}
	}
	walk(obj.YNode(), st, nil, "")

	// Metadata, as the API server checks it.
	meta := func(name string, yamlText string) {
		add("metadata: "+name, func(r *yaml.Node) bool {
			m := yaml.NewRNode(r)
			patch, err := yaml.Parse(yamlText)
			if err != nil {
				panic(err)
			}
			md, err := m.Pipe(yaml.LookupCreate(yaml.MappingNode, "metadata"))
			if err != nil {
				return false
			}
			_ = patch.VisitFields(func(f *yaml.MapNode) error {
				return md.PipeE(yaml.SetField(f.Key.YNode().Value, f.Value))
			})
			return true
		})
	}
	meta("name with capitals and _", "name: Prod_1")
	meta("name too long", "name: "+strings.Repeat("a", 254))
	meta("name with dots", "name: prod.eu-1")
	meta("namespace with a dot", "namespace: team.a")
	meta("label key with a space", "labels: {'bad key': x}")
	meta("label key with two slashes", "labels: {'a/b/c': x}")
	meta("label key with an upper-case prefix", "labels: {'Example.com/team': x}")
	meta("label value with a slash", "labels: {team: 'a/b'}")
	meta("label value too long", "labels: {team: "+strings.Repeat("a", 64)+"}")
	meta("label value not a string", "labels: {replicas: 3}")
	meta("empty label value", "labels: {team: ''}")
	meta("annotation with an upper-case key", "annotations: {Example.com/Owner: x}")
	meta("annotation key with a space", "annotations: {'bad key': x}")
	meta("misspelt labels", "lables: {team: a}")
	meta("unknown metadata field", "owner: platform")
	meta("labels as a list", "labels: [a, b]")

	// Status, which controllers write.
	add("status: unknown field", func(r *yaml.Node) bool {
		return yaml.NewRNode(r).PipeE(yaml.SetField("status", yaml.MustParse("{bogusField: 1}"))) == nil
	})
	add("status: wrong type", func(r *yaml.Node) bool {
		return yaml.NewRNode(r).PipeE(yaml.SetField("status", yaml.MustParse("{phase: [1]}"))) == nil
	})
	out = append(out, ruleMutants(obj)...)
	return out
}

func scalar(v, tag string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v, Tag: tag} }

func join(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

// ruleMutants break the controller, webhook and value rules the CRDs do not
// express, where obj has the field.
func ruleMutants(obj *yaml.RNode) []mutant {
	type edit struct{ name, path, value string }
	edits := map[string][]edit{
		"Fleet": {
			{"cluster of an unknown kind", "spec.clusters.0.kind", "KindCluster"},
			{"cluster named Prod_1", "spec.clusters.0.name", "Prod_1"},
			{"partial chart override", "spec.plugin.metric.thanos.chart", "{repository: 'oci://example.com/charts'}"},
			{"metric without thanos", "spec.plugin.metric.thanos", "null"},
			{"unknown flagger provider", "spec.plugin.flagger.trafficRoutingProvider", "linkerd"},
			{"unknown backup provider", "spec.plugin.backup.storage.location.provider", "minio"},
			{"Helm resources not a quantity", "spec.plugin.metric.thanos.extraArgs.query.resources.requests.memory", "128MB"},
			{"Helm image repository with a tag", "spec.plugin.backup.extraArgs.image.repository", "velero/velero:v1.11.1"},
		},
		"Application": {
			{"fleet named Prod_1", "spec.syncPolicies.0.destination.fleet", "Prod_1"},
			{"policy named Prod_EU", "spec.syncPolicies.0.name", "Prod_EU"},
			{"two sources", "spec.source.helmRepository", "{url: 'https://charts.example.com', interval: 5m}"},
			{"policy without kustomization or helm", "spec.syncPolicies.0.kustomization", "null"},
			{"nginx without a host", "spec.syncPolicies.0.rollout.trafficRoutingProvider", "nginx"},
			{"image name with a tag", "spec.syncPolicies.0.kustomization.images.0.name", "ghcr.io/acme/podinfo:6.5.0"},
			{"bad image tag", "spec.syncPolicies.0.kustomization.images.0.newTag", "6.5.0 beta"},
			{"patch with a bad quantity", "spec.syncPolicies.0.kustomization.patches.0.patch",
				`'[{"op":"add","path":"/spec/template/spec/containers/0/resources","value":{"requests":{"cpu":"100 m"}}}]'`},
			{"service name starting with a digit", "spec.syncPolicies.0.rollout.serviceName", "9backend"},
			{"perTryTimeout without a unit", "spec.syncPolicies.0.rollout.rolloutPolicy.trafficRouting.retries.perTryTimeout", "'10'"},
			{"target namespace with a dot", "spec.syncPolicies.0.kustomization.targetNamespace", "web.app"},
			{"Helm values resources not a quantity", "spec.syncPolicies.0.helm.values.master.resources.limits.memory", "256 MB"},
		},
		"Pipeline": {
			{"first task not git-clone", "spec.tasks.0.name", "checkout"},
			{"unknown predefined task", "spec.tasks.1.predefinedTask.name", "go-vet"},
			{"custom task image upper-case", "spec.tasks.2.customTask.image", "Acme/Builder:1"},
			{"push target not a reference", "spec.tasks.3.predefinedTask.params.image", "ghcr.io/acme/app:v1:latest"},
		},
		"AttachedCluster": {
			{"kubeconfig Secret named Member_1", "spec.kubeconfig.name", "Member_1"},
			{"kubeconfig key with a slash", "spec.kubeconfig.key", "configs/member1"},
			{"no kubeconfig", "spec", "{}"},
		},
		"Cluster": {
			{"version without v", "spec.version", "1.28.3"},
			{"no credential", "spec.credential", "null"},
			{"bad VPC CIDR", "spec.network.vpc.cidrBlock", "10.0.0.0/33"},
			{"bad pod CIDR", "spec.network.podCIDRs.0", "192.168.0.0"},
			{"empty region on aws", "spec.region", "''"},
			{"name too long for a label", "metadata.name", strings.Repeat("a", 64)},
			{"duplicate additional resource", "spec.additionalResources.1", "{kind: ConfigMap, name: cluster-addons}"},
		},
		"Backup": {
			{"fleet named Prod_1", "spec.destination.fleet", "Prod_1"},
			{"six-field cron", "spec.schedule", "'0 0 2 * * *'"},
			{"cron descriptor", "spec.schedule", "'@daily'"},
			{"ttl in days", "spec.policy.ttl", "30d"},
			{"cluster of an unknown kind", "spec.destination.clusters.0.kind", "Member"},
		},
		"Restore": {
			{"backup named Nightly_1", "spec.backupName", "Nightly_1"},
			{"cluster without a name", "spec.destination.clusters.0.name", "''"},
		},
		"Migrate": {
			{"two source clusters", "spec.sourceCluster.clusters.1", "{name: member3, kind: AttachedCluster}"},
			{"target fleet with capitals", "spec.targetCluster.fleet", "QuickStart"},
		},
	}
	var out []mutant
	for _, e := range edits[obj.GetKind()] {
		c := obj.Copy()
		parts := strings.Split(e.path, ".")
		parent, err := c.Pipe(yaml.Lookup(parts[:len(parts)-1]...))
		if err != nil || parent == nil {
			continue
		}
		last := parts[len(parts)-1]
		v := yaml.MustParse(e.value)
		if idx, err := strconv.Atoi(last); err == nil && parent.YNode().Kind == yaml.SequenceNode {
			if idx < len(parent.YNode().Content) {
				parent.YNode().Content[idx] = v.YNode()
			} else {
				parent.YNode().Content = append(parent.YNode().Content, v.YNode())
			}
		} else if parent.YNode().Kind == yaml.MappingNode {
			if e.value == "null" {
				if parent.Field(last) == nil {
					continue
				}
				_, _ = parent.Pipe(yaml.Clear(last))
			} else {
				if err := parent.PipeE(yaml.SetField(last, v)); err != nil {
					continue
				}
			}
		} else {
			continue
		}
		out = append(out, mutant{"rule: " + e.name, c})
	}
	return out
}

// TestGeneratedOutputAgrees: every Kurator object the generator's golden
// cases and the examples render (the expected outputs checked in) is one
// the API server creates, and one scenario-fn accepts.
func TestGeneratedOutputAgrees(t *testing.T) {
	s, err := loadAPIServer(filepath.Join(repo, "kurator", "crds"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(repo, "generators", "testdata", "*", "expected.yaml"))
	more, _ := filepath.Glob(filepath.Join(repo, "examples", "*", "expected.yaml"))
	files = append(files, more...)
	n := 0
	for _, f := range files {
		nodes := readDocs(t, f)
		for _, obj := range nodes {
			// A golden case of a failed render lists its input, not output.
			if obj.GetKind() == "ResourceList" || !kurator.IsKurator(obj.GetApiVersion()) || obj.GetAnnotations()["scenario.kurator.dev/templates"] == "" {
				continue
			}
			n++
			v, known := judge(s, f+" "+obj.GetKind()+" "+obj.GetName(), obj)
			if !known || (v.outcome != bothAccept && v.outcome != placeholder) {
				t.Errorf("%s: %s\n    ours: %v\n    API server: %v", v.name, v.outcome, v.ours, v.theirs)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d generated Kurator objects found", n)
	}
	t.Logf("%d generated Kurator objects: scenario-fn accepts each, the API server creates each (after Flux substitution where they hold ${VAR})", n)
}
