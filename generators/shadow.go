package generators

import (
	"fmt"
	"strings"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/api/types"
	kyamlutils "sigs.k8s.io/kustomize/kyaml/utils"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// shadowedField is a field a layer's resources set although a parameter
// that an earlier template declared writes it: parameter values apply after
// every layer's resources, so the layer's value never reaches the output.
// Platform teams meet this when a child template "overrides" a field of its
// parent that the parent parameterised; the fix is to refine the
// parameter's default in the child.
type shadowedField struct {
	param    string
	selector *types.TargetSelector
	declared *Template // the template that declared the target
	layer    *Template // the later layer that sets the field
	resource int       // index in layer.Resources
	path     string    // the target's fieldPath
	node     *yaml.RNode
}

// findShadowed returns the fields of layers[from:] resources that a
// parameter target declared by an earlier layer writes. Targets that write
// part of a string (options.delimiter) are left out: the layer's value
// survives there, rewritten.
func findShadowed(layers []*Template, from int, params []*Param) []shadowedField {
	index := make(map[*Template]int, len(layers))
	for i, t := range layers {
		index[t] = i
	}
	var out []shadowedField
	for _, p := range params {
		for i := range p.Targets {
			t := &p.Targets[i]
			sel := t.Selector
			d, ok := index[t.Template]
			if !ok || sel == nil || sel.Options != nil && sel.Options.Delimiter != "" {
				continue
			}
			for li := max(d+1, from); li < len(layers); li++ {
				l := layers[li]
				for ri, doc := range l.Resources {
					if doc.YNode().Kind != yaml.MappingNode || !selects(sel, doc) {
						continue
					}
					for _, fp := range sel.FieldPaths {
						m, err := doc.Pipe(&yaml.PathMatcher{Path: kyamlutils.SmarterPathSplitter(fp, ".")})
						if err != nil || m == nil {
							continue
						}
						els, _ := m.Elements()
						for _, e := range els {
							if e.YNode().ShortTag() == yaml.NodeTagNull {
								continue // a deletion, not a value
							}
							out = append(out, shadowedField{param: p.Name, selector: sel, declared: t.Template,
								layer: l, resource: ri, path: fp, node: e})
						}
					}
				}
			}
		}
	}
	return out
}

// warnShadowed warns about every shadowed field whose parameter has a
// value that differs from the field's: the layer's value is lost.
func (r *render) warnShadowed(shadowed []shadowedField, params []*Param) {
	byName := make(map[string]*Param, len(params))
	for _, p := range params {
		byName[p.Name] = p
	}
	for _, s := range shadowed {
		p := byName[s.param]
		if p == nil || p.Value == nil || sameValue(p.Value, s.node) {
			continue
		}
		from := p.ValueFrom
		if from == "" {
			from = "its value"
		}
		r.problems.Warnf(krm.IDOf(s.layer.Node), fmt.Sprintf("spec.resources.%d.%s", s.resource, s.path), s.layer.at(s.node),
			fmt.Sprintf("set the value as the parameter's default in %s (spec.parameters: [{name: %s, default: ...}]) and remove the field", s.layer.Name, s.param),
			"%s sets %s, but parameter %q (declared by template %s) writes this field after every template's resources, so the %s wins and this value is lost",
			layerName(s.layer, r.inst, "resources"), s.path, s.param, s.declared.Name, from)
	}
}

func sameValue(a, b *yaml.RNode) bool {
	x, y := a.YNode(), b.YNode()
	if x.Kind == yaml.ScalarNode && y.Kind == yaml.ScalarNode {
		return x.Value == y.Value
	}
	as, err1 := a.String()
	bs, err2 := b.String()
	return err1 == nil && err2 == nil && strings.TrimSpace(as) == strings.TrimSpace(bs)
}
