package v1alpha1

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The CRDs are the schema; these types must declare exactly their fields.
var crds = []struct {
	file string
	kind string
	typ  reflect.Type
}{
	{"../../generators/crd/scenario.kurator.dev_scenariotemplates.yaml", ScenarioTemplateKind, reflect.TypeFor[ScenarioTemplate]()},
	{"../../transformers/crd/scenario.kurator.dev_imageregistrytransformers.yaml", ImageRegistryTransformerKind, reflect.TypeFor[ImageRegistryTransformer]()},
}

var metaType = reflect.TypeFor[yaml.ObjectMeta]()

// TestTypesMatchCRDs walks each CRD's schema and the Go type side by side:
// every property (recursively, through array items, down to free-form
// fields) has a struct field of the same json and yaml name, and every
// struct field a property; free-form schemas (x-kubernetes-preserve-
// unknown-fields) are Raw and nothing else is; scalar types agree. It fails
// when either side gains, loses or renames a field.
func TestTypesMatchCRDs(t *testing.T) {
	for _, c := range crds {
		t.Run(c.kind, func(t *testing.T) {
			data, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			var crd struct {
				Spec struct {
					Group    string
					Names    struct{ Kind string }
					Versions []struct {
						Name   string
						Schema struct {
							OpenAPIV3Schema map[string]any `yaml:"openAPIV3Schema"`
						}
					}
				}
			}
			if err := yaml.Unmarshal(data, &crd); err != nil {
				t.Fatal(err)
			}
			if crd.Spec.Group != Group || crd.Spec.Names.Kind != c.kind {
				t.Fatalf("%s is %s %s, want %s %s", c.file, crd.Spec.Group, crd.Spec.Names.Kind, Group, c.kind)
			}
			var schema map[string]any
			for _, v := range crd.Spec.Versions {
				if v.Name == Version {
					schema = v.Schema.OpenAPIV3Schema
				}
			}
			if schema == nil {
				t.Fatalf("%s has no version %s", c.file, Version)
			}
			var problems []string
			visited = map[string]bool{}
			compare(schema, c.typ, c.kind, &problems)
			for _, p := range problems {
				t.Error(p)
			}
			for _, deep := range deepest[c.kind] {
				if !visited[deep] {
					t.Errorf("the comparison did not reach %s", deep)
				}
			}
		})
	}
}

// TestCompareFindsDifferences: the comparison fails on each kind of
// difference it is meant to catch.
func TestCompareFindsDifferences(t *testing.T) {
	type inner struct {
		// A is a field.
		A string `json:"a" yaml:"a"`
	}
	type withRaw struct {
		// V is free-form.
		V Raw `json:"v" yaml:"v"`
	}
	type misnamed struct {
		// A is misnamed in json.
		A string `json:"b" yaml:"a"`
	}
	obj := func(props map[string]any) map[string]any {
		return map[string]any{"type": "object", "properties": props}
	}
	str := map[string]any{"type": "string"}
	cases := []struct {
		name   string
		schema map[string]any
		typ    reflect.Type
		want   string
	}{
		{"property without field", obj(map[string]any{"a": str, "b": str}), reflect.TypeFor[inner](), "x.b: the CRD declares it, the Go type inner does not"},
		{"field without property", obj(map[string]any{}), reflect.TypeFor[inner](), "x.a: the Go type inner declares it, the CRD does not"},
		{"scalar type", obj(map[string]any{"a": map[string]any{"type": "boolean"}}), reflect.TypeFor[inner](), "x.a: the CRD says boolean"},
		{"free-form not Raw", obj(map[string]any{"a": map[string]any{"x-kubernetes-preserve-unknown-fields": true}}), reflect.TypeFor[inner](), "x.a: free-form"},
		{"Raw not free-form", obj(map[string]any{"v": str}), reflect.TypeFor[withRaw](), "x.v: Raw"},
		{"json and yaml names differ", obj(map[string]any{"a": str}), reflect.TypeFor[misnamed](), "json name"},
		{"array items", obj(map[string]any{"a": map[string]any{"type": "array", "items": str}}), reflect.TypeFor[inner](), "x.a: the CRD says array"},
	}
	for _, c := range cases {
		var problems []string
		compare(c.schema, c.typ, "x", &problems)
		if !strings.Contains(strings.Join(problems, "\n"), c.want) {
			t.Errorf("%s: got %q, want a problem containing %q", c.name, problems, c.want)
		}
	}
	var problems []string
	compare(obj(map[string]any{"a": str}), reflect.TypeFor[inner](), "x", &problems)
	if len(problems) > 0 {
		t.Errorf("matching schema and type: %q", problems)
	}
}

// visited records the paths compare reached; deepest are some it must.
var (
	visited = map[string]bool{}
	deepest = map[string][]string{
		ScenarioTemplateKind: {
			"ScenarioTemplate.metadata",
			"ScenarioTemplate.spec.values",
			"ScenarioTemplate.spec.parameters[].forEach.fields[].targets[].options.create",
			"ScenarioTemplate.spec.parameters[].forEach.references[].select.labelSelector",
			"ScenarioTemplate.spec.parameters[].targets[].reject[].annotationSelector",
			"ScenarioTemplate.spec.environments[].overlays[]",
			"ScenarioTemplate.spec.output.path",
		},
		ImageRegistryTransformerKind: {
			"ImageRegistryTransformer.spec.rules[].copyFrom",
			"ImageRegistryTransformer.spec.mirrorList.localConfig",
			"ImageRegistryTransformer.spec.fieldSpecs[].create",
		},
	}
)

// compare checks the Go type typ against the schema s at path.
func compare(s map[string]any, typ reflect.Type, path string, problems *[]string) {
	visited[path] = true
	report := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if s["x-kubernetes-preserve-unknown-fields"] == true {
		if typ != rawType {
			report("free-form in the CRD (x-kubernetes-preserve-unknown-fields), but %s in Go: use Raw", typ)
		}
		return
	}
	if typ == rawType {
		report("Raw in Go, but the CRD gives it a schema (%v)", s["type"])
		return
	}
	switch want := s["type"]; want {
	case "string", "boolean", "integer":
		kinds := map[string][]reflect.Kind{
			"string":  {reflect.String},
			"boolean": {reflect.Bool},
			"integer": {reflect.Int, reflect.Int32, reflect.Int64},
		}[want.(string)]
		for _, k := range kinds {
			if typ.Kind() == k {
				return
			}
		}
		report("the CRD says %s, Go says %s", want, typ)
	case "array":
		if typ.Kind() != reflect.Slice {
			report("the CRD says array, Go says %s", typ)
			return
		}
		items, _ := s["items"].(map[string]any)
		compare(items, typ.Elem(), path+"[]", problems)
	case "object":
		props, ok := s["properties"].(map[string]any)
		if !ok {
			// An object without properties and not free-form: the CRD
			// leaves it to Kubernetes, which only ObjectMeta is.
			if typ != metaType {
				report("the CRD says object with no properties (metadata), Go says %s", typ)
			}
			return
		}
		if typ.Kind() != reflect.Struct {
			report("the CRD says object with properties, Go says %s", typ)
			return
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			jname, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != jname {
				report("field %s has yaml name %q and json name %q", f.Name, name, jname)
			}
			if name == "" || name == "-" {
				report("field %s has no yaml name", f.Name)
				continue
			}
			fields[name] = f.Type
		}
		for _, name := range sortedKeys(props) {
			ft, ok := fields[name]
			if !ok {
				*problems = append(*problems, path+"."+name+": the CRD declares it, the Go type "+typ.Name()+" does not")
				continue
			}
			sub, _ := props[name].(map[string]any)
			compare(sub, ft, path+"."+name, problems)
		}
		for _, name := range sortedKeys(fields) {
			if _, ok := props[name]; !ok {
				*problems = append(*problems, path+"."+name+": the Go type "+typ.Name()+" declares it, the CRD does not")
			}
		}
	default:
		report("the CRD gives no type (%v)", want)
	}
}

// TestEveryFieldDocumented: every exported type and struct field of the
// package has a doc comment (the API reference is its godoc).
func TestEveryFieldDocumented(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				ts := spec.(*ast.TypeSpec)
				if ts.Name.IsExported() && ts.Doc == nil && g.Doc == nil {
					t.Errorf("%s: type %s has no doc comment", fset.Position(ts.Pos()), ts.Name)
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fl := range st.Fields.List {
					for _, n := range fl.Names {
						checked++
						if n.IsExported() && fl.Doc == nil {
							t.Errorf("%s: field %s.%s has no doc comment", fset.Position(n.Pos()), ts.Name, n)
						}
					}
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("checked %d fields: the types were not found", checked)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
