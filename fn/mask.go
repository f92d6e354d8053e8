package fn

import (
	"github.com/kurator-scenario/scenario-fn/internal/credentials"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maskText masks what m knows and the password of any URL in s. When the
// text is about a credential field (sensitive), every quoted string is
// masked too: such messages quote the field's value.
func maskText(m *credentials.Masker, s, field string, sensitive bool) string {
	s = m.String(s)
	s = credentials.MaskURLPasswords(s)
	if sensitive {
		s = credentials.MaskQuoted(s, field)
	}
	return s
}

// redact masks credentials in the problems: values of Secret data and
// stringData, values under credential keys and values that look like
// credentials, found in the input items, the functionConfig and the output
// items, plus what the processor reports as sensitive (krm.Sensitive). The
// items themselves are not masked: they are the package.
func redact(problems krm.Problems, p krm.Processor, ctx *krm.Context, rl *krm.ResourceList, input, output []*yaml.RNode) krm.Problems {
	if len(problems) == 0 {
		return problems
	}
	var m credentials.Masker
	needed := false
	for _, pr := range problems {
		if pr.Severity == framework.Error || pr.Severity == framework.Warning {
			needed = true
			break
		}
	}
	if needed {
		seen := make(map[*yaml.RNode]bool, len(input))
		for _, n := range input {
			seen[n] = true
			m.AddNode(n)
		}
		for _, n := range output {
			if !seen[n] {
				m.AddNode(n)
			}
		}
		m.AddNode(rl.FunctionConfig)
		if s, ok := p.(krm.Sensitive); ok && s != nil {
			values, err := safeSensitive(s, ctx, rl)
			if err != "" {
				problems = append(problems, krm.Problem{Severity: framework.Error, Message: err})
			}
			for _, v := range values {
				m.Add(v)
			}
		}
	}
	return MaskProblems(&m, problems)
}

// MaskProblems masks, in copies of the problems, what m knows and the
// password of any URL; for problems at a credential field (a Secret's
// data, a field under a credential key), every quoted value too.
func MaskProblems(m *credentials.Masker, problems krm.Problems) krm.Problems {
	out := make(krm.Problems, len(problems))
	for i, pr := range problems {
		kind := ""
		if pr.Resource != nil {
			kind = pr.Resource.Kind
		}
		sensitive := credentials.SensitiveField(kind, pr.Field)
		pr.Message = maskText(m, pr.Message, pr.Field, sensitive)
		pr.Hint = maskText(m, pr.Hint, pr.Field, sensitive)
		pr.Field = m.String(pr.Field)
		out[i] = pr
	}
	return out
}

// safeSensitive asks the processor for its sensitive values, turning a
// panic into an internal error.
func safeSensitive(s krm.Sensitive, ctx *krm.Context, rl *krm.ResourceList) (out []string, err string) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, internalError(r)
		}
	}()
	return s.Sensitive(ctx, rl), ""
}
