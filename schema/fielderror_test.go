package schema_test

import (
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/kurator-scenario/scenario-fn/schema"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestFieldErrorStructure: a schema violation keeps what kube-openapi and
// the schema know as fields (code, value, allowed values, pattern, bound,
// expected type), so that callers build hints from them, and the path names
// list elements by key, also below a field the object does not have.
func TestFieldErrorStructure(t *testing.T) {
	set, err := schema.Load(os.DirFS("../kurator/crds"), "*.kurator.dev_*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const app = "apiVersion: apps.kurator.dev/v1alpha1\nkind: Application\nmetadata: {name: a}\n"
	git := app + "spec:\n  source:\n    gitRepository:\n      url: https://example.com/r\n      %s\n  syncPolicies: [{name: prod, kustomization: {path: ./x, %s}}]\n"
	cases := []struct {
		name, doc string
		want      schema.FieldError
	}{
		{"unknown field", app + "spec: {sorce: {}}\n",
			schema.FieldError{Path: "spec.sorce", Message: "unknown field (not in the CRD schema)", Code: schema.UnknownField, Field: "sorce", Value: "sorce"}},
		{"required", app + "spec: {}\n",
			schema.FieldError{Path: "spec.source", Message: "required field is missing", Code: schema.Required, Field: "source"}},
		{"enum", sprintf(git, "gitImplementation: jgit", "prune: true"),
			schema.FieldError{Path: "spec.source.gitRepository.gitImplementation", Message: "should be one of [go-git libgit2]", Code: schema.Enum,
				Value: "jgit", Allowed: []interface{}{"go-git", "libgit2"}}},
		{"pattern", sprintf(git, "interval: 5 minutes", "prune: true"),
			schema.FieldError{Path: "spec.source.gitRepository.interval", Message: `should match '^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$'`, Code: schema.Pattern,
				Value: "5 minutes", Pattern: `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`}},
		{"type in a keyed element", sprintf(git, "interval: 5m", "prune: \"yes\""),
			schema.FieldError{Path: "spec.syncPolicies.[name=prod].kustomization.prune", Message: `must be of type boolean: "string"`, Code: schema.WrongType, Expected: "boolean"}},
		{"too long", sprintf(git, "interval: 5m", "targetNamespace: "+string(make63())+"x"),
			schema.FieldError{Path: "spec.syncPolicies.[name=prod].kustomization.targetNamespace", Message: "should be at most 63 chars long", Code: schema.TooLong,
				Value: string(make63()) + "x", Limit: "63"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := yaml.Parse(c.doc)
			if err != nil {
				t.Fatal(err)
			}
			// Other errors (required fields the case leaves out) are not
			// the point: find the one at the case's path.
			errs := set.Lookup(n.GetApiVersion(), n.GetKind()).Validate(n)
			for _, got := range errs {
				if got.Path == c.want.Path {
					if !reflect.DeepEqual(got, c.want) {
						t.Fatalf("got %#v\nwant %#v", got, c.want)
					}
					return
				}
			}
			t.Fatalf("no error at %s among %+v", c.want.Path, errs)
		})
	}
}

func make63() []byte {
	b := make([]byte, 63)
	for i := range b {
		b[i] = 'a'
	}
	return b
}

func sprintf(format string, args ...interface{}) string { return fmt.Sprintf(format, args...) }
