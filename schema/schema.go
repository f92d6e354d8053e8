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

// Set holds compiled types by GVK, and CRD files registered with AddLazy
// that are compiled the first time one of their types is looked up.
type Set struct {
	types map[GVK]*Type
	lazy  map[GVK]*lazyFile
}

// lazyFile is one CRD file compiled on first use.
type lazyFile struct {
	fsys  fs.FS
	file  string
	setup func(*Type) error
	once  sync.Once
	types map[GVK]*Type
	err   error
}

func (l *lazyFile) load() {
	l.once.Do(func() {
		set := &Set{types: map[GVK]*Type{}}
		data, err := fs.ReadFile(l.fsys, l.file)
		if err == nil {
			err = set.add(path.Base(l.file), data)
		}
		for _, t := range set.types {
			if err == nil && l.setup != nil {
				err = l.setup(t)
			}
		}
		l.types, l.err = set.types, err
		if err != nil {
			l.err = fmt.Errorf("%s: %w", l.file, err)
		}
	})
}

// AddLazy registers the CRD file that defines gvks: it is read and compiled
// only when Lookup first asks for one of them, so that a run which never
// meets these kinds does not pay for them, and setup (if not nil) is called
// on each type it defines (to attach merge keys). It must be called before
// the set is used concurrently. Lookup panics when the file does not
// define what it was registered for or setup fails: the files are
// embedded, so that is a build defect (a test compiles every registered
// file).
func (s *Set) AddLazy(fsys fs.FS, file string, setup func(*Type) error, gvks ...GVK) {
	if s.lazy == nil {
		s.lazy = map[GVK]*lazyFile{}
	}
	l := &lazyFile{fsys: fsys, file: file, setup: setup}
	for _, g := range gvks {
		s.lazy[g] = l
	}
}

// Lookup returns the type for apiVersion/kind, or nil.
func (s *Set) Lookup(apiVersion, kind string) *Type {
	if s == nil {
		return nil
	}
	gvk := ParseGVK(apiVersion, kind)
	if t := s.types[gvk]; t != nil {
		return t
	}
	l := s.lazy[gvk]
	if l == nil {
		return nil
	}
	l.load()
	t := l.types[gvk]
	if l.err != nil || t == nil {
		panic(fmt.Sprintf("schema: %s registered for %s %s: %v (types found: %d)", l.file, apiVersion, kind, l.err, len(l.types)))
	}
	return t
}

// Types lists every type in a stable order, compiling lazy ones.
func (s *Set) Types() []*Type {
	out := make([]*Type, 0, len(s.types)+len(s.lazy))
	for _, t := range s.types {
		out = append(out, t)
	}
	for gvk := range s.lazy {
		out = append(out, s.Lookup(gvk.APIVersion(), gvk.Kind))
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
	var err error
	if strings.HasSuffix(source, ".json") {
		err = json.Unmarshal(data, &c) // a compact CRD: no YAML parse
	} else {
		err = k8syaml.Unmarshal(data, &c)
	}
	if err != nil {
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
		dropDefaultedRequired(&root)
		gvk := GVK{Group: c.Spec.Group, Version: v.Name, Kind: c.Spec.Names.Kind}
		s.types[gvk] = &Type{GVK: gvk, Source: source, Schema: &root, keys: map[string]string{}}
	}
	return nil
}

// closeObjects forbids unknown fields on every object that lists its
// properties and does not preserve unknown fields, which is what
// `kubectl apply --validate=strict` enforces for a structural CRD.
func closeObjects(s *spec.Schema) { closeObjectsIn(s, false) }

// closeObjectsIn: keep says that s is an element of a list that preserves
// unknown fields. The API server's pruning skips such elements (and the
// elements of lists nested in them), though it prunes their properties.
func closeObjectsIn(s *spec.Schema, keep bool) {
	if s == nil {
		return
	}
	if len(s.Properties) > 0 && s.AdditionalProperties == nil && !preservesUnknown(s) && !keep {
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: false}
	}
	for k := range s.Properties {
		p := s.Properties[k]
		closeObjectsIn(&p, false)
		s.Properties[k] = p
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		closeObjectsIn(s.AdditionalProperties.Schema, false)
	}
	if s.Items != nil {
		keepItems := keep || (preservesUnknown(s) && s.Type.Contains("array"))
		closeObjectsIn(s.Items.Schema, keepItems)
		for i := range s.Items.Schemas {
			closeObjectsIn(&s.Items.Schemas[i], keepItems)
		}
	}
	for i := range s.AllOf {
		closeObjectsIn(&s.AllOf[i], false)
	}
	for i := range s.AnyOf {
		closeObjectsIn(&s.AnyOf[i], false)
	}
	for i := range s.OneOf {
		closeObjectsIn(&s.OneOf[i], false)
	}
}

// dropDefaultedRequired removes from every required list the fields that
// have a default: the API server defaults them before it validates, so an
// object that omits them is valid (AttachedCluster's kubeconfig.key).
func dropDefaultedRequired(s *spec.Schema) {
	if s == nil {
		return
	}
	if len(s.Required) > 0 {
		var keep []string
		for _, r := range s.Required {
			if p, ok := s.Properties[r]; ok && p.Default != nil {
				continue
			}
			keep = append(keep, r)
		}
		s.Required = keep
	}
	for k := range s.Properties {
		p := s.Properties[k]
		dropDefaultedRequired(&p)
		s.Properties[k] = p
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		dropDefaultedRequired(s.AdditionalProperties.Schema)
	}
	if s.Items != nil {
		dropDefaultedRequired(s.Items.Schema)
		for i := range s.Items.Schemas {
			dropDefaultedRequired(&s.Items.Schemas[i])
		}
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

// pruneNulls deletes the null fields the API server removes before it
// validates: those whose schema is neither nullable nor defaulted (a field
// written "key:" with no value is then simply absent). Fields with a
// default are deleted too: the server fills the default in.
func pruneNulls(x interface{}, s *spec.Schema) {
	switch x := x.(type) {
	case map[string]interface{}:
		for k, v := range x {
			var fs *spec.Schema
			if s != nil {
				if p, ok := s.Properties[k]; ok {
					fs = &p
				} else if s.AdditionalProperties != nil {
					fs = s.AdditionalProperties.Schema
				}
			}
			if v == nil && fs != nil && !fs.Nullable {
				delete(x, k)
				continue
			}
			pruneNulls(v, fs)
		}
	case []interface{}:
		var is *spec.Schema
		if s != nil && s.Items != nil {
			is = s.Items.Schema
		}
		for _, v := range x {
			pruneNulls(v, is)
		}
	}
}

// Code classifies a schema violation, so that callers choose a hint by
// what went wrong rather than by the wording of the message.
type Code string

const (
	UnknownField Code = "unknown field"  // Field names it; the CRD does not define it
	Required     Code = "required"       // Field names the missing field
	WrongType    Code = "type"           // Expected is the type the schema wants
	Enum         Code = "enum"           // Allowed lists the values
	Pattern      Code = "pattern"        // Pattern is the schema's (ECMA) pattern
	TooLong      Code = "too long"       // Limit is the maximum length
	TooShort     Code = "too short"      // Limit is the minimum length
	Maximum      Code = "maximum"        // Limit is the maximum
	Minimum      Code = "minimum"        // Limit is the minimum
	TooManyItems Code = "too many items" // Limit is the maximum count
	TooFewItems  Code = "too few items"  // Limit is the minimum count
	Duplicates   Code = "duplicates"     // a set-like list repeats an element
	AliasLimit   Code = "alias"          // the document refers to itself or expands too far
	Other        Code = "other"          // anything else kube-openapi reports
)

// FieldError is one schema violation: what kube-openapi found, kept as
// fields (the code, the value, what was allowed) beside the message.
type FieldError struct {
	Path    string // kustomize field path syntax
	Message string // kube-openapi's message without the field name
	Code    Code
	// Field is the unknown or the missing field's name.
	Field string
	// Value is the offending value as validated (string, int64, float64,
	// bool, map or list), for enum, pattern, length and bound errors.
	Value interface{}
	// Expected is the type the schema wants (type errors).
	Expected string
	// Allowed are the enum's values.
	Allowed []interface{}
	// Pattern is the pattern the value does not match.
	Pattern string
	// Limit is the bound a length, count or number is outside of;
	// Exclusive says that a number may not equal it.
	Limit     string
	Exclusive bool
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
		return []FieldError{{Path: path, Message: err.Error(), Code: AliasLimit}}
	}
	data, placeholders := toJSONValue(obj.YNode(), "", nil)
	pruneNulls(data, t.Schema)
	res := t.validator.Validate(data)
	if res == nil || !res.HasErrors() {
		return nil
	}
	var out []FieldError
	seen := map[string]bool{}
	for _, err := range res.Errors {
		fe := convertError(obj, t.Schema, err)
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
