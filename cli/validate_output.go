package cli

import (
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// validateReport is `validate -o json|yaml`: the counts of the summary
// line and the problems as KRM function results (severity, message with
// the fix, resourceRef, field.path, file.path, tags.line).
type validateReport struct {
	Files     int                 `json:"files"`
	Objects   int                 `json:"kuratorObjects"`
	Instances int                 `json:"instancesRendered"`
	Skipped   int                 `json:"otherObjects"`
	Errors    int                 `json:"errors"`
	Warnings  int                 `json:"warnings"`
	Results   []*framework.Result `json:"results"`
}

// writeValidateReport prints the report on stdout (nothing on stderr) and
// returns 1 when there is an error, as the text output does.
func writeValidateReport(stdio IO, format string, problems krm.Problems, files, objects, others, instances int) int {
	r := validateReport{Files: files, Objects: objects, Instances: instances, Skipped: others, Results: []*framework.Result{}}
	seen := map[string]bool{}
	for _, p := range problems {
		if p.Severity != framework.Error && p.Severity != framework.Warning {
			continue
		}
		if line := p.String(); seen[line] {
			continue
		} else {
			seen[line] = true
		}
		if p.Severity == framework.Error {
			r.Errors++
		} else {
			r.Warnings++
		}
		r.Results = append(r.Results, p.Result())
	}
	if err := writeData(stdio.Out, format, r); err != nil {
		return errorf(stdio, "%v", err)
	}
	if r.Errors > 0 {
		return exitError
	}
	return exitOK
}
