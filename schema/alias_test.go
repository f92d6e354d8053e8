package schema_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The JSON conversion before kube-openapi follows aliases: an object that
// contains itself must be an error, not a conversion that never ends.
func TestValidateAliasCycle(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nmetadata: {name: a, namespace: b}\nspec: &a {clusters: [*a]}\n",
		"apiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nmetadata: {name: a, namespace: b}\nspec: &a\n  clusters: []\n  plugin: {<<: *a}\n",
	} {
		n, err := yaml.Parse(doc)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		errs := kurator.Lookup(n.GetApiVersion(), n.GetKind()).Validate(n)
		if time.Since(start) > 5*time.Second {
			t.Errorf("took %v", time.Since(start))
		}
		if len(errs) != 1 || !strings.Contains(errs[0].Message, "points into its own anchor &a") || !strings.HasPrefix(errs[0].Path, "spec.") {
			t.Errorf("%s: %+v", doc, errs)
		}
	}
}
