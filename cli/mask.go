package cli

import (
	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/internal/credentials"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// docsMasker knows the credentials of docs (Secret values, values under
// credential keys, values that look like credentials) and, for instances,
// the values of parameters that end up in a Secret or a credential field.
func docsMasker(docs ...[]document) *credentials.Masker {
	m := &credentials.Masker{}
	var items []*yaml.RNode
	for _, ds := range docs {
		for _, d := range ds {
			m.AddNode(d.Node)
			items = append(items, d.Node)
		}
	}
	for _, n := range items {
		if meta, err := n.GetMeta(); err == nil && meta.Kind == generators.Kind {
			for _, v := range (generators.Generator{}).Sensitive(nil, &krm.ResourceList{FunctionConfig: n, Items: items}) {
				m.Add(v)
			}
		}
	}
	return m
}
