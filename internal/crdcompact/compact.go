// Package crdcompact turns a CustomResourceDefinition into the compact
// JSON the function embeds: what schema.Set compiles (group, kind,
// versions' OpenAPI v3 schemas) and nothing else.
package crdcompact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing/fstest"

	"github.com/kurator-scenario/scenario-fn/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
	k8syaml "sigs.k8s.io/yaml"
)

// Name is the compact file's name for CRD file name.
func Name(crdFile string) string {
	return strings.TrimSuffix(crdFile, ".yaml") + ".json"
}

// Compact returns the compact JSON form of the CRD in data: spec.group,
// spec.names.kind and, per version, name and schema.openAPIV3Schema with
// every schema's description removed (properties named "description" stay:
// only the keyword is dropped).
func Compact(data []byte) ([]byte, error) {
	var c struct {
		Spec struct {
			Group string `json:"group"`
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := k8syaml.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	if c.Spec.Names.Kind == "" || len(c.Spec.Versions) == 0 {
		return nil, fmt.Errorf("not a CustomResourceDefinition with versions")
	}
	for _, v := range c.Spec.Versions {
		if v.Schema.OpenAPIV3Schema == nil {
			return nil, fmt.Errorf("version %s has no openAPIV3Schema", v.Name)
		}
		stripDescriptions(v.Schema.OpenAPIV3Schema)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// stripDescriptions removes the description keyword from schema s and
// every schema nested in it.
func stripDescriptions(s map[string]any) {
	delete(s, "description")
	for _, k := range []string{"properties", "patternProperties", "definitions"} {
		if m, ok := s[k].(map[string]any); ok {
			for _, sub := range m {
				if sm, ok := sub.(map[string]any); ok {
					stripDescriptions(sm)
				}
			}
		}
	}
	for _, k := range []string{"items", "additionalProperties", "additionalItems", "not"} {
		switch v := s[k].(type) {
		case map[string]any:
			stripDescriptions(v)
		case []any:
			stripAll(v)
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if l, ok := s[k].([]any); ok {
			stripAll(l)
		}
	}
}

func stripAll(l []any) {
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			stripDescriptions(m)
		}
	}
}

// Verify checks that compact, a file the function embeds, is the compact
// form of the CRD in crd (the bytes Compact writes: the file is current),
// and that it compiles to the CRD's own schema with only the descriptions
// gone, compared on the compiled schemas (a walk independent of Compact's
// walk of the JSON). name is the compact file's name, for messages.
func Verify(crd, compact []byte, name string) error {
	want, err := Compact(crd)
	if err != nil {
		return err
	}
	if !bytes.Equal(compact, want) {
		return fmt.Errorf("%s is not the compact form of its CRD (run go generate)", name)
	}
	if len(compact) >= len(crd)/2 {
		return fmt.Errorf("%s: compact form is %d bytes for a %d-byte CRD: descriptions were not dropped", name, len(compact), len(crd))
	}
	full, err := schema.Load(fstest.MapFS{"crd.yaml": {Data: crd}}, "crd.yaml")
	if err != nil {
		return err
	}
	small, err := schema.Load(fstest.MapFS{name: {Data: compact}}, name)
	if err != nil {
		return err
	}
	fs, cs := full.Types(), small.Types()
	if len(fs) == 0 || len(fs) != len(cs) {
		return fmt.Errorf("%s: %d types compiled from the CRD, %d from the compact form", name, len(fs), len(cs))
	}
	for i := range fs {
		if fs[i].GVK != cs[i].GVK {
			return fmt.Errorf("%s: type %v compiled from the CRD, %v from the compact form", name, fs[i].GVK, cs[i].GVK)
		}
		stripped, err := withoutDescriptions(fs[i].Schema)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(stripped, cs[i].Schema) {
			a, _ := json.Marshal(stripped)
			b, _ := json.Marshal(cs[i].Schema)
			return fmt.Errorf("%s: %v: the compact schema differs from the CRD's beyond descriptions (%d vs %d bytes of JSON)", name, fs[i].GVK, len(a), len(b))
		}
	}
	return nil
}

// VerifyEmbedded runs Verify on every CRD file in directory dir that
// matches glob, against the compact file of the same name in compactDir of
// embedded (the package's embedded files); it fails when dir has none.
func VerifyEmbedded(dir, glob string, embedded fs.FS, compactDir string) error {
	files, err := filepath.Glob(filepath.Join(dir, glob))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no CRD matches %s in %s", glob, dir)
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		name := path.Join(compactDir, Name(filepath.Base(f)))
		compact, err := fs.ReadFile(embedded, name)
		if err == nil {
			err = Verify(data, compact, name)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// withoutDescriptions returns a copy of s with every Description cleared.
func withoutDescriptions(s *spec.Schema) (*spec.Schema, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var c spec.Schema
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	var clear func(*spec.Schema)
	clear = func(s *spec.Schema) {
		if s == nil {
			return
		}
		s.Description = ""
		for _, m := range []map[string]spec.Schema{s.Properties, s.PatternProperties} {
			for k, p := range m {
				clear(&p)
				m[k] = p
			}
		}
		if s.Items != nil {
			clear(s.Items.Schema)
			for i := range s.Items.Schemas {
				clear(&s.Items.Schemas[i])
			}
		}
		if s.AdditionalProperties != nil {
			clear(s.AdditionalProperties.Schema)
		}
		for _, l := range [][]spec.Schema{s.AllOf, s.AnyOf, s.OneOf} {
			for i := range l {
				clear(&l[i])
			}
		}
		clear(s.Not)
	}
	clear(&c)
	return &c, nil
}
