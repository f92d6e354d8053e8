package v1alpha1

// Group, version and kinds of the function's configuration.
const (
	// Group is the API group of every kind in this package.
	Group = "scenario.kurator.dev"
	// Version is this package's API version.
	Version = "v1alpha1"
	// GroupVersion is the apiVersion of the kinds: scenario.kurator.dev/v1alpha1.
	GroupVersion = Group + "/" + Version

	// ScenarioTemplateKind is the kind of templates and instances.
	ScenarioTemplateKind = "ScenarioTemplate"
	// ImageRegistryTransformerKind is the kind of the image registry
	// transformer's functionConfig.
	ImageRegistryTransformerKind = "ImageRegistryTransformer"
)
