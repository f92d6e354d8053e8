package generators

import (
	kyamlutils "sigs.k8s.io/kustomize/kyaml/utils"
)

// pathParts splits a field path in kustomize syntax
// (spec.syncPolicies.[name=prod].kustomization, stringData.[objstore.yml]).
func pathParts(p string) []string {
	if p == "" {
		return nil
	}
	return kyamlutils.SmarterPathSplitter(p, ".")
}
