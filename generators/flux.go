package generators

import (
	"strings"

	"github.com/fluxcd/pkg/envsubst/parse"
	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
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
				walkPath(c, parts[1:], fieldpath.Join(path, fieldpath.Element(c, i)), fn)
			}
		}
		return
	}
	walkPath(mapValue(n, parts[0]), parts[1:], fieldpath.JoinKey(path, parts[0]), fn)
}

// FluxVar is one variable that Flux's post-build substitution reads.
type FluxVar struct {
	Name string
	// Required: the expression has no default (${A}, ${A,,}, ${#A}, ...),
	// so Flux in strict mode fails when the variable is not set.
	Required bool
}

// FluxError is an expression Flux's post-build substitution rejects.
type FluxError struct {
	Expr string // the ${...} expression, as written
	Err  error  // Flux's parser's error for it
}

// FluxVariables parses s with Flux's own post-build substitution parser
// (github.com/fluxcd/pkg/envsubst, what kustomize-controller runs). It
// returns the variables s reads, or, when Flux rejects s, each expression
// it rejects. `$$` is an escaped `$`; only ${...} is substituted.
func FluxVariables(s string) ([]FluxVar, []FluxError) {
	if !strings.Contains(s, "${") {
		return nil, nil
	}
	tree, err := parse.Parse(s)
	if err != nil {
		return nil, fluxErrors(s, err)
	}
	var vars []FluxVar
	index := map[string]int{}
	var visit func(n parse.Node)
	visit = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			for _, c := range n.Nodes {
				visit(c)
			}
		case *parse.FuncNode:
			required := !fluxDefaultOps[n.Name]
			if i, ok := index[n.Param]; ok {
				vars[i].Required = vars[i].Required || required
			} else {
				index[n.Param] = len(vars)
				vars = append(vars, FluxVar{Name: n.Param, Required: required})
			}
			for _, a := range n.Args {
				visit(a)
			}
		}
	}
	visit(tree.Root)
	return vars, nil
}

// fluxDefaultOps are the operators with which Flux's strict substitution
// accepts an unset variable (${A:=x}, ${A-x}, ...): envsubst's isDefaultOp.
// TestFluxVariableRulesAgreeWithFlux (e2e) checks every verdict against
// Flux's substitution itself.
var fluxDefaultOps = map[string]bool{
	"-": true, "+": true, "=": true, "?": true,
	":-": true, ":+": true, ":=": true, ":?": true,
}

// fluxErrors finds the expressions of s that Flux's parser (which failed
// on s with err) rejects: each unescaped ${, up to its closing brace or the
// end of s, is parsed on its own and skipped, so this is linear in s. With
// a single expression, err is its error. When none can be singled out, the
// whole of s is reported with err.
func fluxErrors(s string, err error) []FluxError {
	var exprs []string
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		if s[i+1] == '$' {
			i++
			continue
		}
		if s[i+1] != '{' {
			continue
		}
		end := len(s)
		for j, depth := i+1, 0; j < len(s); j++ {
			if s[j] == '{' {
				depth++
			} else if s[j] == '}' {
				if depth--; depth == 0 {
					end = j + 1
					break
				}
			}
		}
		exprs = append(exprs, s[i:end])
		i = end - 1
	}
	if len(exprs) == 1 {
		return []FluxError{{Expr: exprs[0], Err: err}}
	}
	var errs []FluxError
	for _, e := range exprs {
		if _, perr := parse.Parse(e); perr != nil {
			errs = append(errs, FluxError{Expr: e, Err: perr})
		}
	}
	if len(errs) == 0 {
		errs = []FluxError{{Expr: s, Err: err}}
	}
	return errs
}

// escapeForFlux doubles every `$` so that Flux's substitution, which turns
// `$$` into `$`, gives back the original text.
func escapeForFlux(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// eachString calls fn for every scalar of n with its path. Aliases are not
// followed: callers change the scalars they visit, and must not reach an
// anchored node twice.
func eachString(n *yaml.Node, path string, fn func(n *yaml.Node, path string)) {
	fieldpath.Walk{}.Leaves(n, path, fn)
}
