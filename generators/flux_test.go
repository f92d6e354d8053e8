package generators

import (
	"fmt"
	"strings"
	"testing"
)

// What the generator reports of ${...} text: the variables read (required
// when they have no default) and each expression Flux's parser rejects.
// e2e/fluxvars_test.go checks the same verdicts against Flux's substitution.
func TestFluxVariables(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"no variables, $A and $(cmd) and $$", ""},
		{"${A}", "A!"},
		{"prod-${REGION,,}-${REGION}", "REGION!"},
		{"${A:=x} ${B:-y} ${C=z}", "A B C"},
		{"${A:=${B}}", "A B!"},
		{"$${ESCAPED} ${A}", "A!"},
		{"${#A} ${B/x/y} ${C:0:2} ${D^^}", "A! B! C! D!"},
		{"region ${REGION-eu}, cluster ${CLUSTER", "error ${REGION-eu}: missing closing brace; error ${CLUSTER: missing closing brace"},
		{"ok ${A} bad ${B.C}", "error ${B.C}: missing closing brace"},
		{"${}", "error ${}: unable to parse variable name"},
		{"x ${" + strings.Repeat("y", 1<<16), "error ${" + strings.Repeat("y", 1<<16) + ": missing closing brace"},
	} {
		vars, errs := FluxVariables(tc.in)
		var got []string
		for _, v := range vars {
			got = append(got, v.Name+map[bool]string{true: "!"}[v.Required])
		}
		var gotErrs []string
		for _, e := range errs {
			gotErrs = append(gotErrs, fmt.Sprintf("error %s: %v", e.Expr, e.Err))
		}
		g := strings.Join(got, " ")
		if len(gotErrs) > 0 {
			g = strings.Join(gotErrs, "; ")
		}
		if g != tc.want {
			t.Errorf("FluxVariables(%.40q) = %.120q, want %.120q", tc.in, g, tc.want)
		}
	}
}
