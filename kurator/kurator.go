package kurator

import (
	"embed"
	"fmt"
	"slices"
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
	ClusterAPIVersion     = "cluster.kurator.dev/v1alpha1"
	BackupAPIVersion      = "backup.kurator.dev/v1alpha1"
)

// Kind is one Kurator kind with an embedded CRD.
type Kind struct {
	APIVersion, Kind string
	// File is the CRD under crds/. The function compiles its compact form,
	// crds/compact/<name>.json (go generate).
	File string
}

// Kinds are every Kurator kind whose CRD is embedded, in the order error
// messages list them. TestKindsMatchCRDs checks the table against crds/.
// Each CRD is compiled the first time an object of its kind is merged or
// validated: a one-instance render compiles only the kinds it emits.
var Kinds = []Kind{
	{FleetAPIVersion, "Fleet", "fleet.kurator.dev_fleets.yaml"},
	{ApplicationAPIVersion, "Application", "apps.kurator.dev_applications.yaml"},
	{PipelineAPIVersion, "Pipeline", "pipeline.kurator.dev_pipelines.yaml"},
	{ClusterAPIVersion, "AttachedCluster", "cluster.kurator.dev_attachedclusters.yaml"},
	{ClusterAPIVersion, "Cluster", "cluster.kurator.dev_clusters.yaml"},
	{BackupAPIVersion, "Backup", "backup.kurator.dev_backups.yaml"},
	{BackupAPIVersion, "Restore", "backup.kurator.dev_restores.yaml"},
	{BackupAPIVersion, "Migrate", "backup.kurator.dev_migrates.yaml"},
}

// SourceCommit is the kurator-dev/kurator commit the CRDs were copied from.
const SourceCommit = "b6339412dc3b0a408a99b14531ae233e9de9d652"

//go:generate go run ../internal/compactcrd crds crds/compact *.kurator.dev_*.yaml

// crdFS holds the merge-key table and the compact CRDs (schemas without
// descriptions, as JSON: TestCompactCRDs checks them against crds/).
//
//go:embed crds/merge-keys.yaml crds/compact/*.json
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
	lists := map[schema.GVK]map[string]string{}
	references = map[string][]Reference{}
	for _, t := range tables {
		gvk := schema.ParseGVK(t.APIVersion, t.Kind)
		if !slices.ContainsFunc(Kinds, func(k Kind) bool { return schema.ParseGVK(k.APIVersion, k.Kind) == gvk }) {
			loadErr = fmt.Errorf("crds/merge-keys.yaml: no CRD for %s %s", t.APIVersion, t.Kind)
			return
		}
		lists[gvk] = t.Lists
		for _, path := range sortedKeys(t.References) {
			references[t.Kind] = append(references[t.Kind], Reference{Path: path, TargetKind: t.References[path]})
		}
	}
	// Merge keys are attached when a kind is compiled.
	setup := func(typ *schema.Type) error {
		for _, path := range sortedKeys(lists[typ.GVK]) {
			if err := typ.SetListKey(path, lists[typ.GVK][path]); err != nil {
				return fmt.Errorf("crds/merge-keys.yaml: %w", err)
			}
		}
		return nil
	}
	loaded, loadErr = schema.Load(crdFS)
	if loadErr != nil {
		return
	}
	for _, k := range Kinds {
		loaded.AddLazy(crdFS, "crds/compact/"+compactName(k.File), setup, schema.ParseGVK(k.APIVersion, k.Kind))
	}
}

// compactName is the compact file of CRD file f (crdcompact.Name; the
// function does not link the package that writes them).
func compactName(f string) string { return strings.TrimSuffix(f, ".yaml") + ".json" }

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

// KnownKind returns the table entry of a Kurator kind in any version, or nil.
func KnownKind(kind string) *Kind {
	for i := range Kinds {
		if Kinds[i].Kind == kind {
			return &Kinds[i]
		}
	}
	return nil
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
