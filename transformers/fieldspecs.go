package transformers

import (
	"strings"

	"sigs.k8s.io/kustomize/api/filters/fieldspec"
	"sigs.k8s.io/kustomize/kyaml/utils"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkFieldSpecPath validates a kustomize fieldSpec path and returns it
// without the "[]" list hints. kustomize's fieldspec.Filter visits every
// list element with or without the hint; the hint only matters when the
// filter creates fields, and then it also turns a null field on the path
// into an empty list. Dropping it keeps the filter strictly read-only,
// which the two-phase contract needs (no input node changes before every
// item was planned without error).
func checkFieldSpecPath(path string) (string, string) {
	if strings.TrimSpace(path) == "" {
		return "", "empty path"
	}
	parts := utils.PathSplitter(path, "/")
	for i, part := range parts {
		name := strings.TrimSuffix(part, "[]")
		switch {
		case name == "":
			return "", "path " + path + " has an empty element"
		case strings.HasPrefix(name, "[") || strings.ContainsAny(name, "[]="):
			return "", "path " + path + ": element " + part + " selects list elements, which fieldSpecs do not support (every element is visited)"
		}
		parts[i] = name
	}
	return strings.Join(parts, "/"), ""
}

// fieldSpecs rewrites the image references at the user's fieldSpecs,
// located with kustomize's own fieldspec.Filter (GVK matching and path
// semantics as in kustomize). The filter only reads: SetValue records the
// node, the edit is planned like any other.
func (p *planner) fieldSpecs(it *item) {
	for _, fs := range p.cfg.fieldSpecs {
		f := fieldspec.Filter{FieldSpec: fs, SetValue: func(n *yaml.RNode) error {
			node := n.YNode()
			switch node.Kind {
			case yaml.ScalarNode:
				p.imageScalar(it, node, "image")
			case yaml.SequenceNode:
				for _, c := range node.Content {
					p.imageScalar(it, c, "image")
				}
			}
			return nil
		}}
		if _, err := f.Filter(it.rn); err != nil {
			p.warn(occurrence{it: it, path: strings.ReplaceAll(fs.Path, "/", ".")},
				"fix the fieldSpec path, or restrict it with group/version/kind to the resources where it exists",
				"fieldSpec %s does not fit this resource: %v", fs.Path, err)
		}
	}
}
