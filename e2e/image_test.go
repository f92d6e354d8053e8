package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// containerEngine is podman or buildah (both build offline FROM scratch);
// Docker needs a daemon these machines do not have.
func containerEngine(t *testing.T) string {
	t.Helper()
	for _, e := range []string{"podman", "buildah"} {
		if _, err := exec.LookPath(e); err == nil {
			return e
		}
	}
	t.Skip("SKIPPED: neither podman nor buildah is installed (apt-get install podman; .ci/run does): `make image` is NOT tested here")
	return ""
}

type ociDescriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Platform  *struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
	} `json:"platform"`
}

// `make image` with Podman (or Buildah), offline: a manifest list for
// linux/amd64 and linux/arm64, each image FROM scratch with only the static
// binary for its architecture and a passwd entry for user 65532, running as
// that user, with the OCI labels. The image is exported to an OCI layout
// and read file by file; the host architecture's binary from the image then
// renders the quickstart.
func TestImage(t *testing.T) {
	engine := containerEngine(t)
	const image = "localhost/scenario-fn-e2e:test"
	commit := strings.TrimSpace(run(t, repo, "git", "rev-parse", "HEAD"))
	defer func() { _, _, _ = runErr(repo, engine, "manifest", "rm", image) }()
	out, stderr, err := runErr(repo, "make", "image", "CONTAINER_ENGINE="+engine, "IMAGE="+image, "VERSION=v0.0.0-e2e")
	if err != nil {
		t.Fatalf("make image CONTAINER_ENGINE=%s: %v\n%s\n%s", engine, err, out, stderr)
	}
	layout := t.TempDir()
	push := []string{"manifest", "push", "--all", image, "oci:" + layout}
	run(t, repo, engine, push...)

	blob := func(digest string) []byte {
		b, err := os.ReadFile(filepath.Join(layout, "blobs", strings.Replace(digest, ":", "/", 1)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var index struct{ Manifests []ociDescriptor }
	if err := json.Unmarshal(readBytes(t, filepath.Join(layout, "index.json")), &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("index.json: %v %+v", err, index)
	}
	var list struct{ Manifests []ociDescriptor }
	if err := json.Unmarshal(blob(index.Manifests[0].Digest), &list); err != nil {
		t.Fatal(err)
	}
	var arches []string
	for _, m := range list.Manifests {
		if m.Platform == nil || m.Platform.OS != "linux" {
			t.Fatalf("manifest without a linux platform: %+v", m)
		}
		arch := m.Platform.Architecture
		arches = append(arches, arch)
		var manifest struct {
			Config ociDescriptor
			Layers []ociDescriptor
		}
		if err := json.Unmarshal(blob(m.Digest), &manifest); err != nil {
			t.Fatal(err)
		}
		var config struct {
			Architecture string
			Config       struct {
				User       string
				Entrypoint []string
				Labels     map[string]string
			}
		}
		if err := json.Unmarshal(blob(manifest.Config.Digest), &config); err != nil {
			t.Fatal(err)
		}
		c := config.Config
		if config.Architecture != arch || c.User != "65532:65532" || !slices.Equal(c.Entrypoint, []string{"/usr/local/bin/scenario-fn"}) {
			t.Errorf("%s: architecture %s, user %q, entrypoint %q", arch, config.Architecture, c.User, c.Entrypoint)
		}
		for k, want := range map[string]string{
			"org.opencontainers.image.source":   "https://github.com/kurator-scenario/scenario-fn",
			"org.opencontainers.image.version":  "v0.0.0-e2e",
			"org.opencontainers.image.revision": commit,
			"org.opencontainers.image.licenses": "Apache-2.0",
		} {
			if c.Labels[k] != want {
				t.Errorf("%s: label %s = %q, want %q", arch, k, c.Labels[k], want)
			}
		}
		files := map[string][]byte{}
		for _, l := range manifest.Layers {
			for name, data := range layerFiles(t, blob(l.Digest)) {
				files[name] = data
			}
		}
		var names []string
		for n := range files {
			names = append(names, n)
		}
		slices.Sort(names)
		if want := []string{"etc/group", "etc/passwd", "usr/local/bin/scenario-fn"}; !slices.Equal(names, want) {
			t.Errorf("%s: the image holds %v, want only %v", arch, names, want)
		}
		if !strings.Contains(string(files["etc/passwd"]), "nonroot:x:65532:65532:") {
			t.Errorf("%s: /etc/passwd has no user 65532:\n%s", arch, files["etc/passwd"])
		}
		bin := filepath.Join(t.TempDir(), "scenario-fn")
		if err := os.WriteFile(bin, files["usr/local/bin/scenario-fn"], 0o755); err != nil {
			t.Fatal(err)
		}
		checkBinaryFormat(t, bin, "linux", arch)
		if arch == runtime.GOARCH {
			in := readFile(t, filepath.Join(repo, "examples", "quickstart", "orders.yaml"))
			rl := resourceList(in, nil)
			cmd := exec.Command(bin)
			cmd.Dir = t.TempDir()
			cmd.Stdin = strings.NewReader(rl)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil || !strings.Contains(stdout.String(), "kind: Application") ||
				!strings.Contains(stdout.String(), "ghcr.io/acme/orders:v1.4.2") {
				t.Errorf("the image's binary: %v\n%s\n%s", err, stdout.String(), stderr.String())
			}
			v := run(t, repo, bin, "version")
			if !strings.HasPrefix(v, "scenario-fn v0.0.0-e2e (commit "+commit) {
				t.Errorf("the image's binary says %q", v)
			}
		}
	}
	slices.Sort(arches)
	if !slices.Equal(arches, []string{"amd64", "arm64"}) {
		t.Errorf("the manifest list has %v, want amd64 and arm64", arches)
	}

	// Running it needs a container runtime that may set rlimits and
	// namespaces; sandboxes (like the one these tests were written in)
	// refuse that.
	if engine == "podman" {
		rl := resourceList(readFile(t, filepath.Join(repo, "examples", "quickstart", "orders.yaml")), nil)
		cmd := exec.Command("podman", "run", "--rm", "-i", "--read-only", "--network", "none", "--cap-drop", "ALL", image)
		cmd.Stdin = strings.NewReader(rl)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			if strings.Contains(stderr.String(), "OCI permission denied") || strings.Contains(stderr.String(), "Operation not permitted") {
				t.Logf("SKIPPED: podman run is not permitted on this machine (%s): the image's files were checked, the container was NOT run",
					strings.TrimSpace(stderr.String()))
				return
			}
			t.Fatalf("podman run: %v\n%s", err, stderr.String())
		}
		if !strings.Contains(stdout.String(), "ghcr.io/acme/orders:v1.4.2") {
			t.Errorf("podman run:\n%s", stdout.String())
		}
	}
}

func readBytes(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// layerFiles lists the regular files of a (gzip'd or plain) layer tar.
func layerFiles(t *testing.T, layer []byte) map[string][]byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(layer)
	if len(layer) > 2 && layer[0] == 0x1f && layer[1] == 0x8b {
		gz, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	tr := tar.NewReader(r)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(h.Name, "./")] = data
	}
}
