package kurator

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// LinkFinding is a problem between objects validated together: Finding
// names a field of Objects[Index].
type LinkFinding struct {
	Index int
	Finding
}

// CheckLinks checks what spans objects that are validated together (one
// `scenario-fn validate` run): a Backup, Restore or Migrate whose Fleet is
// among them needs the Fleet's backup (Velero) plugin, without which the
// backup controllers have nothing to talk to on the clusters (API.md §6).
// A Fleet that is not among the objects is not judged, and neither is one
// defined more than once with a backup plugin in any of its definitions
// (directories of examples hold alternatives). It is a warning: the Fleet
// that is applied may be another one.
func CheckLinks(objects []*yaml.RNode) []LinkFinding {
	fleets := map[string]*yaml.RNode{}
	withBackup := map[string]bool{}
	for _, o := range objects {
		if o.GetApiVersion() == FleetAPIVersion && o.GetKind() == "Fleet" {
			key := namespaceOf(o) + "/" + o.GetName()
			fleets[key] = o
			withBackup[key] = withBackup[key] || get(o, "spec", "plugin", "backup") != nil
		}
	}
	var out []LinkFinding
	out = append(out, clusterLinks(objects)...)
	for i, o := range objects {
		if o.GetApiVersion() != BackupAPIVersion {
			continue
		}
		var paths []string
		switch o.GetKind() {
		case "Backup", "Restore":
			paths = []string{"spec.destination.fleet"}
		case "Migrate":
			paths = []string{"spec.sourceCluster.fleet", "spec.targetCluster.fleet"}
		}
		for _, p := range paths {
			each(o, p, func(n *yaml.RNode, path string) {
				key := namespaceOf(o) + "/" + n.YNode().Value
				f := fleets[key]
				if f == nil || withBackup[key] {
					return
				}
				out = append(out, LinkFinding{Index: i, Finding: Finding{Severity: Warning, Path: path, Rule: "backup",
					Message: fmt.Sprintf("Fleet %s has no backup plugin: the %s controller needs Velero, which the Fleet's spec.plugin.backup installs on its clusters", f.GetName(), o.GetKind()),
					Hint:    "add spec.plugin.backup (storage with a bucket, provider, endpoint and secretName) to Fleet " + f.GetName()}})
			})
		}
	}
	return out
}

// clusterLinks: a Fleet's cluster that is not among the objects, when
// clusters of that kind in the Fleet's namespace are (a misspelt name
// leaves the Fleet waiting for a cluster that never comes).
func clusterLinks(objects []*yaml.RNode) []LinkFinding {
	clusters := map[string]map[string]bool{} // namespace/kind -> names
	for _, o := range objects {
		if o.GetApiVersion() == ClusterAPIVersion && (o.GetKind() == "Cluster" || o.GetKind() == "AttachedCluster") {
			key := namespaceOf(o) + "/" + o.GetKind()
			if clusters[key] == nil {
				clusters[key] = map[string]bool{}
			}
			clusters[key][o.GetName()] = true
		}
	}
	var out []LinkFinding
	for i, o := range objects {
		if o.GetApiVersion() != FleetAPIVersion || o.GetKind() != "Fleet" {
			continue
		}
		each(o, "spec.clusters.[]", func(c *yaml.RNode, path string) {
			kind := str(c, "kind")
			if kind == "" {
				kind = "Cluster"
			}
			name := str(c, "name")
			known := clusters[namespaceOf(o)+"/"+kind]
			if name == "" || isPlaceholder(name) || known == nil || known[name] {
				return
			}
			var names []string
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
			out = append(out, LinkFinding{Index: i, Finding: Finding{Severity: Warning, Path: path + ".name", Rule: "fleet",
				Message: fmt.Sprintf("no %s %q in namespace %s among these files (there are %s): the Fleet waits for it", kind, name, namespaceOf(o), strings.Join(names, ", ")),
				Hint:    "check the name, or the Fleet's namespace: clusters are looked up in it"}})
		})
	}
	return out
}

func namespaceOf(o *yaml.RNode) string { return krm.NamespaceOrDefault(o.GetNamespace()) }
