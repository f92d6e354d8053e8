package generators

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kurator-scenario/scenario-fn/api/v1alpha1"
	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/kurator"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// AnnotationEnvironment names the environment a per-environment resource
// was rendered for.
const AnnotationEnvironment = "scenario.kurator.dev/environment"

// Environment is one entry of an instance's spec.environments: where the
// instance is deployed, with its own templates, values and overlays.
type Environment struct {
	Name       string
	Index      int
	Extends    []string
	Values     map[string]*yaml.RNode
	ValueOrder []string
	Resources  []*yaml.RNode
	Overlays   []*yaml.RNode
	Node       *yaml.RNode
}

// parseEnvironment resolves spec.environments.<i>, decoded; n is its node.
func parseEnvironment(d *v1alpha1.Environment, n *yaml.Node, i int) *Environment {
	e := &Environment{Name: d.Name, Index: i, Extends: d.Extends, Resources: d.Resources.RNodes(), Overlays: d.Overlays.RNodes(), Node: yaml.NewRNode(n)}
	e.Values, e.ValueOrder = valueMap(d.Values)
	return e
}

// Path is the environment's field path in the instance:
// spec.environments.[name=prod], or the index form when it has no name.
func (e *Environment) Path() string {
	seg := fieldpath.Index(e.Index)
	if e.Name != "" {
		seg = fieldpath.Select("name", e.Name)
	}
	return fieldpath.Keys("spec", "environments").Append(seg).String()
}

// PerEnvironment tells the kinds every environment gets its own of: those
// that deploy to one fleet (Kurator allows one fleet per Application,
// Backup, Restore and Migrate). Everything else the instance's own chain
// generates (the Pipeline, a Fleet, Secrets) is shared.
func PerEnvironment(apiVersion, kind string) bool {
	group, _, _ := strings.Cut(apiVersion, "/")
	switch group + "/" + kind {
	case "apps.kurator.dev/Application", "backup.kurator.dev/Backup", "backup.kurator.dev/Restore", "backup.kurator.dev/Migrate":
		return true
	}
	return false
}

// Layer names of the synthetic templates an environment render uses; no
// template can have them (they are not DNS names).
const (
	markInst = "\x01instance"
	markEnv  = "\x01environment"
	// markNode is appended to the instance name in the environment
	// layer's document, to tell its problems from the instance's.
	markNode = "\x01env"
)

// RenderInstance renders an instance: with Render when it lists no
// environments; otherwise once per environment (the instance's chain plus
// the environment's extends, values, resources and overlays) and once for
// the shared resources (the instance's chain and values). The result holds
// the shared resources, named as without environments, then every
// environment's own resources, named <instance>-<env>[-<role>].
func (rv *Resolver) RenderInstance(inst *Template, overlays []Overlay, trace bool) (*Result, krm.Problems) {
	if len(inst.Environments) == 0 {
		res, problems := rv.Render(inst, overlays, trace)
		if res != nil {
			problems = append(problems, environmentsInChain(inst, res.Chain)...)
			if problems.HasErrors() {
				return nil, problems
			}
		}
		return res, problems
	}
	problems := rv.checkEnvironments(inst)
	if problems.HasErrors() {
		return nil, problems
	}
	// What the instance's own chain generates decides what is shared.
	base := &Template{Name: inst.Name, Namespace: inst.Namespace, Ref: inst.Ref, Source: inst.Source, Lines: inst.Lines,
		Dir: inst.Dir, Extends: inst.Extends, Parameters: inst.Parameters, Resources: inst.Resources, Node: inst.Node}
	resolved, ps := rv.Resolve(base)
	problems = append(problems, ps...)
	if problems.HasErrors() {
		return nil, problems
	}
	shared := map[string]bool{}
	for _, n := range resolved.Resources {
		if !PerEnvironment(n.GetApiVersion(), n.GetKind()) {
			shared[groupKind(n)+"|"+n.GetName()] = true
		}
	}

	envs := make([]*envRender, 0, len(inst.Environments))
	for _, e := range inst.Environments {
		er := &envRender{env: e, inst: inst, shared: shared}
		res, ps := rv.renderEnvironment(inst, e, overlays, trace, nil)
		er.problems(&problems, ps)
		if res == nil {
			continue
		}
		er.res = res
		problems = append(problems, environmentsInChain(inst, res.Chain)...)
		// Values the shared resources take too (tag, image): the
		// environment's apply to its own resources; to compare the shared
		// ones with the instance's, render again without them.
		drop := map[string]bool{}
		for _, name := range e.ValueOrder {
			p := paramNamed(res.Params, name)
			if p == nil {
				continue
			}
			toShared, toOwn := er.reaches(p)
			switch {
			case toShared && !toOwn:
				problems.Errorf(krm.IDOf(inst.Node), e.Path()+".values."+name, inst.at(e.Values[name]),
					"set it under spec.values: shared resources take the instance's values",
					"environment %s sets %q, which only shared resources take (%s)", e.Name, name, strings.Join(er.sharedNames(), ", "))
			case toShared:
				drop[name] = true
			}
		}
		er.compare = res
		if len(drop) > 0 {
			cmp, ps := rv.renderEnvironment(inst, e, overlays, false, drop)
			er.problems(&problems, ps)
			er.compare = cmp
		}
		envs = append(envs, er)
	}
	problems = unify(problems, inst)
	if problems.HasErrors() {
		return nil, dedupe(problems)
	}

	// The shared render: the instance's chain and values. Values only
	// environments set, for parameters no shared resource takes, stand in
	// for the resources it renders and drops (an Application needs its
	// fleet to validate).
	sharedInst := *inst
	sharedInst.Environments = nil
	sharedInst.Values = map[string]*yaml.RNode{}
	sharedInst.ValueOrder = append([]string(nil), inst.ValueOrder...)
	for k, v := range inst.Values {
		sharedInst.Values[k] = v
	}
	for _, p := range resolved.Params {
		if _, set := inst.Values[p.Name]; set {
			continue
		}
		for _, er := range envs {
			v, ok := er.env.Values[p.Name]
			if !ok {
				continue
			}
			if ep := paramNamed(er.res.Params, p.Name); ep != nil {
				if toShared, _ := er.reaches(ep); toShared {
					continue
				}
			}
			sharedInst.Values[p.Name] = v
			sharedInst.ValueOrder = append(sharedInst.ValueOrder, p.Name)
			break
		}
	}
	baseRes, ps := rv.Render(&sharedInst, overlays, trace)
	ns := namespaceOf(inst)
	for _, p := range ps {
		// Problems of the resources it drops are the environments' to report.
		if baseRes != nil && p.Resource != nil && PerEnvironment(p.Resource.APIVersion, p.Resource.Kind) &&
			krm.NamespaceOrDefault(p.Resource.Namespace) == ns && (p.Resource.Name == inst.Name || strings.HasPrefix(p.Resource.Name, inst.Name+"-")) {
			continue
		}
		problems = append(problems, p)
	}
	if baseRes == nil || problems.HasErrors() {
		return nil, dedupe(problems)
	}

	out := &Result{Chain: baseRes.Chain, Params: baseRes.Params}
	if trace {
		out.Trace = newTrace()
	}
	sharedNodes := map[string]*yaml.RNode{}
	for _, n := range baseRes.Resources {
		if key := resourceKey(n, inst.Name); shared[key] {
			sharedNodes[key] = n
			out.Resources = append(out.Resources, n)
			out.Trace.take(baseRes.Trace, krm.ResourceString(krm.IDOf(n)), "")
		}
	}
	inChain := map[*Template]bool{}
	for _, t := range out.Chain {
		inChain[t] = true
	}
	for _, er := range envs {
		problems = append(problems, er.checkShared(sharedNodes)...)
		for _, t := range er.res.Chain {
			if !inChain[t] {
				inChain[t] = true
				out.Chain = append(out.Chain, t)
			}
		}
		out.Resources = append(out.Resources, er.own(out.Trace)...)
	}
	if problems.HasErrors() {
		return nil, dedupe(problems)
	}
	return out, dedupe(problems)
}

// checkEnvironments checks names and extends of the environments.
func (rv *Resolver) checkEnvironments(inst *Template) krm.Problems {
	var problems krm.Problems
	id := krm.IDOf(inst.Node)
	seen := map[string]int{}
	for i, e := range inst.Environments {
		nameNode, _ := e.Node.Pipe(yaml.Lookup("name"))
		switch {
		case !krm.IsDNS1123Label(e.Name):
			hint := "use a DNS label: lower-case letters, digits and '-', at most 63 characters"
			if l := strings.ToLower(e.Name); l != e.Name && krm.IsDNS1123Label(l) {
				hint = fmt.Sprintf("did you mean %q? environment names are lower case", l)
			}
			problems.Errorf(id, e.Path()+".name", inst.at(nameNode), hint,
				"environment name %q is not a DNS label, and its resources are called %s-<environment>", e.Name, inst.Name)
			continue
		case !krm.IsDNS1123Subdomain(inst.Name + "-" + e.Name):
			problems.Errorf(id, e.Path()+".name", inst.at(nameNode), "shorten the instance or environment name",
				"environment %q: the name of its resources, %s-%s, is not a DNS-1123 name", e.Name, inst.Name, e.Name)
		}
		if j, dup := seen[e.Name]; dup {
			problems.Errorf(id, fmt.Sprintf("spec.environments.%d.name", i), inst.at(nameNode), "rename or merge one of them",
				"environment %q is listed twice (also spec.environments.%d)", e.Name, j)
			continue
		}
		seen[e.Name] = i
		for k, ref := range e.Extends {
			n, _ := e.Node.Pipe(yaml.Lookup("extends", fmt.Sprint(k)))
			t, msg, hint := rv.lookup(ref, inst)
			switch {
			case t == nil:
				problems.Errorf(id, fmt.Sprintf("%s.extends.%d", e.Path(), k), inst.at(n), hint, "environment %s: %s", e.Name, msg)
			case t.Node.GetAnnotations()[AnnotationAbstract] == "true":
				problems.Errorf(id, fmt.Sprintf("%s.extends.%d", e.Path(), k), inst.at(n),
					"extend a template built on it instead (e.g. canary-service or blue-green-service)",
					"environment %s: template %q is abstract: it is a base for other templates", e.Name, ref)
			}
		}
	}
	return problems
}

// environmentsInChain refuses templates with environments: only instances
// have them; in a template they would be ignored.
func environmentsInChain(inst *Template, chain []*Template) krm.Problems {
	var problems krm.Problems
	for _, t := range chain {
		if len(t.Environments) > 0 {
			problems.Errorf(krm.IDOf(t.Node), "spec.environments", krm.Source{File: t.Source},
				"move the environments to the instance "+inst.Name,
				"template %q lists environments: only instances have environments", t.Name)
		}
	}
	return problems
}

// renderEnvironment renders one environment. Layers, in order: the
// instance's chain, the environment's extends (templates reached twice are
// applied once), the instance's own layer, the environment's layer, and an
// empty instance that names the resources. Values named in drop are left
// out of the environment's layer.
func (rv *Resolver) renderEnvironment(inst *Template, e *Environment, overlays []Overlay, trace bool, drop map[string]bool) (*Result, krm.Problems) {
	tInst := &Template{Name: markInst, Ref: markInst, Namespace: inst.Namespace, Source: inst.Source, Lines: inst.Lines, Dir: inst.Dir,
		Extends:    append(append([]string(nil), inst.Extends...), e.Extends...),
		Parameters: inst.Parameters, Values: inst.Values, ValueOrder: inst.ValueOrder,
		Resources: inst.Resources, Overlays: inst.Overlays, Node: inst.Node}
	doc := yaml.NewMapRNode(nil)
	_ = doc.PipeE(yaml.SetField("apiVersion", yaml.NewStringRNode(APIVersion)))
	_ = doc.PipeE(yaml.SetField("kind", yaml.NewStringRNode(Kind)))
	md := yaml.NewMapRNode(nil)
	_ = md.PipeE(yaml.SetField("name", yaml.NewStringRNode(inst.Name+markNode)))
	if inst.Namespace != "" {
		_ = md.PipeE(yaml.SetField("namespace", yaml.NewStringRNode(inst.Namespace)))
	}
	_ = doc.PipeE(yaml.SetField("metadata", md))
	_ = doc.PipeE(yaml.SetField("spec", e.Node))
	tEnv := &Template{Name: markEnv, Ref: markEnv, Namespace: inst.Namespace, Source: inst.Source, Lines: inst.Lines, Dir: inst.Dir,
		Extends: []string{markInst}, Values: map[string]*yaml.RNode{}, Resources: e.Resources, Overlays: e.Overlays, Node: doc}
	for _, k := range e.ValueOrder {
		if !drop[k] {
			tEnv.Values[k] = e.Values[k]
			tEnv.ValueOrder = append(tEnv.ValueOrder, k)
		}
	}
	s := &Template{Name: inst.Name, Namespace: inst.Namespace, Ref: inst.Ref, Source: inst.Source, Lines: inst.Lines, Dir: inst.Dir,
		Extends: []string{markEnv}, Flux: inst.Flux, OutputPath: inst.OutputPath, Node: inst.Node}

	if rv.Package == nil {
		rv.Package = map[string]*Template{}
	}
	rv.Package[markInst], rv.Package[markEnv] = tInst, tEnv
	defer func() {
		delete(rv.Package, markInst)
		delete(rv.Package, markEnv)
	}()
	res, problems := rv.Render(s, overlays, trace)

	rep := strings.NewReplacer(
		"overlay in template "+markInst, "overlay in instance "+inst.Name,
		"template "+markInst, "instance "+inst.Name,
		"overlay in template "+markEnv, "overlay in environment "+e.Name,
		"template "+markEnv, "environment "+e.Name,
		inst.Name+markNode, inst.Name,
		markInst, inst.Name,
		markEnv, "environment "+e.Name)
	for i := range problems {
		p := &problems[i]
		p.Message, p.Hint = rep.Replace(p.Message), rep.Replace(p.Hint)
		if p.Resource == nil {
			continue
		}
		if p.Resource.Name == inst.Name+markNode {
			r := *p.Resource
			r.Name = inst.Name
			p.Resource = &r
			switch {
			case p.Field == "spec":
				p.Field = e.Path()
			case strings.HasPrefix(p.Field, "spec."):
				p.Field = e.Path() + p.Field[len("spec"):]
			}
		}
	}
	if res == nil {
		return nil, problems
	}
	chain := res.Chain[:0:0]
	for _, t := range res.Chain {
		if t != tInst && t != tEnv {
			chain = append(chain, t)
		}
	}
	res.Chain = chain
	var refs []string
	for _, t := range chain {
		refs = append(refs, t.Ref)
	}
	for _, n := range res.Resources {
		setAnnotation(n, AnnotationTemplates, strings.Join(refs, ","))
	}
	for _, p := range res.Params {
		p.ValueFrom = rep.Replace(p.ValueFrom)
	}
	if res.Trace != nil {
		for _, m := range []map[*resource]map[string]Origin{res.Trace.set, res.Trace.deleted} {
			for _, fields := range m {
				for path, o := range fields {
					o.Layer = rep.Replace(o.Layer)
					fields[path] = o
				}
			}
		}
	}
	return res, problems
}

// envRender is one environment's render.
type envRender struct {
	env    *Environment
	inst   *Template
	shared map[string]bool
	res    *Result
	// compare is the render whose shared resources must equal the
	// instance's: res, or res without the environment's values for
	// parameters shared resources take.
	compare *Result
}

// problems adds an environment render's problems: those of shared
// resources are the shared render's to report; generated resources are
// named as the environment names them; instance problems say which
// environment they are about.
func (er *envRender) problems(to *krm.Problems, ps krm.Problems) {
	ns := namespaceOf(er.inst)
	for _, p := range ps {
		if r := p.Resource; r != nil && krm.NamespaceOrDefault(r.Namespace) == ns {
			switch {
			case r.APIVersion == APIVersion && r.Kind == Kind && r.Name == er.inst.Name:
				if !strings.HasPrefix(p.Field, "spec.environments.") {
					p.Message = "environment " + er.env.Name + ": " + p.Message
				}
			case r.Name == er.inst.Name || strings.HasPrefix(r.Name, er.inst.Name+"-"):
				role := strings.TrimPrefix(strings.TrimPrefix(r.Name, er.inst.Name), "-")
				group, _, _ := strings.Cut(r.APIVersion, "/")
				if !strings.Contains(r.APIVersion, "/") {
					group = ""
				}
				if er.shared[group+"|"+r.Kind+"|"+role] {
					// The shared render reports the shared resources'
					// warnings; an error stays, since this render failed.
					if !(krm.Problems{p}).HasErrors() {
						continue
					}
					p.Message = "environment " + er.env.Name + ": " + p.Message
					break
				}
				c := *r
				c.Name = deriveName(er.inst.Name+"-"+er.env.Name, role)
				p.Resource = &c
			}
		}
		*to = append(*to, p)
	}
}

// resourceKey is group|kind|role of a generated resource.
func resourceKey(n *yaml.RNode, instance string) string {
	name := n.GetName()
	role := ""
	if name != instance {
		role = strings.TrimPrefix(name, instance+"-")
	}
	return groupKind(n) + "|" + role
}

// reaches tells whether p writes shared resources, and whether it writes
// the environment's own.
func (er *envRender) reaches(p *Param) (toShared, toOwn bool) {
	for _, t := range p.Targets {
		if t.Selector == nil {
			continue
		}
		for _, n := range er.res.Resources {
			if t.Selector.Select != nil {
				s := t.Selector.Select
				if s.Kind != "" && s.Kind != n.GetKind() {
					continue
				}
				if s.Name != "" && s.Name != n.GetName() && s.Name != strings.TrimPrefix(n.GetName(), er.inst.Name+"-") {
					continue
				}
			}
			if er.shared[resourceKey(n, er.inst.Name)] {
				toShared = true
			} else {
				toOwn = true
			}
		}
	}
	return toShared, toOwn
}

func (er *envRender) sharedNames() []string {
	var out []string
	for _, n := range er.res.Resources {
		if er.shared[resourceKey(n, er.inst.Name)] {
			out = append(out, n.GetKind()+" "+n.GetName())
		}
	}
	return out
}

// checkShared compares the environment's shared resources with the
// instance's: an environment's templates, resources and overlays apply to
// its own resources only, so one that changes a shared resource is an
// error rather than a divergence nobody sees.
func (er *envRender) checkShared(shared map[string]*yaml.RNode) krm.Problems {
	var problems krm.Problems
	got := map[string]*yaml.RNode{}
	for _, n := range er.compare.Resources {
		got[resourceKey(n, er.inst.Name)] = n
	}
	keys := make([]string, 0, len(shared))
	for k := range shared {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	src := er.inst.at(er.env.Node)
	for _, k := range keys {
		want := shared[k]
		id := krm.IDOf(want)
		n := got[k]
		if n == nil {
			problems.Errorf(id, "", src, "remove the deletion from environment "+er.env.Name+", or delete the resource in the instance",
				"environment %s removes the shared %s: every environment uses the instance's", er.env.Name, krm.ResourceString(id))
			continue
		}
		if path := firstDifference(want, n); path != "" {
			problems.Errorf(id, path, src,
				"make the change in the instance (spec.values, spec.overlays), or leave the shared resource alone in environment "+er.env.Name,
				"environment %s changes the shared %s at %s: shared resources take the instance's chain, values and overlays, not an environment's",
				er.env.Name, krm.ResourceString(id), path)
		}
	}
	return problems
}

// firstDifference returns the first leaf path (in sorted order) where a
// and b differ, ignoring the templates annotation; "" if they are equal.
func firstDifference(a, b *yaml.RNode) string {
	la, lb := map[string]leaf{}, map[string]leaf{}
	leaves(a.YNode(), "", la)
	leaves(b.YNode(), "", lb)
	skip := "metadata.annotations.[" + AnnotationTemplates + "]"
	var diff []string
	for p, x := range la {
		if y, ok := lb[p]; (!ok || x.tag != y.tag || x.value != y.value) && p != skip {
			diff = append(diff, p)
		}
	}
	for p := range lb {
		if _, ok := la[p]; !ok && p != skip {
			diff = append(diff, p)
		}
	}
	if len(diff) == 0 {
		return ""
	}
	sort.Strings(diff)
	// A field only one side has is named at its top (the added task, not
	// its first leaf).
	_, inA := la[diff[0]]
	_, inB := lb[diff[0]]
	switch {
	case inA && !inB:
		return topAbsent(diff[0], lb)
	case inB && !inA:
		return topAbsent(diff[0], la)
	}
	return diff[0]
}

// topAbsent returns the shortest prefix of path (at a '.' boundary) that
// no leaf of in lies under.
func topAbsent(path string, in map[string]leaf) string {
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		prefix := path[:i]
		found := false
		for p := range in {
			if p == prefix || strings.HasPrefix(p, prefix+".") {
				found = true
				break
			}
		}
		if !found {
			return prefix
		}
	}
	return path
}

// own returns the environment's own resources, named
// <instance>-<env>[-<role>] with the references between them renamed too,
// and moves their trace into t.
func (er *envRender) own(t *Trace) []*yaml.RNode {
	inst, env := er.inst.Name, er.env.Name
	var out []*yaml.RNode
	renamed := map[string]string{} // kind/old name -> new name
	oldID := map[*yaml.RNode]string{}
	for _, n := range er.res.Resources {
		key := resourceKey(n, inst)
		if er.shared[key] {
			continue
		}
		oldID[n] = krm.ResourceString(krm.IDOf(n))
		role := key[strings.LastIndex(key, "|")+1:]
		name := deriveName(inst+"-"+env, role)
		renamed[n.GetKind()+"/"+n.GetName()] = name
		if md, err := n.Pipe(yaml.Lookup("metadata")); err == nil && md != nil {
			_ = md.PipeE(yaml.SetField("name", yaml.NewStringRNode(name)))
		}
		setAnnotation(n, AnnotationEnvironment, env)
		out = append(out, n)
	}
	naming := Origin{Layer: "naming rule (instance " + inst + ", environment " + env + ")"}
	for _, n := range out {
		for _, ref := range kurator.References(n.GetKind()) {
			walkPath(n.YNode(), strings.Split(strings.ReplaceAll(ref.Path, "[]", "*"), "."), "", func(v *yaml.Node, _ string) {
				if to, ok := renamed[ref.TargetKind+"/"+v.Value]; ok {
					v.Value = to
				}
			})
		}
		if t == nil {
			continue
		}
		t.take(er.res.Trace, oldID[n], krm.ResourceString(krm.IDOf(n)))
		if r := t.final[krm.ResourceString(krm.IDOf(n))]; r != nil {
			t.set[r]["metadata.name"] = naming
			t.set[r]["metadata.annotations.["+AnnotationEnvironment+"]"] = Origin{Layer: "environment " + env, Source: er.inst.at(er.env.Node)}
		}
	}
	return out
}

// take moves the trace of resource id from src into t, under newID when
// it is not "".
func (t *Trace) take(src *Trace, id, newID string) {
	if t == nil || src == nil {
		return
	}
	r := src.final[id]
	if r == nil {
		return
	}
	if newID == "" {
		newID = id
	}
	t.final[newID] = r
	if t.set[r] = src.set[r]; t.set[r] == nil {
		t.set[r] = map[string]Origin{}
	}
	t.deleted[r] = src.deleted[r]
}

func paramNamed(params []*Param, name string) *Param {
	for _, p := range params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// dedupe drops repeated problems (an instance overlay that fails in every
// environment is reported once per environment at most).
func dedupe(ps krm.Problems) krm.Problems {
	seen := map[string]bool{}
	out := ps[:0:0]
	for _, p := range ps {
		k := fmt.Sprint(p.Severity, krm.ResourceString(p.Resource), p.Field, p.Source, p.Message)
		if p.Resource == nil {
			k = fmt.Sprint(p.Severity, p.Field, p.Source, p.Message)
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

// unify reports a problem of the instance that every environment's render
// found once, without naming an environment: it is the instance's.
func unify(ps krm.Problems, inst *Template) krm.Problems {
	id := krm.ResourceString(krm.IDOf(inst.Node))
	type key struct {
		sev         string
		field, rest string
	}
	rest := func(p krm.Problem) (key, string, bool) {
		if p.Resource == nil || krm.ResourceString(p.Resource) != id {
			return key{}, "", false
		}
		for _, e := range inst.Environments {
			if r, ok := strings.CutPrefix(p.Message, "environment "+e.Name+": "); ok {
				return key{fmt.Sprint(p.Severity), p.Field, r}, e.Name, true
			}
		}
		return key{}, "", false
	}
	envs := map[key]map[string]bool{}
	for _, p := range ps {
		if k, env, ok := rest(p); ok {
			if envs[k] == nil {
				envs[k] = map[string]bool{}
			}
			envs[k][env] = true
		}
	}
	out := ps[:0:0]
	done := map[key]bool{}
	for _, p := range ps {
		k, env, ok := rest(p)
		switch {
		case ok && len(envs[k]) == len(inst.Environments):
			if done[k] {
				continue
			}
			done[k] = true
			p.Message = k.rest
		case ok && p.Code == CodeMissingValue && strings.HasPrefix(p.Field, "spec.values."):
			// Only some environments miss it: it is theirs to set.
			for _, e := range inst.Environments {
				if e.Name == env {
					name := strings.TrimPrefix(p.Field, "spec.values.")
					p.Field = e.Path() + ".values." + name
					p.Message = k.rest
					p.Hint = "add it under " + e.Path() + ".values (or spec.values for every environment), e.g. " + name + ": ..."
				}
			}
		}
		out = append(out, p)
	}
	return out
}
