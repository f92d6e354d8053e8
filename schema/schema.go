package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/krm"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

const (
	extPreserveUnknown = "x-kubernetes-preserve-unknown-fields"
	extPatchStrategy   = "x-kubernetes-patch-strategy"
	extPatchMergeKey   = "x-kubernetes-patch-merge-key"
)

// GVK identifies a type.
type GVK struct{ Group, Version, Kind string }

// APIVersion returns group/version (or version for the core group).
func (g GVK) APIVersion() string {
	if g.Group == "" {
		return g.Version
	}
	return g.Group + "/" + g.Version
}

// ParseGVK splits an apiVersion and kind.
func ParseGVK(apiVersion, kind string) GVK {
	group, version, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return GVK{Version: apiVersion, Kind: kind}
	}
	return GVK{Group: group, Version: version, Kind: kind}
}

// Type is one compiled schema.
type Type struct {
	GVK GVK
	// Source is the file the schema was read from.
	Source string
	// Schema is the compiled root schema. It must not be changed after the
	// first call to Validate.
	Schema *spec.Schema

	once      sync.Once
	validator *validate.SchemaValidator
	fast      *prefilter
	keys      map[string]string // list path (kustomize syntax, [] for elements) -> merge key
}

// Set holds compiled types by GVK.
type Set struct {
	types map[GVK]*Type
}

// Lookup returns the type for apiVersion/kind, or nil.
func (s *Set) Lookup(apiVersion, kind string) *Type {
	if s == nil {
		return nil
	}
	return s.types[ParseGVK(apiVersion, kind)]
}

// Types lists the compiled types in a stable order.
func (s *Set) Types() []*Type {
	out := make([]*Type, 0, len(s.types))
	for _, t := range s.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].GVK, out[j].GVK
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return a.Kind < b.Kind
	})
	return out
}

type crd struct {
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// Load compiles every CRD found in fsys under the glob patterns.
func Load(fsys fs.FS, patterns ...string) (*Set, error) {
	set := &Set{types: map[GVK]*Type{}}
	for _, pattern := range patterns {
		files, err := fs.Glob(fsys, pattern)
		if err != nil {
			return nil, err
		}
		for _, file := range files {
			data, err := fs.ReadFile(fsys, file)
			if err != nil {
				return nil, err
			}
			if err := set.add(path.Base(file), data); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
		}
	}
	return set, nil
}

func (s *Set) add(source string, data []byte) error {
	var c crd
	if err := k8syaml.Unmarshal(data, &c); err != nil {
		return err
	}
	if c.Spec.Names.Kind == "" || len(c.Spec.Versions) == 0 {
		return fmt.Errorf("not a CustomResourceDefinition with versions")
	}
	for _, v := range c.Spec.Versions {
		var root spec.Schema
		if err := json.Unmarshal(v.Schema.OpenAPIV3Schema, &root); err != nil {
			return fmt.Errorf("version %s: %w", v.Name, err)
		}
		closeObjects(&root)
		gvk := GVK{Group: c.Spec.Group, Version: v.Name, Kind: c.Spec.Names.Kind}
		s.types[gvk] = &Type{GVK: gvk, Source: source, Schema: &root, keys: map[string]string{}}
	}
	return nil
}

// closeObjects forbids unknown fields on every object that lists its
// properties and does not preserve unknown fields, which is what
// `kubectl apply --validate=strict` enforces for a structural CRD.
func closeObjects(s *spec.Schema) {
	if s == nil {
		return
	}
	if len(s.Properties) > 0 && s.AdditionalProperties == nil && !preservesUnknown(s) {
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: false}
	}
	for k := range s.Properties {
		p := s.Properties[k]
		closeObjects(&p)
		s.Properties[k] = p
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		closeObjects(s.AdditionalProperties.Schema)
	}
	if s.Items != nil {
		closeObjects(s.Items.Schema)
		for i := range s.Items.Schemas {
			closeObjects(&s.Items.Schemas[i])
		}
	}
	for i := range s.AllOf {
		closeObjects(&s.AllOf[i])
	}
	for i := range s.AnyOf {
		closeObjects(&s.AnyOf[i])
	}
	for i := range s.OneOf {
		closeObjects(&s.OneOf[i])
	}
}

func preservesUnknown(s *spec.Schema) bool {
	v, ok := s.Extensions[extPreserveUnknown]
	b, isBool := v.(bool)
	return ok && isBool && b
}

// SetListKey declares that the list at listPath (kustomize syntax, with []
// for "every element", e.g. spec.syncPolicies.[].kustomization.images) merges
// by key. It must be called before the type is used concurrently.
func (t *Type) SetListKey(listPath, key string) error {
	root, err := setListKey(*t.Schema, splitSchemaPath(listPath), key)
	if err != nil {
		return fmt.Errorf("%s %s in %s: %w", t.GVK.Kind, listPath, t.Source, err)
	}
	*t.Schema = root
	t.keys[listPath] = key
	return nil
}

// setListKey returns s with the merge key set at parts. Properties hold
// schemas by value, so every level is written back on the way out.
func setListKey(s spec.Schema, parts []string, key string) (spec.Schema, error) {
	if len(parts) == 0 {
		if !s.Type.Contains("array") || s.Items == nil || s.Items.Schema == nil {
			return s, fmt.Errorf("not a list of objects")
		}
		if _, ok := s.Items.Schema.Properties[key]; !ok {
			return s, fmt.Errorf("list elements have no field %q", key)
		}
		ext := spec.Extensions{}
		for k, v := range s.Extensions {
			ext[k] = v
		}
		ext[extPatchStrategy] = "merge"
		ext[extPatchMergeKey] = key
		s.Extensions = ext
		return s, nil
	}
	part := parts[0]
	if part == "[]" {
		if s.Items == nil || s.Items.Schema == nil {
			return s, fmt.Errorf("not a list where the path says []")
		}
		child, err := setListKey(*s.Items.Schema, parts[1:], key)
		if err != nil {
			return s, err
		}
		s.Items = &spec.SchemaOrArray{Schema: &child}
		return s, nil
	}
	child, ok := s.Properties[part]
	if !ok {
		return s, fmt.Errorf("no field %q", part)
	}
	child, err := setListKey(child, parts[1:], key)
	if err != nil {
		return s, err
	}
	s.Properties[part] = child
	return s, nil
}

func splitSchemaPath(p string) []string {
	var out []string
	for _, part := range strings.Split(p, ".") {
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// ListKey returns the merge key of the list at listPath ([] for elements), or "".
func (t *Type) ListKey(listPath string) string {
	if t == nil {
		return ""
	}
	return t.keys[listPath]
}

// ListKeys returns every keyed list path of the type.
func (t *Type) ListKeys() map[string]string {
	if t == nil {
		return nil
	}
	return t.keys
}

// MergeSchema returns the schema for kyaml's merge walker.
func (t *Type) MergeSchema() *openapi.ResourceSchema {
	return &openapi.ResourceSchema{Schema: t.Schema}
}

// FieldError is one schema violation.
type FieldError struct {
	Path    string // kustomize field path syntax
	Message string
}

// Validate checks obj against the schema. Values that are Flux post-build
// placeholders (${VAR}) are not judged by type, pattern or enum: they are
// only known after substitution.
func (t *Type) Validate(obj *yaml.RNode) []FieldError {
	t.once.Do(func() {
		t.validator = validate.NewSchemaValidator(t.Schema, nil, "", strfmt.Default)
		t.fast = compilePrefilter(t.Schema)
	})
	if t.fast.valid(obj.YNode()) {
		return nil
	}
	return t.validateSlow(obj)
}

// validateSlow runs kube-openapi, the authority on every message.
func (t *Type) validateSlow(obj *yaml.RNode) []FieldError {
	// The conversion follows aliases: refuse a document that contains
	// itself or expands beyond the alias budget before converting it.
	if _, err := krm.NewAliases(krm.AliasBudget()).Measure(obj.YNode()); err != nil {
		var cycle *krm.AliasCycleError
		path := ""
		if errors.As(err, &cycle) {
			path = cycle.Path
		}
		return []FieldError{{Path: path, Message: err.Error()}}
	}
	data, placeholders := toJSONValue(obj.YNode(), "", nil)
	res := t.validator.Validate(data)
	if res == nil || !res.HasErrors() {
		return nil
	}
	var out []FieldError
	seen := map[string]bool{}
	for _, err := range res.Errors {
		fe := convertError(obj, err)
		if placeholders[fe.rawPath] {
			continue
		}
		key := fe.Path + "\x00" + fe.Message
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, fe.FieldError)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
