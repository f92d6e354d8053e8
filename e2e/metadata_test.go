package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// metadata.yaml (the kpt function catalog's entry) points at this module,
// at example packages that exist, and claims the licence LICENSE holds, as
// the image's label does.
func TestCatalogMetadata(t *testing.T) {
	var md struct {
		Image              string   `yaml:"image"`
		Description        string   `yaml:"description"`
		Tags               []string `yaml:"tags"`
		SourceURL          string   `yaml:"sourceURL"`
		ExamplePackageURLs []string `yaml:"examplePackageURLs"`
		License            string   `yaml:"license"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, filepath.Join(repo, "metadata.yaml"))), &md); err != nil {
		t.Fatal(err)
	}
	module := regexp.MustCompile(`(?m)^module (\S+)$`).FindStringSubmatch(readFile(t, filepath.Join(repo, "go.mod")))[1]
	if md.SourceURL != "https://"+module || !strings.HasPrefix(md.Image, "ghcr.io/") || md.Description == "" || len(md.Tags) == 0 {
		t.Errorf("metadata.yaml: %+v (module %s)", md, module)
	}
	if len(md.ExamplePackageURLs) == 0 {
		t.Error("metadata.yaml lists no example packages")
	}
	for _, u := range md.ExamplePackageURLs {
		rel, ok := strings.CutPrefix(u, md.SourceURL+"/tree/main/")
		if !ok {
			t.Errorf("example %s is not in %s", u, md.SourceURL)
			continue
		}
		dir := filepath.Join(repo, filepath.FromSlash(rel))
		_, kptfile := os.Stat(filepath.Join(dir, "Kptfile"))
		_, kustomization := os.Stat(filepath.Join(dir, "kustomization.yaml"))
		if kptfile != nil && kustomization != nil {
			t.Errorf("example %s: %s is no kpt or kustomize package", u, dir)
		}
	}
	if md.License != "Apache-2.0" || !strings.Contains(readFile(t, filepath.Join(repo, "LICENSE")), "Apache License\n                           Version 2.0") {
		t.Errorf("license %q, LICENSE does not hold the Apache License 2.0", md.License)
	}
	if !strings.Contains(readFile(t, filepath.Join(repo, "Dockerfile")), `org.opencontainers.image.licenses="`+md.License+`"`) {
		t.Error("the image label claims another licence than metadata.yaml")
	}
}
