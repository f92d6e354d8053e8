package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	k8syaml "sigs.k8s.io/yaml"
)

// apiServer is the create path of the Kubernetes API server for custom
// resources, assembled from k8s.io/apiextensions-apiserver's own code in the
// order its CRD handler runs it for `kubectl apply` (server-side field
// validation Strict, kubectl's default):
//
//  1. decode: ObjectMeta is decoded strictly (unknown metadata fields are
//     errors), unknown fields are pruned and reported, non-nullable nulls
//     without a default are dropped, embedded ObjectMeta is coerced;
//  2. structural defaulting;
//  3. the registry strategy: PrepareForCreate (drops status), then Validate
//     (ObjectMeta rules, the OpenAPI schema, list types, CEL rules).
//
// Admission webhooks and controllers are not part of it: those are the
// rules scenario-fn adds (kurator.Rules).
type apiServer struct {
	kinds map[schema.GroupVersionKind]*crdVersion
}

type crdVersion struct {
	gvk        schema.GroupVersionKind
	structural *structuralschema.Structural
	create     func(u *unstructured.Unstructured) []string
}

// loadAPIServer reads every CRD of kurator/crds.
func loadAPIServer(dir string) (*apiServer, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.kurator.dev_*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no CRDs in %s: %v", dir, err)
	}
	s := &apiServer{kinds: map[schema.GroupVersionKind]*crdVersion{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := k8syaml.UnmarshalStrict(data, &crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, v := range crd.Spec.Versions {
			internal := &apiextensionsinternal.CustomResourceValidation{}
			if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(v.Schema, internal, nil); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			st, err := structuralschema.NewStructural(internal.OpenAPIV3Schema)
			if err != nil {
				return nil, fmt.Errorf("%s: not structural: %w", f, err)
			}
			st = st.DeepCopy()
			if err := structuraldefaulting.PruneDefaults(st); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			validator, _, err := apiservervalidation.NewSchemaValidator(internal.OpenAPIV3Schema)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			var status *apiextensionsinternal.CustomResourceSubresourceStatus
			var statusValidator apiservervalidation.SchemaValidator
			if v.Subresources != nil && v.Subresources.Status != nil {
				status = &apiextensionsinternal.CustomResourceSubresourceStatus{}
				if ss, ok := internal.OpenAPIV3Schema.Properties["status"]; ok {
					if statusValidator, _, err = apiservervalidation.NewSchemaValidator(&ss); err != nil {
						return nil, err
					}
				}
			}
			gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
			strategy := customresource.NewStrategy(nil, crd.Spec.Scope == apiextensionsv1.NamespaceScoped, gvk,
				validator, statusValidator, st, status, nil, v.SelectableFields)
			cv := &crdVersion{gvk: gvk, structural: st}
			cv.create = func(u *unstructured.Unstructured) []string {
				ctx := context.Background()
				strategy.PrepareForCreate(ctx, u)
				var out []string
				for _, e := range strategy.Validate(ctx, u) {
					out = append(out, e.Error())
				}
				return out
			}
			s.kinds[gvk] = cv
		}
	}
	return s, nil
}

// create runs a YAML document through the create path and returns the
// errors the API server would answer with (nil: created).
func (s *apiServer) create(doc []byte) (errs []string, known bool) {
	data, err := k8syaml.YAMLToJSONStrict(doc)
	if err != nil {
		return []string{"decode: " + err.Error()}, true
	}
	var obj map[string]interface{}
	if err := utiljson.Unmarshal(data, &obj); err != nil {
		return []string{"decode: " + err.Error()}, true
	}
	u := &unstructured.Unstructured{Object: obj}
	cv := s.kinds[u.GroupVersionKind()]
	if cv == nil {
		return nil, false
	}
	// 1. decode, as unstructuredSchemaCoercer.apply with returnUnknownFieldPaths.
	kind, apiVersion := u.GetKind(), u.GetAPIVersion()
	meta, foundMeta, unknownMeta, err := schemaobjectmeta.GetObjectMetaWithOptions(u.Object, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return []string{"decode metadata: " + err.Error()}, true
	}
	for _, p := range unknownMeta {
		errs = append(errs, fmt.Sprintf("unknown field %q", p))
	}
	for _, p := range structuralpruning.PruneWithOptions(u.Object, cv.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
		errs = append(errs, fmt.Sprintf("unknown field %q", p))
	}
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(u.Object, cv.structural)
	if ferr, paths := schemaobjectmeta.CoerceWithOptions(nil, u.Object, cv.structural, false, schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true}); ferr != nil {
		errs = append(errs, ferr.Error())
	} else {
		for _, p := range paths {
			errs = append(errs, fmt.Sprintf("unknown field %q", p))
		}
	}
	u.SetKind(kind)
	u.SetAPIVersion(apiVersion)
	if foundMeta {
		if err := schemaobjectmeta.SetObjectMeta(u.Object, meta); err != nil {
			return append(errs, "metadata: "+err.Error()), true
		}
	}
	// 2. defaulting.
	structuraldefaulting.Default(u.Object, cv.structural)
	// 3. strategy.
	errs = append(errs, cv.create(u)...)
	sort.Strings(errs)
	return errs, true
}

// refPaths pulls the field paths out of API server messages, in a form
// comparable with scenario-fn's (see normPath).
func refPaths(errs []string) []string {
	var out []string
	for _, e := range errs {
		p := e
		if i := strings.Index(e, "Go struct field ObjectMeta."); i >= 0 {
			p = "metadata." + strings.Fields(e[i+len("Go struct field ObjectMeta."):])[0]
		} else if i := strings.Index(e, "unknown field \""); i >= 0 {
			p = e[i+len("unknown field \""):]
			p = p[:strings.IndexByte(p, '"')]
		} else if i := strings.Index(e, ": "); i >= 0 {
			p = e[:i]
		}
		out = append(out, normPath(p))
	}
	return out
}

// normPath drops list selectors and indexes ([0], [name=x], .0) and map-key
// brackets, so that "spec.clusters[0].kind" and "spec.clusters.[name=a].kind"
// compare equal.
func normPath(p string) string {
	p = strings.TrimPrefix(p, ".")
	var parts []string
	for _, seg := range splitPath(p) {
		if seg == "" || strings.HasPrefix(seg, "[") && strings.Contains(seg, "=") || isIndex(seg) {
			continue
		}
		parts = append(parts, strings.Trim(seg, "[]"))
	}
	return strings.Join(parts, ".")
}

func splitPath(p string) []string {
	var out []string
	var cur strings.Builder
	depth := 0
	for _, r := range p {
		switch {
		case r == '[':
			if depth == 0 && cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			depth++
			cur.WriteRune(r)
		case r == ']':
			depth--
			cur.WriteRune(r)
			if depth == 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		case r == '.' && depth == 0:
			if cur.Len() > 0 {
				out = append(out, cur.String())
			}
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func isIndex(s string) bool {
	s = strings.Trim(s, "[]")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// related: one path is the other or contains it.
func related(a, b string) bool {
	return a == b || strings.HasPrefix(a, b+".") || strings.HasPrefix(b, a+".") || a == "" || b == ""
}
