package yamlnode

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestMapValue(t *testing.T) {
	n := yaml.MustParse("a: 1\nb: {c: 2}\nl: [x]\n").YNode()
	if v := MapValue(n, "a"); v == nil || v.Value != "1" {
		t.Errorf("a: %v", v)
	}
	if v := MapValue(MapValue(n, "b"), "c"); v == nil || v.Value != "2" {
		t.Errorf("b.c: %v", v)
	}
	for _, c := range []struct {
		n   *yaml.Node
		key string
	}{{n, "missing"}, {nil, "a"}, {MapValue(n, "l"), "x"}, {MapValue(n, "a"), "a"}} {
		if v := MapValue(c.n, c.key); v != nil {
			t.Errorf("MapValue(%v, %q) = %v, want nil", c.n, c.key, v)
		}
	}
}
