// Package transformers holds scenario-fn's transformers. ImageRegistry
// (functionConfig kind ImageRegistryTransformer) rewrites every image and
// Helm chart reference it knows to a private registry, for air-gapped
// Kurator installs: pod templates of every workload kind, user fieldSpecs,
// Kurator Fleet plugin charts and their extraArgs values, Application
// sources, kustomize images and Helm values, Pipeline task images, and Flux
// HelmRepository, OCIRepository and HelmRelease. It also reports the mirror
// list: every source -> target pair it saw plus the images Kurator's
// controllers pull on their own, as info results and optionally as a
// ConfigMap. README.md documents the configuration and every location.
package transformers
