#!/bin/sh
# Renders the instances of this directory for Flux into rendered/<namespace>/<instance>.yaml.
# Commit the result: Flux applies rendered/ (flux-kustomization.yaml).
# Uses $SCENARIO_FN, else ./scenario-fn when present, else scenario-fn on the PATH.
set -eu
cd "$(dirname "$0")"
fn=${SCENARIO_FN:-scenario-fn}
if [ -z "${SCENARIO_FN:-}" ] && [ -x ./scenario-fn ]; then fn=./scenario-fn; fi
"$fn" render . --out rendered --flux escape
