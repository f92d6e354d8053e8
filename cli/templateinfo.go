package cli

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// templateInfo is what the CLI shows of a template: `templates list/show
// -o json|yaml`, `templates graph` and `templates docs` read the same.
type templateInfo struct {
	Name        string            `json:"name"`
	Source      string            `json:"source"`
	BuiltIn     bool              `json:"builtIn"`
	Abstract    bool              `json:"abstract,omitempty"`
	Description string            `json:"description,omitempty"`
	Extends     []string          `json:"extends,omitempty"`
	Chain       []string          `json:"chain"`
	Parameters  []paramInfo       `json:"parameters"`
	Resources   []json.RawMessage `json:"resources,omitempty"`

	template *generators.Template
	resolved *generators.Resolved
}

type paramInfo struct {
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	Enum        []json.RawMessage `json:"enum,omitempty"`
	Default     json.RawMessage   `json:"default,omitempty"`
	DefaultFrom string            `json:"defaultFrom,omitempty"`
	Required    bool              `json:"required"`
	Description string            `json:"description,omitempty"`
	Template    string            `json:"declaredBy,omitempty"`
	// SetBy names the template whose spec.values (or refined default) set
	// Default, when it is not the declaring one.
	SetBy string `json:"setBy,omitempty"`
	// Elements are the fields of each element of a forEach parameter
	// (name first).
	Elements []paramInfo `json:"elements,omitempty"`
}

// catalogTemplates lists the built-in templates not shadowed by a local
// one, then the local templates, each by name.
func catalogTemplates(r *generators.Resolver) []*generators.Template {
	var out []*generators.Template
	for _, name := range generators.CatalogNames() {
		if _, shadowed := r.Package[name]; !shadowed {
			out = append(out, generators.Catalog()[name])
		}
	}
	var local []string
	for name := range r.Package {
		local = append(local, name)
	}
	sort.Strings(local)
	for _, name := range local {
		out = append(out, r.Package[name])
	}
	return out
}

func isBuiltIn(t *generators.Template) bool {
	return generators.Catalog()[t.Name] == t
}

// describeTemplate resolves t; the problems are those of its chain (the
// info then has no chain and no parameters).
func describeTemplate(r *generators.Resolver, t *generators.Template, dir string, withResources bool) (templateInfo, krm.Problems) {
	info := templateInfo{
		Name: t.Name, Source: displayPath(t.Source, dir), BuiltIn: isBuiltIn(t), Abstract: isAbstract(t),
		Description: t.Description, Extends: t.Extends, Chain: []string{}, Parameters: []paramInfo{}, template: t,
	}
	res, problems := r.Resolve(t)
	if problems.HasErrors() {
		return info, problems
	}
	info.resolved = res
	for _, c := range res.Chain {
		info.Chain = append(info.Chain, c.Ref)
	}
	info.Chain = append(info.Chain, t.Name)
	for _, p := range res.Params {
		pi := paramInfo{Name: p.Name, Type: p.Type, DefaultFrom: p.DefaultFrom, Required: isRequired(p),
			Description: p.Description, Template: p.Template}
		for _, e := range p.Enum {
			pi.Enum = append(pi.Enum, rawJSON(e))
		}
		if v := inherited(p); v != nil {
			pi.Default = rawJSON(v)
		}
		switch {
		case p.Preset != nil:
			pi.SetBy = p.PresetFrom
		case p.Default != nil && p.DefaultBy != p.Template:
			pi.SetBy = "default in template " + p.DefaultBy
		}
		if fe := p.ForEach; fe != nil {
			pi.Elements = append(pi.Elements, paramInfo{Name: "name", Type: "string", Required: true,
				Description: fmt.Sprintf("Name of the element (DNS-1123 label, unique); its %s is <instance>-<name>.", fe.Kind)})
			for _, f := range fe.Fields {
				e := paramInfo{Name: f.Name, Type: f.Type, DefaultFrom: f.DefaultFrom, Description: f.Description, Template: f.Template,
					Required: f.Required && f.Default == nil && f.DefaultFrom == ""}
				if f.Default != nil {
					e.Default = rawJSON(f.Default)
				}
				pi.Elements = append(pi.Elements, e)
			}
		}
		info.Parameters = append(info.Parameters, pi)
	}
	if withResources {
		for _, n := range res.Resources {
			info.Resources = append(info.Resources, rawJSON(withNamePlaceholders(n)))
		}
	}
	return info, problems
}

// rawJSON is n as JSON (null when it cannot be represented).
func rawJSON(n *yaml.RNode) json.RawMessage {
	var v any
	if err := n.YNode().Decode(&v); err != nil {
		return json.RawMessage("null")
	}
	data, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return data
}
