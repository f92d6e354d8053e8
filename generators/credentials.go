package generators

import (
	"fmt"
	"strings"

	"github.com/kurator-scenario/scenario-fn/api/v1alpha1"
	"github.com/kurator-scenario/scenario-fn/internal/credentials"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// credentialHint is the fix for a credential committed in plain text.
const credentialHint = "write a Flux ${VAR} placeholder instead and supply the value at apply time with spec.postBuild.substituteFrom (README, section Flux)"

// credentialFinding is a credential a generated resource holds in plain
// text. Message never contains the value.
type credentialFinding struct {
	Path    string // the field, kustomize path syntax
	Message string
}

// plaintextCredentials finds credentials committed in plain text in a
// generated resource of kind: Secret data and stringData values (and the
// access_key, secret_key, ... inside a config file such as objstore.yml
// held in one) and credential-looking keys or values anywhere else (Helm
// values in extraArgs, environment variables, passwords in URLs). Flux
// ${VAR} placeholders are not plain text.
func plaintextCredentials(kind string, n *yaml.RNode) []credentialFinding {
	if n == nil {
		return nil
	}
	var out []credentialFinding
	seen := map[string]bool{}
	withInner := map[string]bool{}
	findings := credentials.Find(n)
	for _, f := range findings {
		if f.Inner != "" {
			withInner[f.Path] = true
		}
	}
	for _, f := range findings {
		if f.Placeholder {
			continue
		}
		// A config file held in a Secret value is reported by the
		// credentials inside it, not as a whole.
		if f.Inner == "" && withInner[f.Path] {
			continue
		}
		key := f.Path + "\x00" + f.Inner
		if seen[key] {
			continue // data values are found encoded and decoded
		}
		seen[key] = true
		var msg string
		switch {
		case f.Inner != "":
			msg = fmt.Sprintf("the credential %s inside this value is committed in plain text", f.Inner)
		case kind == "Secret" && (strings.HasPrefix(f.Path, "data.") || strings.HasPrefix(f.Path, "stringData.")):
			msg = "this Secret value is committed in plain text"
		default:
			msg = fmt.Sprintf("a credential (%s) is committed in plain text", f.Reason)
		}
		out = append(out, credentialFinding{Path: f.Path, Message: msg})
	}
	return out
}

// warnPlaintextCredentials reports every credential res holds in plain
// text as a warning at the layer that set it (or created the resource).
// render.finish calls it for each resource.
func (r *render) warnPlaintextCredentials(res *resource, id *yaml.ResourceIdentifier) {
	for _, c := range plaintextCredentials(res.kind, res.node) {
		r.problems.Warnf(id, c.Path, res.first, credentialHint, "%s", c.Message)
		path := c.Path
		r.located(res, func(t *Trace, res *resource, p *krm.Problem) bool {
			if o, ok := t.originOf(res, path); ok && o.Source.File != "" {
				p.Source = o.Source
			}
			return true
		})
	}
}

// Sensitive implements krm.Sensitive: the values of the instance's
// spec.values that end up in a Secret, or under a credential key, so that
// messages mask them even when they do not look like credentials. A value
// is sensitive when a parameter of that name, in the package's templates
// or the built-in catalog, targets a Secret or a credential field.
func (Generator) Sensitive(_ *krm.Context, rl *krm.ResourceList) []string {
	cfg := rl.FunctionConfig
	if cfg == nil || cfg.YNode() == nil || cfg.YNode().Kind != yaml.MappingNode {
		return nil
	}
	// Not validated yet (the messages about an invalid config are masked
	// too): each document decodes as far as it fits.
	inst, _ := v1alpha1.DecodeScenarioTemplateSpec(cfg.YNode())
	values := inst.Values
	if values.Node == nil || values.Kind != yaml.MappingNode {
		return nil
	}
	sensitive := map[string]bool{}
	mark := func(t *v1alpha1.ScenarioTemplateSpec) {
		for _, p := range t.Parameters {
			if p.Name != "" && (credentials.IsKey(p.Name) || targetsCredential(p.Targets)) {
				sensitive[p.Name] = true
			}
		}
	}
	mark(inst)
	for _, it := range rl.Items {
		if it.YNode().Kind == yaml.MappingNode && it.GetKind() == Kind {
			t, _ := v1alpha1.DecodeScenarioTemplateSpec(it.YNode())
			mark(t)
		}
	}
	for _, t := range Catalog() {
		mark(&t.API.Spec)
	}
	var out []string
	c := values.Content
	for i := 0; i+1 < len(c); i += 2 {
		if !sensitive[c[i].Value] {
			continue
		}
		eachString(c[i+1], "", func(n *yaml.Node, _ string) {
			if n.ShortTag() == yaml.NodeTagString {
				out = append(out, n.Value)
			}
		})
	}
	return out
}

// targetsCredential reports whether a parameter's targets select a Secret
// or write a field under a credential key.
func targetsCredential(targets []v1alpha1.Target) bool {
	for _, t := range targets {
		if t.Select != nil && t.Select.Kind == "Secret" {
			return true
		}
		for _, fp := range t.FieldPaths {
			if credentials.SensitiveField("", fp) {
				return true
			}
		}
	}
	return false
}
