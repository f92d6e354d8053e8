package generators

import (
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Flux output modes (spec.output.flux).
const (
	FluxNone    = "none"
	FluxEscape  = "escape"
	FluxDisable = "disable"
)

// shellFields are the fields whose strings are shell (or Tekton) text, where
// `$` belongs to the program and not to Flux post-build substitution.
var shellFields = map[string][]string{
	"Pipeline": {
		"spec.tasks.*.customTask.script",
		"spec.tasks.*.customTask.command.*",
		"spec.tasks.*.customTask.args.*",
		"spec.tasks.*.customTask.env.*.value",
	},
	"Application": {
		"spec.syncPolicies.*.rollout.rolloutPolicy.trafficAnalysis.webhooks.command.*",
	},
}

// eachShellString calls fn for every string node of r's shell fields.
func eachShellString(r *yaml.RNode, kind string, fn func(n *yaml.Node, path string)) {
	for _, p := range shellFields[kind] {
		walkPath(r.YNode(), strings.Split(p, "."), "", fn)
	}
}

func walkPath(n *yaml.Node, parts []string, path string, fn func(n *yaml.Node, path string)) {
	if n == nil {
		return
	}
	if len(parts) == 0 {
		if n.Kind == yaml.ScalarNode {
			fn(n, path)
		}
		return
	}
	if parts[0] == "*" {
		if n.Kind == yaml.SequenceNode {
			for i, c := range n.Content {
				walkPath(c, parts[1:], join(path, elementSelector(c, i, "")), fn)
			}
		}
		return
	}
	walkPath(mapValue(n, parts[0]), parts[1:], join(path, parts[0]), fn)
}

var fluxVarName = regexp.MustCompile(`^[_a-zA-Z][_a-zA-Z0-9]*$`)

// FluxExpr is one ${...} expression found in a string.
type FluxExpr struct {
	Text string // the whole expression, e.g. ${THANOS_ACCESS_KEY}
	Err  string // why Flux would reject it, or ""
}

// FluxExpressions scans s like Flux post-build substitution does: `$$` is
// an escaped `$`, `${` opens an expression that must close with `}` and
// hold a variable name optionally followed by :=default or :-default.
func FluxExpressions(s string) []FluxExpr {
	var out []FluxExpr
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			continue
		}
		if s[i+1] == '$' {
			i++
			continue
		}
		if s[i+1] != '{' {
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			out = append(out, FluxExpr{Text: s[i:], Err: "unterminated ${"})
			return out
		}
		body := s[i+2 : i+2+end]
		expr := FluxExpr{Text: s[i : i+3+end]}
		name := body
		for _, op := range []string{":=", ":-"} {
			if k := strings.Index(body, op); k >= 0 {
				name = body[:k]
				break
			}
		}
		if !fluxVarName.MatchString(name) {
			expr.Err = fmt.Sprintf("%q is not a variable name Flux accepts (letters, digits and _, not starting with a digit; defaults as ${VAR:=default})", name)
		}
		out = append(out, expr)
		i += 2 + end
	}
	return out
}

// escapeForFlux doubles every `$` so that Flux's substitution, which turns
// `$$` into `$`, gives back the original text.
func escapeForFlux(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// eachString calls fn for every string scalar of n with its path.
func eachString(n *yaml.Node, path string, fn func(n *yaml.Node, path string)) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			eachString(n.Content[i+1], join(path, quoteKey(n.Content[i].Value)), fn)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			eachString(c, join(path, elementSelector(c, i, "")), fn)
		}
	case yaml.ScalarNode:
		fn(n, path)
	}
}
