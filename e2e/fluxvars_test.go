package e2e

import (
	"strings"
	"testing"

	"github.com/kurator-scenario/scenario-fn/generators"
)

// TestFluxVariableRulesAgreeWithFlux checks the generator's verdicts on
// ${...} expressions (reported before Flux sees them) against Flux's own
// post-build substitution in strict mode, with CLUSTER_NAME and REGION
// defined (examples/flux) and A, B undefined:
//   - we reject an expression exactly when Flux fails on it for a reason
//     other than an unset variable;
//   - we call a variable required (no default) exactly when Flux, with it
//     unset, fails with "variable not set".
//
// The list enumerates the bash parameter expansions Flux supports.
func TestFluxVariableRulesAgreeWithFlux(t *testing.T) {
	exprs := []string{
		// plain, defaults and escapes
		"${CLUSTER_NAME}", "${_x1:=a}", "${A:=default}", "${A:-default}", "${A:=}", "${A=x}", "${A-x}", "${A:+x}", "${A+x}",
		"${A:?x}", "${A?x}", `${quote:="}${REGION}${quote:="}`, "${A:=a-b.c}", "${A:=${B:=x}}", "${A:=${B}}",
		"$${A}", "$$", "plain $A and $(cmd)", "${REGION}-${CLUSTER_NAME}",
		// case, length, substrings, pattern removal and replacement
		"${REGION,,}", "${REGION^^}", "${REGION,}", "${REGION^}", "${#REGION}", "${REGION:0:2}", "${REGION:3}",
		"${REGION#eu}", "${REGION##e*}", "${REGION%1}", "${REGION%%-*}", "${REGION/eu/us}", "${REGION//e/E}",
		"${REGION/#eu/us}", "${REGION/%1/2}", "prod-${REGION,,}", "${A,,}", "${#A}", "${A/x/y}", "${A:0:2}",
		// what Flux rejects
		"${A.B}", "${NOT_SET-foo}x${A.B}", "${1A}", "${", "${A", "x ${REGION} ${B.C}", "${}", "${A B}", "${REGION:x:y}",
	}
	for _, e := range exprs {
		t.Run(e, func(t *testing.T) {
			vars, errs := generators.FluxVariables(e)
			fluxErr := fluxSubstitute(t, e, nil)
			rejected := fluxErr != nil && !strings.Contains(fluxErr.Error(), "variable not set")
			if len(errs) == 0 && rejected {
				t.Errorf("we accept %q but Flux rejects it: %v", e, fluxErr)
			}
			if len(errs) > 0 && !rejected {
				t.Errorf("we reject %q (%v) but Flux accepts it (its error: %v)", e, errs[0].Err, fluxErr)
			}
			for _, v := range vars {
				if v.Name == "CLUSTER_NAME" || v.Name == "REGION" || v.Name == "quote" {
					continue
				}
				// Flux with only v unset: every other variable defined.
				others := map[string]string{}
				for _, o := range vars {
					if o.Name != v.Name {
						others[o.Name] = "x"
					}
				}
				err := fluxSubstitute(t, e, others)
				unsetFails := err != nil && strings.Contains(err.Error(), "variable not set")
				if v.Required != unsetFails {
					t.Errorf("%q: we say %s is required=%v; Flux with it unset: %v", e, v.Name, v.Required, err)
				}
			}
		})
	}
}

// fluxSubstitute runs Flux's substitution on a ConfigMap holding e, with
// the example Kustomization's variables plus extra (as Secret keys).
func fluxSubstitute(t *testing.T, e string, extra map[string]string) error {
	t.Helper()
	secret := map[string]string{}
	for k, v := range credentials {
		secret[k] = v
	}
	for k, v := range extra {
		secret[k] = v
	}
	doc := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: flux-system}\ndata:\n  v: '" + strings.ReplaceAll(e, "'", "''") + "'\n"
	_, err := substitute(t, doc, secret)
	return err
}
