package generators

import (
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestParseValue(t *testing.T) {
	param := func(typ string, enum ...string) *Param {
		p := &Param{Name: "p", Type: typ}
		for _, e := range enum {
			p.Enum = append(p.Enum, yaml.NewStringRNode(e))
		}
		return p
	}
	cases := []struct {
		typ, raw, want, err string
		enum                []string
	}{
		{typ: "string", raw: "ghcr.io/acme/orders", want: "ghcr.io/acme/orders"},
		{typ: "string", raw: "1.22", want: `"1.22"`},
		{typ: "string", raw: "true", want: `"true"`},
		{typ: "string", raw: `"quoted"`, want: "quoted"},
		{typ: "string", raw: "a: b", want: `'a: b'`},
		{typ: "string", raw: "", want: `""`},
		{typ: "string", raw: "[a]", err: `parameter "p" is a string, but "[a]" is an array (quote it)`},
		{typ: "integer", raw: "3", want: "3"},
		{typ: "integer", raw: "${REPLICAS}", want: "${REPLICAS}"},
		{typ: "integer", raw: `"${REPLICAS}"`, want: "${REPLICAS}"},
		{typ: "integer", raw: "three", err: `parameter "p" is an integer, but "three" is a string`},
		{typ: "integer", raw: "1.5", err: `is a number`},
		{typ: "integer", raw: "", err: `parameter "p" is an integer, but "" is a string`},
		{typ: "boolean", raw: "false", want: "false"},
		{typ: "boolean", raw: "yes", err: `parameter "p" is a boolean`},
		{typ: "array", raw: "[a, b]", want: "[a, b]"},
		{typ: "array", raw: "- a\n- b", want: "[a, b]"},
		{typ: "array", raw: "a", err: `parameter "p" is an array`},
		{typ: "array", raw: "~", err: `parameter "p" is an array, but "~" is null`},
		{typ: "object", raw: "{k: v, n: 1}", want: "{k: v, n: 1}"},
		{typ: "object", raw: "[k]", err: `parameter "p" is an object, but "[k]" is an array`},
		{typ: "string", raw: "kuma", enum: []string{"istio", "kuma"}, want: "kuma"},
		{typ: "string", raw: "${MESH}", enum: []string{"istio", "kuma"}, want: "${MESH}"},
		{typ: "string", raw: "linkerd", enum: []string{"istio", "kuma"}, err: `parameter "p" does not allow "linkerd" (use one of istio, kuma)`},
	}
	for _, c := range cases {
		t.Run(c.typ+"/"+c.raw, func(t *testing.T) {
			p := param(c.typ, c.enum...)
			v, err := ParseValue(p, c.raw)
			if c.err != "" {
				var verr *ValueError
				if !errors.As(err, &verr) || !strings.Contains(err.Error(), c.err) {
					t.Errorf("error %v does not contain %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := strings.TrimSpace(v.MustString()); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
			// The value is one the render accepts for the parameter.
			p.Value = v
			if msg, _ := checkValue(p); msg != "" {
				t.Errorf("the render refuses the typed value: %s", msg)
			}
		})
	}
}
