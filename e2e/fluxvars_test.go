package e2e

import (
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/generators"
)

// TestFluxVariableRulesAgreeWithFlux checks the generator's verdict on
// ${...} expressions (reported before Flux sees them) against Flux's own
// post-build substitution in strict mode, with every plain name defined.
func TestFluxVariableRulesAgreeWithFlux(t *testing.T) {
	exprs := []string{
		"${A}", "${CLUSTER_NAME}", "${_x1}", "${A:=default}", "${A:-default}", "${A:=}",
		`${quote:="}${A}${quote:="}`, "${A:=a-b.c}", "$${A}", "$$", "plain $A and $(cmd)",
		"${A.B}", "${A-B}", "${NOT_SET-foo}", "${1A}", "${", "${A", "x ${A} ${B.C}", "${}", "${A B}",
	}
	for _, e := range exprs {
		t.Run(e, func(t *testing.T) {
			ours := ""
			for _, x := range generators.FluxExpressions(e) {
				if x.Err != "" {
					ours = x.Err
				}
			}
			doc := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: flux-system}\ndata:\n  v: '" + strings.ReplaceAll(e, "'", "''") + "'\n"
			_, fluxErr := substitute(t, doc, credentials) // defines CLUSTER_NAME, REGION, ... plus the Secret's keys
			if ours == "" && fluxErr != nil && !strings.Contains(fluxErr.Error(), "variable not set") {
				t.Errorf("we accept %q but Flux rejects it: %v", e, fluxErr)
			}
			if ours != "" && fluxErr == nil {
				t.Errorf("we reject %q (%s) but Flux accepts it", e, ours)
			}
		})
	}
}
