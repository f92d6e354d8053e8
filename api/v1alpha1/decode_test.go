package v1alpha1

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestDecodeKeepsFreeFormNodes(t *testing.T) {
	doc := yaml.MustParse(`apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  namespace: shop
spec:
  extends: [web-service]
  parameters:
  - name: replicas
    type: integer
    default: 2 # two
  values:
    image: ghcr.io/acme/orders
  resources:
  - kind: Application
`)
	st, err := DecodeScenarioTemplate(doc.YNode())
	if err != nil {
		t.Fatal(err)
	}
	if st.Metadata.Name != "orders" || st.Metadata.Namespace != "shop" || st.Kind != ScenarioTemplateKind || st.APIVersion != GroupVersion {
		t.Errorf("metadata: %+v %s %s", st.Metadata, st.APIVersion, st.Kind)
	}
	want, _ := doc.Pipe(yaml.Lookup("spec", "resources", "0"))
	if len(st.Spec.Resources) != 1 || st.Spec.Resources[0].Node != want.YNode() {
		t.Errorf("resources[0] is not the document's own node")
	}
	def := st.Spec.Parameters[0].Default
	if def.Node == nil || def.Line != 11 || def.LineComment != "# two" {
		t.Errorf("default lost its position or comment: %+v", def.Node)
	}
	if st.Spec.Values.Kind != yaml.MappingNode || st.Spec.Values.Line != 13 {
		t.Errorf("values: %+v", st.Spec.Values.Node)
	}
	if st.Spec.Output != nil || st.Spec.Overlays != nil {
		t.Errorf("absent fields decoded: %+v %+v", st.Spec.Output, st.Spec.Overlays)
	}
}

// A document the CRD rejects decodes as far as it fits: the masking of
// credentials reads parameters of invalid templates too.
func TestDecodePartial(t *testing.T) {
	doc := yaml.MustParse(`kind: ScenarioTemplate
metadata: {name: t}
spec:
  parameters:
  - name: password
    required: maybe
    targets: [{select: {kind: Secret}, fieldPaths: [stringData.password]}]
`)
	st, err := DecodeScenarioTemplate(doc.YNode())
	if err == nil || !strings.Contains(err.Error(), "line 6") {
		t.Errorf("want an error at line 6, got %v", err)
	}
	if len(st.Spec.Parameters) != 1 || st.Spec.Parameters[0].Name != "password" || st.Spec.Parameters[0].Targets[0].Select.Kind != "Secret" {
		t.Errorf("the parameter's good fields were lost: %+v", st.Spec.Parameters)
	}
	if _, err := DecodeScenarioTemplate(yaml.NewListRNode().YNode()); err == nil {
		t.Error("a list decoded")
	}
}

func TestRawMarshalsAsItsNode(t *testing.T) {
	p := Parameter{Name: "tag", Default: Raw{yaml.NewStringRNode("v1").YNode()}}
	out, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != "name: tag\ndefault: v1\n" {
		t.Errorf("got %q", got)
	}
}

// Metadata kyaml reads leniently is no decode error.
func TestDecodeLenientMetadata(t *testing.T) {
	doc := yaml.MustParse(`apiVersion: scenario.kurator.dev/v1alpha1
kind: ScenarioTemplate
metadata:
  name: orders
  annotations: {note: {a: b}, team: shop}
spec:
  extends: [web-service]
`)
	st, err := DecodeScenarioTemplate(doc.YNode())
	if err != nil {
		t.Fatal(err)
	}
	if st.Metadata.Name != "orders" || st.Metadata.Annotations["team"] != "shop" || st.Spec.Extends[0] != "web-service" {
		t.Errorf("got %+v", st)
	}
}

// A key given twice is read as kyaml reads it (the first), in the decoded
// fields; Raw nodes stay the document's own.
func TestDecodeDuplicateKeys(t *testing.T) {
	doc := yaml.MustParse(`kind: ScenarioTemplate
metadata: {name: t}
spec:
  description: first
  description: second
  parameters:
  - {name: a, type: string, type: integer}
  - {name: b}
  resources:
  - {kind: Application, kind: Fleet}
`)
	st, err := DecodeScenarioTemplate(doc.YNode())
	if err != nil {
		t.Fatal(err)
	}
	if st.Spec.Description != "first" || st.Spec.Parameters[0].Type != "string" || st.Spec.Parameters[1].Name != "b" {
		t.Errorf("got %+v", st.Spec)
	}
	want, _ := doc.Pipe(yaml.Lookup("spec", "resources", "0"))
	if st.Spec.Resources[0].Node != want.YNode() {
		t.Error("a resource was copied")
	}
	if s := doc.MustString(); !strings.Contains(s, "second") || !strings.Contains(s, "type: integer") {
		t.Errorf("the document changed:\n%s", s)
	}
	// Other errors stay errors.
	if _, err := DecodeScenarioTemplate(yaml.MustParse("spec: {description: a, description: b, required: [x], extends: {a: b}}").YNode()); err == nil {
		t.Error("no error for extends: {a: b}")
	}
}

// Null and aliased entries of free-form lists are kept (yaml.v3 would drop
// a null it cannot set into a Raw).
func TestDecodeRawsKeepsNullAndAliases(t *testing.T) {
	doc := yaml.MustParse(`spec:
  parameters:
  - name: mode
    enum: [a, null, ~, &b b, *b]
  resources: null
`)
	st, err := DecodeScenarioTemplate(doc.YNode())
	if err != nil {
		t.Fatal(err)
	}
	enum := st.Spec.Parameters[0].Enum
	var got []string
	for _, e := range enum {
		got = append(got, e.ShortTag()+":"+e.Value)
	}
	if strings.Join(got, " ") != "!!str:a !!null:null !!null:~ !!str:b !!str:b" {
		t.Errorf("enum = %v", got)
	}
	if enum[3].Node != enum[4].Node {
		t.Error("the alias is not the node it names")
	}
	if st.Spec.Resources != nil {
		t.Errorf("resources: null decoded as %v", st.Spec.Resources)
	}
	if _, err := DecodeScenarioTemplate(yaml.MustParse("spec: {resources: {kind: A}}").YNode()); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a map for a list: %v", err)
	}
}
