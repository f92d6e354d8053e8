package v1alpha1

import "sigs.k8s.io/kustomize/kyaml/yaml"

// ScenarioTemplate is a reusable template of partial Kurator resources with
// typed parameters, or an instance of one. Instances are the function's
// config; every other ScenarioTemplate is a template that instances and
// templates can extend. Its schema is
// generators/crd/scenario.kurator.dev_scenariotemplates.yaml.
type ScenarioTemplate struct {
	// APIVersion is scenario.kurator.dev/v1alpha1 (GroupVersion).
	APIVersion string `json:"apiVersion,omitempty" yaml:"apiVersion,omitempty"`
	// Kind is ScenarioTemplate (ScenarioTemplateKind).
	Kind string `json:"kind,omitempty" yaml:"kind,omitempty"`
	// Metadata names the template (a template is extended by its name)
	// or the instance (generated resources are named after it, in its
	// namespace).
	Metadata yaml.ObjectMeta `json:"metadata,omitempty" yaml:"metadata,omitempty"`
	// Spec is what the template contributes.
	Spec ScenarioTemplateSpec `json:"spec,omitempty" yaml:"spec,omitempty"`
}

// ScenarioTemplateSpec is the body of a template or an instance.
type ScenarioTemplateSpec struct {
	// Description says what the template is for; shown by
	// `scenario-fn templates`.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Extends lists the parent templates, applied left to right, each
	// with its own chain first. An entry is a name (a built-in or a
	// ScenarioTemplate in the package) or a relative file path
	// (./platform/canary.yaml) inside the function's directory.
	Extends []string `json:"extends,omitempty" yaml:"extends,omitempty"`
	// Parameters are typed parameters, written into the resources at
	// their targets.
	Parameters []Parameter `json:"parameters,omitempty" yaml:"parameters,omitempty"`
	// Values are values for the parameters of the chain, by parameter
	// name: a mapping, kept as written (its order is the order values are
	// reported in).
	Values Raw `json:"values,omitempty" yaml:"values,omitempty"`
	// Resources are the partial resources this layer contributes, merged
	// by kind and name.
	Resources Raws `json:"resources,omitempty" yaml:"resources,omitempty"`
	// Overlays are partial resources merged after the parameter values.
	Overlays Raws `json:"overlays,omitempty" yaml:"overlays,omitempty"`
	// Environments (instances only) are where the instance is deployed.
	// Each environment gets its own Application (<instance>-<name>) from
	// the instance's chain plus its own extends, values, resources and
	// overlays; everything else (the Pipeline) is shared and takes the
	// instance's values.
	Environments []Environment `json:"environments,omitempty" yaml:"environments,omitempty"`
	// Output says how the generated resources are written.
	Output *Output `json:"output,omitempty" yaml:"output,omitempty"`
}

// Parameter is one typed parameter a template or instance declares.
type Parameter struct {
	// Name is how values name the parameter: a letter, then letters,
	// digits and '_'.
	Name string `json:"name" yaml:"name"`
	// Description says what the value is for; shown by
	// `scenario-fn templates show` and in error messages.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Type is the value's type: string (the default), integer, boolean,
	// object or array.
	Type string `json:"type,omitempty" yaml:"type,omitempty"`
	// Format is what a value must be, checked before it is written:
	// image (an image repository without tag or digest,
	// ghcr.io/acme/orders), quantity (a Kubernetes quantity: 500m, 1Gi) or
	// resources (container resources, {requests: {...}, limits: {...}} of
	// quantities).
	Format string `json:"format,omitempty" yaml:"format,omitempty"`
	// Merge is how an object value combines with the default and with the
	// values of earlier layers: merge (the default; maps merge key by key,
	// null removes a key, lists and scalars replace) or replace (the value
	// replaces them whole).
	Merge string `json:"merge,omitempty" yaml:"merge,omitempty"`
	// Default is used when no value is set: any YAML value of the
	// declared type.
	Default Raw `json:"default,omitempty" yaml:"default,omitempty"`
	// DefaultFrom defaults the value to a field of the instance
	// (metadata.name or metadata.namespace) when no value or default is
	// set.
	DefaultFrom string `json:"defaultFrom,omitempty" yaml:"defaultFrom,omitempty"`
	// Required makes rendering fail while no value is set.
	Required bool `json:"required,omitempty" yaml:"required,omitempty"`
	// Enum lists the values allowed, when only some are.
	Enum Raws `json:"enum,omitempty" yaml:"enum,omitempty"`
	// Targets are where the value is written, in kustomize replacement
	// target syntax.
	Targets []Target `json:"targets,omitempty" yaml:"targets,omitempty"`
	// ForEach makes an array parameter generate one copy of a template
	// resource per element.
	ForEach *ForEach `json:"forEach,omitempty" yaml:"forEach,omitempty"`
}

// Target is one place a value is written: kustomize's replacement target
// (sigs.k8s.io/kustomize/api/types.TargetSelector).
type Target struct {
	// Select chooses the resources written to.
	Select *Selector `json:"select" yaml:"select"`
	// Reject removes resources from those selected.
	Reject []Selector `json:"reject,omitempty" yaml:"reject,omitempty"`
	// FieldPaths are the fields written, in kustomize path syntax
	// (spec.syncPolicies.[name=prod].kustomization.path).
	FieldPaths []string `json:"fieldPaths" yaml:"fieldPaths"`
	// Options refine how the value is written.
	Options *FieldOptions `json:"options,omitempty" yaml:"options,omitempty"`
}

// Selector selects resources, as kustomize's types.Selector: every field
// set must match (group, version, kind, name and namespace as regular
// expressions, the selectors as label selection expressions).
type Selector struct {
	// Group is the API group.
	Group string `json:"group,omitempty" yaml:"group,omitempty"`
	// Version is the API version.
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
	// Kind is the kind.
	Kind string `json:"kind,omitempty" yaml:"kind,omitempty"`
	// Name is the name in the templates (before the naming rule).
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Namespace is the namespace.
	Namespace string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	// AnnotationSelector matches the resource's annotations.
	AnnotationSelector string `json:"annotationSelector,omitempty" yaml:"annotationSelector,omitempty"`
	// LabelSelector matches the resource's labels.
	LabelSelector string `json:"labelSelector,omitempty" yaml:"labelSelector,omitempty"`
}

// FieldOptions refine how a value is written, as kustomize's
// types.FieldOptions.
type FieldOptions struct {
	// Delimiter splits the field's current value; the value replaces the
	// part at Index.
	Delimiter string `json:"delimiter,omitempty" yaml:"delimiter,omitempty"`
	// Index is the part Delimiter's split replaces.
	Index int `json:"index,omitempty" yaml:"index,omitempty"`
	// Create creates the field when the resource does not have it.
	Create bool `json:"create,omitempty" yaml:"create,omitempty"`
}

// ForEach makes an array parameter generate one copy of a template
// resource per element (e.g. one AttachedCluster per fleet member). Each
// element is an object with a name (a DNS-1123 label, unique; the copy is
// named <instance>-<name>) and the fields declared here; other keys are
// errors.
type ForEach struct {
	// Resource is the template resource copied per element; it is not
	// generated itself.
	Resource ResourceRef `json:"resource" yaml:"resource"`
	// Fields are the element's fields besides name, declared like
	// parameters; their targets select within the element's copy and are
	// written in order. defaultFrom metadata.name is the copy's generated
	// name.
	Fields []Field `json:"fields,omitempty" yaml:"fields,omitempty"`
	// References are lists each copy is appended to as
	// {name: <generated name>, kind: <kind>} (e.g. a Fleet's
	// spec.clusters), after the parameter values.
	References []Reference `json:"references,omitempty" yaml:"references,omitempty"`
}

// ResourceRef names a template resource by its kind and its
// metadata.name in the templates.
type ResourceRef struct {
	// Kind is the resource's kind.
	Kind string `json:"kind" yaml:"kind"`
	// Name is the resource's metadata.name in the templates.
	Name string `json:"name" yaml:"name"`
}

// Field is one field of a forEach element, declared like a parameter.
type Field struct {
	// Name is the element's key: a letter, then letters, digits and '_'
	// ("name" is reserved: it names the element).
	Name string `json:"name" yaml:"name"`
	// Description says what the field is for.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Type is the field's type: string (the default), integer, boolean,
	// object or array.
	Type string `json:"type,omitempty" yaml:"type,omitempty"`
	// Default is used when the element does not set the field.
	Default Raw `json:"default,omitempty" yaml:"default,omitempty"`
	// DefaultFrom defaults the field to metadata.name (the copy's
	// generated name) or metadata.namespace.
	DefaultFrom string `json:"defaultFrom,omitempty" yaml:"defaultFrom,omitempty"`
	// Required makes an element without the field an error.
	Required bool `json:"required,omitempty" yaml:"required,omitempty"`
	// Enum lists the values allowed, when only some are.
	Enum Raws `json:"enum,omitempty" yaml:"enum,omitempty"`
	// Targets are where the field is written, within the element's copy.
	Targets []Target `json:"targets,omitempty" yaml:"targets,omitempty"`
}

// Reference is a list each forEach copy is appended to.
type Reference struct {
	// Select chooses the resources that hold the list.
	Select *Selector `json:"select" yaml:"select"`
	// FieldPaths are the lists, in kustomize path syntax.
	FieldPaths []string `json:"fieldPaths" yaml:"fieldPaths"`
}

// Environment is one entry of an instance's spec.environments.
type Environment struct {
	// Name is a DNS label; the environment's resources are called
	// <instance>-<name>.
	Name string `json:"name" yaml:"name"`
	// Extends lists templates this environment adds to the instance's
	// chain (its release strategy).
	Extends []string `json:"extends,omitempty" yaml:"extends,omitempty"`
	// Values are values for this environment's resources; they override
	// the instance's.
	Values Raw `json:"values,omitempty" yaml:"values,omitempty"`
	// Resources are partial resources for this environment only.
	Resources Raws `json:"resources,omitempty" yaml:"resources,omitempty"`
	// Overlays are partial resources merged after the values, for this
	// environment only.
	Overlays Raws `json:"overlays,omitempty" yaml:"overlays,omitempty"`
}

// Output says how the generated resources are written.
type Output struct {
	// Flux is how shell $ in generated fields meets Flux post-build
	// substitution: none (the default: left as is, for kubectl and kpt),
	// escape (written $$, which Flux turns back into $) or disable
	// (resources with shell $ content are annotated
	// kustomize.toolkit.fluxcd.io/substitute: disabled).
	Flux string `json:"flux,omitempty" yaml:"flux,omitempty"`
	// Path is the file kpt writes the generated resources to, relative
	// to the package.
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
}
