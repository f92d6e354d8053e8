package cli

import (
	"github.com/kurator-scenario/scenario-fn/internal/credentials"
	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// explainedResource is one generated resource in `explain -o json|yaml`.
type explainedResource struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Namespace  string          `json:"namespace,omitempty"`
	Name       string          `json:"name"`
	Instance   string          `json:"instance"`
	File       string          `json:"file"`
	Templates  []string        `json:"templates"`
	Fields     []explainedLeaf `json:"fields"`
	Removed    []string        `json:"removed,omitempty"`
}

// explainedLeaf is a leaf field: its path (kustomize syntax), its value as
// YAML writes it (credentials masked), and the layer that set it.
type explainedLeaf struct {
	Path   string `json:"path"`
	Value  string `json:"value"`
	Origin string `json:"origin"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
}

// explainData is what the text output shows, as data.
func explainData(results []explained) []explainedResource {
	out := []explainedResource{}
	for _, e := range results {
		for _, n := range e.result.Resources {
			chain := e.chainOf(n)
			m, _ := n.GetMeta()
			id := krm.ResourceString(krm.IDOf(n))
			r := explainedResource{APIVersion: m.APIVersion, Kind: m.Kind, Namespace: m.Namespace, Name: m.Name,
				Instance: instanceID(e.inst.Node), File: e.file, Templates: chain, Fields: []explainedLeaf{}}
			origins := e.origins(id)
			secret := credentials.Nodes(n)
			fieldpath.Walk{Empty: true}.Leaves(n.YNode(), "", func(l *yaml.Node, p string) {
				leaf := explainedLeaf{Path: p, Value: leafValue(secret, l), Origin: originText(origins, p)}
				if o, ok := origins[p]; ok {
					leaf.Origin, leaf.File, leaf.Line = o.Layer, o.Source.File, o.Source.Line
				}
				r.Fields = append(r.Fields, leaf)
			})
			r.Removed = removedFields(e, n, id, "")
			out = append(out, r)
		}
	}
	return out
}
