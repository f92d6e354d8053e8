package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kurator-scenario/scenario-fn/generators"
	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/internal/suggest"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const initLong = `Writes a ready-to-render skeleton for an instance NAME of template T into DIR
(default ./NAME):

  NAME.yaml            the instance: a ScenarioTemplate that extends T, with the
                       values given by --set; required parameters not given are
                       commented placeholders (the first render says what is
                       missing), optional ones are listed with their defaults
  kustomization.yaml   --runner kustomize (default): a kustomize generator entry
  Kptfile              --runner kpt: a kpt package whose pipeline runs the function
  render.sh            --runner flux: renders to rendered/ for Flux to apply
  flux-kustomization.yaml  --runner flux: the Flux Kustomization for rendered/
  README.md            the exact commands to render

T is a built-in template (scenario-fn templates), the name of a template of
the package in DIR (it shadows a built-in of that name), or the path of a
template file inside DIR (the function reads template files only inside its
package); a local template is extended by its path. Values the template's
chain sets in spec.values count: such a parameter is not asked for.
The function runs as ./scenario-fn next to NAME.yaml (exec), or with --image
as a container. --set values are YAML (3, true, [a, b], {k: v}) checked
against the parameter's type; a string parameter takes the text as it is.
Existing files are not overwritten unless --force is given.`

const initExamples = `  scenario-fn init orders --template web-service --namespace shop \
      --set image=ghcr.io/acme/orders --set gitRepository=https://github.com/acme/orders --set fleet=prod
  scenario-fn init fleet --template observed-fleet --runner flux \
      --set 'clusters=[{name: member1, kind: AttachedCluster}]'
  scenario-fn init checkout --template canary-service --runner kpt --image ghcr.io/acme/scenario-fn:v1
  scenario-fn init payments --template platform/team.yaml --dir . --set repo=https://github.com/acme/payments`

// runners are the values of --runner.
var runners = []string{"kustomize", "kpt", "flux"}

type initOptions struct {
	template, dir, runner, image, namespace string
	sets                                    []string
	force                                   bool
}

func newInitCommand(stdio IO) *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:               "init NAME --template T",
		Short:             "Write a ready-to-render instance skeleton",
		Long:              initLong,
		Example:           initExamples,
		ValidArgsFunction: noFileCompletion,
		RunE:              func(_ *cobra.Command, args []string) error { return done(runInit(stdio, args, o)) },
	}
	f := cmd.Flags()
	f.StringVar(&o.template, "template", "", "the template `T` to extend: a built-in name, or a file inside DIR")
	f.StringArrayVar(&o.sets, "set", nil, "set parameter `key=value` (repeatable)")
	f.StringVar(&o.dir, "dir", "", "write the skeleton into `DIR` (default ./NAME)")
	f.StringVar(&o.runner, "runner", "kustomize", "how the instance is rendered: kustomize, kpt or flux")
	f.StringVar(&o.image, "image", "", "run the function as the container `IMAGE` instead of ./scenario-fn")
	f.StringVar(&o.namespace, "namespace", "", "namespace of the instance and of everything it generates (default \"default\")")
	f.BoolVar(&o.force, "force", false, "overwrite existing files")
	_ = cmd.MarkFlagDirname("dir")
	_ = cmd.RegisterFlagCompletionFunc("template", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return usableTemplates(), cobra.ShellCompDirectiveDefault
	})
	_ = cmd.RegisterFlagCompletionFunc("runner", fixedValues(runners...))
	_ = cmd.RegisterFlagCompletionFunc("set", noFileCompletion)
	_ = cmd.RegisterFlagCompletionFunc("namespace", noFileCompletion)
	_ = cmd.RegisterFlagCompletionFunc("image", noFileCompletion)
	return cmd
}

func runInit(stdio IO, pos []string, o initOptions) int {
	tmpl, sets, dir, runner, image, namespace, force := &o.template, o.sets, &o.dir, &o.runner, &o.image, &o.namespace, &o.force
	const cmd = "scenario-fn init"
	switch {
	case len(pos) != 1:
		return usageError(stdio, cmd, "init needs exactly one instance NAME, got %d arguments", len(pos))
	case *tmpl == "":
		return usageError(stdio, cmd, "init needs --template (one of %s)", strings.Join(usableTemplates(), ", "))
	case !contains(runners, *runner):
		return usageError(stdio, cmd, "--runner %q: use kustomize, kpt or flux", *runner)
	}
	for _, s := range sets {
		if !strings.Contains(s, "=") {
			return usageError(stdio, cmd, "--set %q: write --set key=value", s)
		}
	}
	name := pos[0]
	if !krm.IsDNS1123Subdomain(name) || strings.Contains(name, ".") {
		return errorf(stdio, "instance name %q is not valid (fix: use lower-case letters, digits and '-', starting and ending with a letter or digit; generated resources are named after it)", name)
	}
	if *namespace != "" && !krm.IsDNS1123Label(*namespace) {
		return errorf(stdio, "namespace %q is not a DNS-1123 label (fix: use at most 63 lower-case letters, digits and '-')", *namespace)
	}
	if *dir == "" {
		*dir = name
	}
	resolver := &generators.Resolver{}
	t, ref, code := initTemplate(stdio, resolver, *tmpl, *dir)
	if t == nil {
		return code
	}
	if resolver.Root != nil {
		defer resolver.Root.Close()
	}
	if isAbstract(t) {
		return errorf(stdio, "template %q is abstract: it is a base for other templates (fix: use one that extends it: %s)",
			*tmpl, strings.Join(extenders(t.Name), ", "))
	}
	res, problems := resolver.Resolve(t)
	if problems.HasErrors() {
		printProblems(stdio.Err, problems)
		return exitError
	}
	values, msg := parseSets(sets, res.Params)
	if msg != "" {
		return errorf(stdio, "%s", msg)
	}

	sk := &skeleton{name: name, namespace: *namespace, template: t, ref: ref, resolver: resolver,
		params: res.Params, values: values, runner: *runner, image: *image, dir: *dir}
	instText := sk.instance()

	// Render in memory first, so that values that cannot render are
	// reported before anything is written, and Flux variables are known.
	vars, missing, problems := sk.check(instText)
	if problems.HasErrors() {
		printProblems(stdio.Err, problems)
		return errorf(stdio, "the values do not render, nothing was written (fix: change the --set values named above)")
	}
	printProblems(stdio.Err, problems)
	sk.fluxVars = vars

	files := sk.files(instText)
	if _, err := os.Lstat(filepath.Join(*dir, ".gitignore")); err == nil {
		delete(files, ".gitignore") // the directory's own: left alone
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	if info, err := os.Stat(*dir); err == nil && !info.IsDir() {
		return errorf(stdio, "%s exists and is not a directory (fix: choose another --dir)", *dir)
	}
	if !*force {
		var exist []string
		for _, f := range names {
			if _, err := os.Lstat(filepath.Join(*dir, f)); err == nil {
				exist = append(exist, filepath.ToSlash(filepath.Join(*dir, f)))
			}
		}
		if len(exist) > 0 {
			return errorf(stdio, "not overwriting %s (fix: use --force to overwrite, or another --dir)", strings.Join(exist, ", "))
		}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return errorf(stdio, "%v", err)
	}
	for _, f := range names {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(f, ".sh") {
			mode = 0o755
		}
		path := filepath.Join(*dir, f)
		if err := os.WriteFile(path, []byte(files[f]), mode); err != nil {
			return errorf(stdio, "%v", err)
		}
		if err := os.Chmod(path, mode); err != nil {
			return errorf(stdio, "%v", err)
		}
	}

	pal := paletteFor(stdio.Out)
	shown := filepath.ToSlash(*dir)
	fmt.Fprintf(stdio.Out, "Created %s/ from template %s (runner %s):\n", shown, t.Name, *runner)
	for _, f := range names {
		fmt.Fprintf(stdio.Out, "  %s\n", filepath.ToSlash(filepath.Join(*dir, f)))
	}
	if len(missing) > 0 {
		fmt.Fprintf(stdio.Out, "%s %s (edit %s/%s.yaml; rendering fails until they are set)\n",
			pal.yellow("Required values still missing:"), strings.Join(missing, ", "), shown, name)
	}
	fmt.Fprintf(stdio.Out, "Next steps: %s/README.md\n", shown)
	return exitOK
}

// initTemplate finds the template init extends: a built-in by name, or a
// template file by path. A file must be inside dir, because the function
// reads template files only inside its package; the instance then extends
// it by its path relative to dir. It returns the template and the extends
// entry, or nil and the exit code after reporting.
func initTemplate(stdio IO, r *generators.Resolver, tmpl, dir string) (*generators.Template, string, int) {
	if !strings.ContainsAny(tmpl, `/\`) && !isYAML(tmpl) {
		// A template of the package in dir, by name, shadows a built-in
		// (as it does when the package renders); the instance extends it by
		// its path, which every runner resolves.
		local := localTemplates(dir)
		if file, ok := local[tmpl]; ok {
			tmpl = filepath.Join(dir, filepath.FromSlash(file))
		} else if t, ok := generators.Catalog()[tmpl]; ok {
			return t, tmpl, exitOK
		} else {
			names := usableTemplates()
			for n := range local {
				names = append(names, n)
			}
			sort.Strings(names)
			hint := "use one of " + strings.Join(names, ", ")
			if best := generators.Suggest(tmpl, names); best != "" {
				hint = fmt.Sprintf("did you mean %q? ", best) + hint
			}
			return nil, "", errorf(stdio, "unknown template %q (fix: %s; scenario-fn templates lists them; a template of your own is given by its name or file path inside --dir)", tmpl, hint)
		}
	}
	absT, err1 := filepath.Abs(tmpl)
	absD, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return nil, "", errorf(stdio, "--template %s: %v", tmpl, errors.Join(err1, err2))
	}
	rel, err := filepath.Rel(absD, absT)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, "", errorf(stdio, "template file %s is outside %s: the function reads template files only inside the package it renders (fix: use a --dir that contains the template file, e.g. --dir .)", tmpl, dir)
	}
	root, err := os.OpenRoot(absD)
	if err != nil {
		return nil, "", errorf(stdio, "%v", err)
	}
	r.Root = root
	ref := "./" + filepath.ToSlash(rel)
	t, err := r.Lookup(ref)
	if err != nil {
		return nil, "", errorf(stdio, "--template %s: %v", tmpl, err)
	}
	return t, ref, exitOK
}

// localTemplates are the templates (not abstract) of the package in dir,
// by name, with their files relative to dir; none when dir does not exist
// or does not read.
func localTemplates(dir string) map[string]string {
	out := map[string]string{}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return out
	}
	r := &generators.Resolver{Package: map[string]*generators.Template{}}
	if _, err := loadLocalTemplates(r, dir); err != nil {
		return out
	}
	defer closeResolver(r)
	for name, t := range r.Package {
		if !isAbstract(t) && t.Source != "" {
			out[name] = t.Source
		}
	}
	return out
}

// usableTemplates are the built-in templates an instance may extend.
func usableTemplates() []string {
	var out []string
	for _, n := range generators.CatalogNames() {
		if !isAbstract(generators.Catalog()[n]) {
			out = append(out, n)
		}
	}
	return out
}

// extenders are the built-in templates that extend name directly.
func extenders(name string) []string {
	var out []string
	for _, n := range generators.CatalogNames() {
		if contains(generators.Catalog()[n].Extends, name) {
			out = append(out, n)
		}
	}
	return out
}

// parseSets parses --set key=value against the chain's parameters. It
// returns the values by name, or a message saying what is wrong.
func parseSets(sets []string, params []*generators.Param) (map[string]*yaml.RNode, string) {
	byName := map[string]*generators.Param{}
	var declared []string
	for _, p := range params {
		byName[p.Name] = p
		declared = append(declared, p.Name)
	}
	sort.Strings(declared)
	values := map[string]*yaml.RNode{}
	for _, s := range sets {
		key, raw, _ := strings.Cut(s, "=")
		key = strings.TrimSpace(key)
		p, ok := byName[key]
		if !ok {
			hint := "the template declares: " + strings.Join(declared, ", ")
			if best := generators.Suggest(key, declared); best != "" {
				hint = fmt.Sprintf("did you mean %q? ", best) + hint
			}
			return nil, fmt.Sprintf("--set %s: unknown parameter %q (fix: %s)", s, key, hint)
		}
		v, err := generators.ParseValue(p, raw)
		var verr *generators.ValueError
		if errors.As(err, &verr) {
			return nil, fmt.Sprintf("--set %s: %s", s, setMessage(verr))
		}
		values[key] = v
	}
	return values, ""
}

// setExamples are --set values of each type, for hints.
var setExamples = map[string]string{"integer": "3", "boolean": "true", "object": "'{key: value}'", "array": "'[a, b]'"}

// setMessage says why a --set value does not fit its parameter.
func setMessage(e *generators.ValueError) string {
	switch {
	case e.Allowed != nil:
		return fmt.Sprintf("parameter %q does not allow %q (fix: use one of %s)", e.Name, e.Raw, strings.Join(e.Allowed, ", "))
	case e.Quote:
		return fmt.Sprintf("parameter %q is a string, but %q is %s (fix: quote it: --set %s='%q')", e.Name, e.Raw, e.Got, e.Name, e.Raw)
	}
	return fmt.Sprintf("parameter %q is %s %s, but %q is %s (fix: e.g. --set %s=%s)", e.Name, suggest.Article(e.Type), e.Type, e.Raw, e.Got, e.Name, setExamples[e.Type])
}

// skeleton is what init writes.
type skeleton struct {
	name, namespace string
	template        *generators.Template
	ref             string // the extends entry: a built-in name or ./path
	resolver        *generators.Resolver
	params          []*generators.Param
	values          map[string]*yaml.RNode
	runner, image   string
	dir             string
	fluxVars        []string
}

func (s *skeleton) file() string { return s.name + ".yaml" }

// showCommand prints the template's parameters, run in the package.
func (s *skeleton) showCommand() string {
	if s.ref != s.template.Name {
		return "scenario-fn templates show " + s.ref + " --dir ."
	}
	return "scenario-fn templates show " + s.template.Name
}

// instance returns the instance YAML: values given, placeholders for the
// required values not given, and the optional parameters as comments.
func (s *skeleton) instance() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: an instance of the scenario template %s.\n", s.name, s.template.Name)
	if s.template.Description != "" {
		fmt.Fprintf(&b, "# %s\n", s.template.Description)
	}
	fmt.Fprintf(&b, "# Every parameter: %s\n", s.showCommand())
	fmt.Fprintf(&b, "# Where each generated field comes from: scenario-fn explain %s\n", s.file())
	b.WriteString("apiVersion: " + generators.APIVersion + "\nkind: " + generators.Kind + "\nmetadata:\n")
	fmt.Fprintf(&b, "  name: %s\n", s.name)
	if s.namespace != "" {
		fmt.Fprintf(&b, "  namespace: %s\n", s.namespace)
	}
	b.WriteString("  annotations:\n")
	b.WriteString("    config.kubernetes.io/function: |\n")
	if s.image != "" {
		fmt.Fprintf(&b, "      container:\n        image: %s\n", s.image)
	} else {
		b.WriteString("      exec:\n        path: ./scenario-fn\n")
	}
	if s.runner != "kustomize" {
		b.WriteString("    config.kubernetes.io/local-config: \"true\"\n")
	}
	b.WriteString("spec:\n")
	fmt.Fprintf(&b, "  extends: [%s]\n", s.ref)

	var set, missing, optional []string
	for _, p := range s.params {
		switch v, given := s.values[p.Name]; {
		case given:
			set = append(set, fmt.Sprintf("%s: %s", p.Name, flowString(v)))
		case isRequired(p):
			missing = append(missing, fmt.Sprintf("# %s: %s  # required", p.Name, placeholder(p)))
		default:
			line := fmt.Sprintf("# %s: %s", p.Name, s.defaultOf(p))
			if p.Description != "" {
				line += "  # " + p.Description
			}
			optional = append(optional, line)
		}
	}
	if len(set) == 0 {
		b.WriteString("  values: {}\n")
		b.WriteString("  # To set values, replace {} above by the lines below, uncommented:\n")
	} else {
		b.WriteString("  values:\n")
	}
	for _, l := range set {
		b.WriteString("    " + l + "\n")
	}
	for _, l := range missing {
		b.WriteString("    " + l + "\n")
	}
	if len(optional) > 0 {
		b.WriteString("    # Optional, shown with their defaults:\n")
		for _, l := range optional {
			b.WriteString("    " + l + "\n")
		}
	}
	return b.String()
}

// placeholder is the text of a required value's placeholder.
func placeholder(p *generators.Param) string {
	what := p.Description
	if what == "" {
		what = p.Type
	}
	return "<" + strings.TrimSpace(what) + ">"
}

func (s *skeleton) defaultOf(p *generators.Param) string {
	switch {
	case inherited(p) != nil:
		return flowString(inherited(p))
	case p.DefaultFrom == "metadata.name":
		return s.name
	case p.DefaultFrom == "metadata.namespace":
		return krm.NamespaceOrDefault(s.namespace)
	}
	return "<unset>"
}

// check renders the instance in memory. It returns the Flux variables the
// output needs (${VAR} without a default), the required values that are
// still missing, and the problems other than missing values.
func (s *skeleton) check(text string) (vars, missing []string, problems krm.Problems) {
	for _, p := range s.params {
		if _, given := s.values[p.Name]; !given && isRequired(p) {
			missing = append(missing, p.Name)
		}
	}
	docs, ps := parseDocuments([]byte(text), s.file())
	if ps.HasErrors() || len(docs) != 1 {
		return nil, missing, ps
	}
	inst, ps := generators.ParseTemplate(docs[0].Node, s.file(), true)
	if ps.HasErrors() {
		return nil, missing, ps
	}
	res, ps := s.resolver.Render(inst, nil, false)
	for _, p := range ps {
		if len(missing) > 0 && p.Code == generators.CodeMissingValue {
			continue
		}
		problems = append(problems, p)
	}
	seen := map[string]bool{}
	add := func(str string) {
		fvs, _ := generators.FluxVariables(str)
		for _, v := range fvs {
			if v.Required && !seen[v.Name] {
				seen[v.Name] = true
				vars = append(vars, v.Name)
			}
		}
	}
	if res != nil && !ps.HasErrors() {
		for _, n := range res.Resources {
			fieldpath.Walk{Empty: true}.Leaves(n.YNode(), "", func(l *yaml.Node, _ string) {
				if l.Kind == yaml.ScalarNode {
					add(l.Value)
				}
			})
		}
	} else {
		// Not renderable yet: the variables of the values and defaults.
		for _, p := range s.params {
			v := s.values[p.Name]
			if v == nil {
				v = inherited(p)
			}
			if v != nil {
				fieldpath.Walk{Empty: true}.Leaves(v.YNode(), "", func(l *yaml.Node, _ string) { add(l.Value) })
			}
		}
	}
	sort.Strings(vars)
	return vars, missing, problems
}

// files returns the skeleton's files by name.
func (s *skeleton) files(instance string) map[string]string {
	files := map[string]string{s.file(): instance, "README.md": s.readme()}
	if s.image == "" {
		// The runners exec ./scenario-fn, a copy of the binary (README.md):
		// a build artefact, not something to commit.
		files[".gitignore"] = "# The scenario-fn binary copied here to run the function (see README.md).\n/scenario-fn\n"
	}
	switch s.runner {
	case "kustomize":
		files["kustomization.yaml"] = fmt.Sprintf(`# Render: kustomize build --enable-alpha-plugins --enable-exec .
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
generators:
- %s
`, s.file())
	case "kpt":
		fn := "exec: ./scenario-fn"
		if s.image != "" {
			fn = "image: " + s.image
		}
		files["Kptfile"] = fmt.Sprintf(`# Render from this directory: kpt fn render . --allow-exec
apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: %s
  annotations:
    config.kubernetes.io/local-config: "true"
info:
  description: %s, rendered from the scenario template %s
pipeline:
  mutators:
  - %s
    configPath: %s
`, s.name, s.name, s.template.Name, fn, s.file())
	case "flux":
		files["render.sh"] = `#!/bin/sh
# Renders the instances of this directory for Flux into rendered/<namespace>/<instance>.yaml.
# Commit the result: Flux applies rendered/ (flux-kustomization.yaml).
# Uses $SCENARIO_FN, else ./scenario-fn when present, else scenario-fn on the PATH.
set -eu
cd "$(dirname "$0")"
fn=${SCENARIO_FN:-scenario-fn}
if [ -z "${SCENARIO_FN:-}" ] && [ -x ./scenario-fn ]; then fn=./scenario-fn; fi
"$fn" render . --out rendered --flux escape
`
		files["flux-kustomization.yaml"] = s.fluxKustomization()
	}
	return files
}

// fluxPath is the rendered/ directory relative to the root of the Git
// repository that holds the skeleton (or to the working directory when it
// is not in one yet): Flux resolves spec.path against the repository root.
func (s *skeleton) fluxPath() string {
	abs, err := filepath.Abs(s.dir)
	if err != nil {
		return "./rendered"
	}
	base, _ := os.Getwd()
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			base = d
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "./rendered"
	}
	return "./" + filepath.ToSlash(filepath.Join(rel, "rendered"))
}

func (s *skeleton) varsSecret() string { return s.name + "-flux-vars" }

func (s *skeleton) fluxKustomization() string {
	var b strings.Builder
	fmt.Fprintf(&b, `# Flux applies what render.sh wrote to rendered/ (commit it).
# spec.path is relative to the root of the Git repository Flux syncs.
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: %s
  namespace: flux-system
spec:
  interval: 10m0s
  path: %s
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`, s.name, s.fluxPath())
	if len(s.fluxVars) > 0 {
		fmt.Fprintf(&b, `  # ${...} placeholders in the output (%s) come from this Secret.
  postBuild:
    substituteFrom:
    - kind: Secret
      name: %s
`, strings.Join(s.fluxVars, ", "), s.varsSecret())
	}
	return b.String()
}

func (s *skeleton) readme() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", s.name)
	fmt.Fprintf(&b, "`%s` is an instance of the scenario template `%s`", s.file(), s.template.Name)
	if s.template.Description != "" {
		fmt.Fprintf(&b, ": %s", strings.TrimSuffix(s.template.Description, "."))
	}
	b.WriteString(".\nIts parameters and their defaults: `" + s.showCommand() + "`.\n\n")
	b.WriteString("## Next steps\n\nRun these commands in this directory.\n\n")
	step := 1
	var missing []string
	for _, p := range s.params {
		if _, given := s.values[p.Name]; !given && isRequired(p) {
			missing = append(missing, "`"+p.Name+"`")
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "%d. Set the required values in `%s` (under `spec.values`): %s.\n\n", step, s.file(), strings.Join(missing, ", "))
		step++
	}
	if s.image == "" && s.runner != "flux" {
		fmt.Fprintf(&b, "%d. Put the function next to `%s` (the runner executes `./scenario-fn`):\n\n", step, s.file())
		b.WriteString("   ```sh\n   cp \"$(command -v scenario-fn)\" ./scenario-fn\n   ```\n\n")
		step++
	}
	switch s.runner {
	case "kustomize":
		if s.image != "" {
			fmt.Fprintf(&b, "%d. Render (the function runs as the container `%s`; kustomize needs a container runtime):\n\n", step, s.image)
			b.WriteString("   ```sh\n   kustomize build --enable-alpha-plugins .\n   ```\n\n")
			b.WriteString("   Without `--enable-alpha-plugins` kustomize silently skips the function and prints nothing.\n\n")
			break
		}
		fmt.Fprintf(&b, "%d. Render:\n\n   ```sh\n   kustomize build --enable-alpha-plugins --enable-exec .\n   ```\n\n", step)
		b.WriteString("   Without `--enable-exec` kustomize silently skips the function and prints nothing.\n\n")
	case "kpt":
		if s.image != "" {
			fmt.Fprintf(&b, "%d. Render (the function runs as the container `%s`; kpt needs a container runtime):\n\n", step, s.image)
			b.WriteString("   ```sh\n   kpt fn render .\n   ```\n\n")
		} else {
			fmt.Fprintf(&b, "%d. Render (kpt resolves `./scenario-fn` against its working directory, so run it here):\n\n", step)
			b.WriteString("   ```sh\n   kpt fn render . --allow-exec\n   ```\n\n")
		}
		fmt.Fprintf(&b, "   The resources are written to `%s/%s.yaml`.\n\n", generators.DefaultOutputDir, s.name)
	case "flux":
		fmt.Fprintf(&b, "%d. Render for Flux (with scenario-fn on the PATH), then commit `rendered/`:\n\n", step)
		b.WriteString("   ```sh\n   ./render.sh   # scenario-fn render . --out rendered --flux escape\n   ```\n\n")
		b.WriteString("   `--flux escape` keeps shell `$` in the output intact under Flux's post-build substitution.\n\n")
		if len(s.fluxVars) > 0 {
			step++
			fmt.Fprintf(&b, "%d. Create the Secret that supplies the `${...}` placeholders (%s):\n\n   ```sh\n   kubectl -n flux-system create secret generic %s", step, strings.Join(s.fluxVars, ", "), s.varsSecret())
			for _, v := range s.fluxVars {
				fmt.Fprintf(&b, " \\\n     --from-literal=%s=...", v)
			}
			b.WriteString("\n   ```\n\n")
		}
		step++
		fmt.Fprintf(&b, "%d. Let Flux apply it: commit `flux-kustomization.yaml` to the path Flux syncs, or\n   `kubectl apply -f flux-kustomization.yaml`. Check `spec.path` (relative to the repository root).\n\n", step)
	}
	step++
	fmt.Fprintf(&b, "%d. See where every field comes from, and check the output:\n\n", step)
	fmt.Fprintf(&b, "   ```sh\n   scenario-fn explain %s\n   scenario-fn render . | scenario-fn validate -\n   ```\n", s.file())
	return b.String()
}
