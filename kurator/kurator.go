package kurator

import (
	"embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/schema"
	k8syaml "sigs.k8s.io/yaml"
)

// API versions of the Kurator kinds this project generates and validates.
const (
	FleetAPIVersion       = "fleet.kurator.dev/v1alpha1"
	ApplicationAPIVersion = "apps.kurator.dev/v1alpha1"
	PipelineAPIVersion    = "pipeline.kurator.dev/v1alpha1"
)

// SourceCommit is the kurator-dev/kurator commit the CRDs were copied from.
const SourceCommit = "b6339412dc3b0a408a99b14531ae233e9de9d652"

//go:embed crds/*.yaml crds/SOURCE.md
var crdFS embed.FS

type kindTable struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Lists      map[string]string `json:"lists"`
	References map[string]string `json:"references"`
}

// Reference is a field of one kind that names a resource of another kind.
type Reference struct {
	Path       string // kustomize path syntax, [] for every element
	TargetKind string
}

var (
	loadOnce   sync.Once
	loaded     *schema.Set
	references map[string][]Reference // by kind
	loadErr    error
)

func load() {
	loaded, loadErr = schema.Load(crdFS, "crds/*.kurator.dev_*.yaml")
	if loadErr != nil {
		return
	}
	data, err := crdFS.ReadFile("crds/merge-keys.yaml")
	if err != nil {
		loadErr = err
		return
	}
	var tables []kindTable
	if err := k8syaml.Unmarshal(data, &tables); err != nil {
		loadErr = fmt.Errorf("crds/merge-keys.yaml: %w", err)
		return
	}
	references = map[string][]Reference{}
	for _, t := range tables {
		typ := loaded.Lookup(t.APIVersion, t.Kind)
		if typ == nil {
			loadErr = fmt.Errorf("crds/merge-keys.yaml: no CRD for %s %s", t.APIVersion, t.Kind)
			return
		}
		for _, path := range sortedKeys(t.Lists) {
			if err := typ.SetListKey(path, t.Lists[path]); err != nil {
				loadErr = fmt.Errorf("crds/merge-keys.yaml: %w", err)
				return
			}
		}
		for _, path := range sortedKeys(t.References) {
			references[t.Kind] = append(references[t.Kind], Reference{Path: path, TargetKind: t.References[path]})
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Schemas returns the compiled Kurator CRD schemas, merge keys attached.
// The tables are embedded, so a failure is a build defect: it panics.
func Schemas() *schema.Set {
	loadOnce.Do(load)
	if loadErr != nil {
		panic(fmt.Sprintf("kurator: embedded CRDs are broken: %v", loadErr))
	}
	return loaded
}

// Lookup returns the schema of a Kurator kind, or nil for other kinds.
func Lookup(apiVersion, kind string) *schema.Type {
	return Schemas().Lookup(apiVersion, kind)
}

// IsKurator reports whether apiVersion belongs to a Kurator API group.
func IsKurator(apiVersion string) bool {
	group, _, _ := strings.Cut(apiVersion, "/")
	return strings.HasSuffix(group, ".kurator.dev") && group != "scenario.kurator.dev"
}

// References returns the fields of kind that name other resources.
func References(kind string) []Reference {
	Schemas()
	return references[kind]
}

// CRD returns the embedded CRD file for a Kurator kind, for tools that want
// to show or install it.
func CRD(file string) ([]byte, error) {
	return crdFS.ReadFile("crds/" + file)
}
