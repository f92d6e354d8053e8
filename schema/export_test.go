package schema

import "sigs.k8s.io/kustomize/kyaml/yaml"

// PrefilterValid and SlowValidate expose both validation paths to tests.
func PrefilterValid(t *Type, obj *yaml.RNode) bool {
	t.Validate(obj) // compile once
	return t.fast.valid(obj.YNode())
}

func SlowValidate(t *Type, obj *yaml.RNode) []FieldError { return t.validateSlow(obj) }
