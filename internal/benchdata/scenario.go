package benchdata

import (
	"fmt"
	"sort"
	"strings"
)

// Package is a generator benchmark package: file contents by path
// relative to the package root, as `scenario-fn render DIR` reads it.
type Package map[string]string

// Paths returns the package's file paths in a fixed order.
func (p Package) Paths() []string {
	paths := make([]string, 0, len(p))
	for path := range p {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	return paths
}

// Shape says what the instances of a generator benchmark look like.
type Shape struct {
	// Instances is the number of ScenarioTemplate instances.
	Instances int
	// Depth is the number of package templates chained on top of the
	// built-in canary-service (itself web-service -> progressive-delivery
	// -> canary-service): 0 extends canary-service directly.
	Depth int
	// Resources is the number of extra resources (AttachedClusters: the
	// catalog's parameters select every Application and Pipeline, so
	// extra ones of those kinds would need the fields they write) the top
	// template contributes to every instance (0: only the catalog's
	// Application and Pipeline).
	Resources int
}

func (s Shape) String() string {
	return fmt.Sprintf("instances=%d,depth=%d,resources=%d", s.Instances, s.Depth, s.Resources)
}

// Scenario returns the package of shape s: templates/level-K.yaml for
// the chain and instances/svc-I.yaml, each instance with its own values
// and an overlay, annotated as a KRM function config so that render
// treats it as an instance.
func Scenario(s Shape) Package {
	p := Package{}
	parent := "canary-service"
	for k := 1; k <= s.Depth; k++ {
		name := fmt.Sprintf("level-%d", k)
		var res strings.Builder
		if k == s.Depth {
			for r := 0; r < s.Resources; r++ {
				fmt.Fprintf(&res, `  - apiVersion: cluster.kurator.dev/v1alpha1
    kind: AttachedCluster
    metadata:
      name: member-%[1]d
      labels: {env: prod, region: region-%[1]d}
    spec:
      kubeconfig: {name: member-%[1]d-kubeconfig, key: member-%[1]d.config}
`, r)
			}
		}
		p["templates/"+name+".yaml"] = fmt.Sprintf(`apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: %[1]s
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  description: Benchmark chain level %[2]d.
  extends: [%[3]s]
  values:
    maxWeight: %[4]d
  resources:
  - apiVersion: pipeline.kurator.dev/v1alpha1
    kind: Pipeline
    spec:
      tasks:
      - name: check-%[2]d
        customTask: {image: docker.io/library/golang:1.26, command: [sh, -c], args: ["go vet ./... # level %[2]d"]}
%[5]s`, name, k, parent, 20+k, res.String())
		parent = name
	}
	if s.Depth == 0 && s.Resources > 0 {
		panic("benchdata: Resources needs Depth >= 1 (the extra Pipelines live in the top template)")
	}
	for i := 0; i < s.Instances; i++ {
		p[fmt.Sprintf("instances/svc-%04d.yaml", i)] = Instance(i, parent)
	}
	return p
}

// Instance returns instance i extending template parent: values of its
// own and an overlay that adds a sync policy.
func Instance(i int, parent string) string {
	return fmt.Sprintf(`apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: svc-%[1]d
  namespace: team-%[2]d
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: scenario-fn
spec:
  extends: [%[4]s]
  values:
    image: ghcr.io/acme/svc-%[1]d
    tag: v1.%[1]d.0
    gitRepository: https://github.com/acme/svc-%[1]d
    fleet: fleet-%[2]d
    replicas: %[3]d
    hosts: [svc-%[1]d.example.com]
  overlays:
  - apiVersion: apps.kurator.dev/v1alpha1
    kind: Application
    spec:
      syncPolicies:
      - name: production
        kustomization: {path: ./deploy/prod, interval: 5m0s, prune: true}
`, i, i%10, 1+i%5, parent)
}

// InstanceResourceList is the ResourceList a runner sends for one
// instance of canary-service in generator mode: the instance is the
// functionConfig and there are no items.
func InstanceResourceList() []byte {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n")
	for _, l := range strings.Split(strings.TrimSuffix(Instance(0, "canary-service"), "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return []byte(b.String())
}
