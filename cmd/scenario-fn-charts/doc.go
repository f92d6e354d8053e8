// Command scenario-fn-charts lists, exactly, the images the charts of a
// Kurator Fleet pull: it renders the chart archives you pulled with Helm's
// own engine and the values Kurator gives each release (Kurator's default
// values, then the Fleet's extraArgs), and compares the images with the
// list scenario-fn's ImageRegistryTransformer has built in. Use it for
// charts the built-in list does not know: a version range (flagger 1.x,
// ingress-nginx 4.x), your own chart override, a newer version.
//
//	helm pull oci://registry-1.docker.io/bitnamicharts/thanos --version 12.5.1 -d charts/
//	scenario-fn-charts --charts charts/ fleet.yaml
//
// It is a separate binary so that Helm's engine and its dependencies stay
// out of the scenario-fn function.
package main
