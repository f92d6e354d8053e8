// Package crdcompact turns a CustomResourceDefinition into the compact
// JSON the function embeds: what schema.Set compiles (group, kind,
// versions' OpenAPI v3 schemas) and nothing else.
package crdcompact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

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
