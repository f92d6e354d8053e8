package e2e

import (
	"archive/tar"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestMirrorIntoPrivateRegistry proves the mirror list against real
// registries and the real copy tools (issue 13, item 6):
//
//   - a "public" OCI registry (crane registry serve, plain HTTP on
//     127.0.0.1) holds small images and an OCI Helm chart;
//   - a "private" registry (distribution's registry, TLS with a self-signed
//     CA) starts empty;
//   - kustomize runs scenario-fn on a Fleet with plugins, workloads and a
//     Flux HelmRelease; the rules' copyFrom sends the copies of the images
//     the Fleet's charts pull (docker.io, quay.io, ...) to the public
//     registry, which the test fills with a small image under each of those
//     names (the internet is out of reach);
//   - every images.txt line is copied with crane copy, every OCI chart with
//     helm pull + helm push, as the README says;
//   - then every reference in the rewritten output resolves in the private
//     registry: the workloads' images, the HelmRelease's chart and the
//     images it renders with helm template, and every image the Fleet's
//     charts render with the rewritten extraArgs (helm template of
//     testdata/registry/fleet-images, which composes images as each chart
//     does).
func TestMirrorIntoPrivateRegistry(t *testing.T) {
	crane, helm, registry := tool(t, "crane"), tool(t, "helm"), tool(t, "registry")
	tmp := t.TempDir()
	caFile, certFile, keyFile := selfSignedCA(t, tmp)
	env := append(os.Environ(), "SSL_CERT_FILE="+caFile, "HOME="+tmp, "DOCKER_CONFIG="+filepath.Join(tmp, "docker"),
		"HELM_CACHE_HOME="+filepath.Join(tmp, "helm-cache"), "HELM_CONFIG_HOME="+filepath.Join(tmp, "helm-config"),
		"HELM_DATA_HOME="+filepath.Join(tmp, "helm-data"))

	pubAddr := freeAddr(t)
	startServer(t, env, "http://"+pubAddr, crane, "registry", "serve", "--address", pubAddr)
	privPort := strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
	priv := "localhost:" + privPort
	regCfg := filepath.Join(tmp, "registry.yml")
	writeFile(t, regCfg, fmt.Sprintf(`version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: %s}}
http:
  addr: 127.0.0.1:%s
  tls: {certificate: %s, key: %s}
`, filepath.Join(tmp, "private-store"), privPort, certFile, keyFile))
	startServer(t, env, "https://"+priv, registry, "serve", regCfg)

	x := &tools{t: t, env: env, crane: crane, helm: helm}
	// The user's own images on the public registry: by tag, by digest, both.
	app := pubAddr + "/library/app:1.0"
	x.pushImage(app)
	sidecar := pubAddr + "/tools/sidecar@" + x.pushImage(pubAddr+"/tools/sidecar:1")
	probe := pubAddr + "/tools/probe:2@" + x.pushImage(pubAddr+"/tools/probe:2")
	// An OCI Helm chart.
	pkgDir := filepath.Join(tmp, "pkg")
	x.run(helm, "package", filepath.Join(repo, "e2e/testdata/registry/demo"), "-d", pkgDir)
	x.run(helm, "push", filepath.Join(pkgDir, "demo-0.1.0.tgz"), "oci://"+pubAddr+"/charts", "--plain-http")

	// The package.
	dir := filepath.Join(tmp, "package")
	writeFile(t, filepath.Join(dir, "kustomization.yaml"), "resources: [resources.yaml]\ntransformers: [registry.yaml]\n")
	up := pubAddr + "/upstream"
	writeFile(t, filepath.Join(dir, "registry.yaml"), fmt.Sprintf(`apiVersion: scenario.kurator.dev/v1alpha1
kind: ImageRegistryTransformer
metadata:
  name: private
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: %s
spec:
  rules:
  - {from: %s, to: %s/public}
  - {from: docker.io, to: %s/dockerhub, copyFrom: %s/docker.io}
  - {from: quay.io, to: %s/quay, copyFrom: %s/quay.io}
  - {from: ghcr.io, to: %s/ghcr, copyFrom: %s/ghcr.io}
  - {from: registry.k8s.io, to: %s/k8s, copyFrom: %s/registry.k8s.io}
  imagePullSecrets: [private-pull]
  mirrorList: {localConfig: false}
`, fnBinary, pubAddr, priv, priv, up, priv, up, priv, up, priv, up))
	writeFile(t, filepath.Join(dir, "resources.yaml"), fmt.Sprintf(`apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: site, namespace: default}
spec:
  clusters: [{name: member1, kind: AttachedCluster}]
  plugin:
    metric:
      thanos: {objectStoreConfig: {secretName: thanos-objstore}}
    grafana: {}
    policy:
      kyverno: {}
    flagger: {trafficRoutingProvider: kuma}
    backup:
      storage:
        secretName: backup-secret
        location: {bucket: velero, provider: aws, endpoint: "http://minio:9000", region: minio}
    distributedStorage:
      storage: {dataDirHostPath: /var/lib/rook}
    submariner:
      clusterCidrs: {member1: 10.244.0.0/16}
      serviceCidrs: {member1: 10.96.0.0/16}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      initContainers: [{name: probe, image: "%s"}]
      containers: [{name: app, image: "%s"}]
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: shop}
spec: {type: oci, url: "oci://%s/charts", interval: 1h}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: demo, namespace: shop}
spec:
  interval: 1h
  chart: {spec: {chart: demo, version: 0.1.0, sourceRef: {kind: HelmRepository, name: charts}}}
  values:
    image: {registry: "%s", repository: library/app, tag: "1.0"}
    sidecar: {image: "%s"}
`, probe, app, pubAddr, pubAddr, sidecar))

	out := kustomizeBuild(t, dir)
	objs := map[string]*yaml.RNode{}
	for _, o := range parse(t, out) {
		objs[o.GetKind()+" "+o.GetName()] = o
	}
	validateKurator(t, []*yaml.RNode{objs["Fleet site"]})
	mirror := objs["ConfigMap mirror-list"]
	if mirror == nil {
		t.Fatalf("no mirror list in the output:\n%s", out)
	}
	data := mirror.GetDataMap()
	if strings.Contains(out, "docker.io/") && strings.Contains(mirrorlessOutput(out), pubAddr) {
		t.Errorf("a public reference is left in the rewritten resources")
	}

	// Fill the public registry with what the Fleet's charts pull (under
	// copyFrom); the user's own images must already be there.
	images := lines(data["images.txt"])
	if len(images) < 30 {
		t.Fatalf("images.txt names %d images, want every image of the Fleet's charts:\n%s", len(images), data["images.txt"])
	}
	for _, l := range images {
		src, _, _ := strings.Cut(l, " ")
		switch {
		case strings.HasPrefix(src, up+"/"):
			x.pushImage(src)
		case !strings.HasPrefix(src, pubAddr+"/"):
			t.Errorf("images.txt copies %s from outside the public registry", src)
		}
	}
	for _, l := range lines(data["registries.txt"]) {
		f := strings.Fields(l)
		if len(f) >= 2 && strings.Contains(l, "Kubernetes version") {
			// velero's kubectl: the tag is the member's Kubernetes version
			x.pushImage(f[0] + ":1.25")
			images = append(images, f[0]+":1.25 "+f[1]+":1.25")
		}
	}
	t.Logf("images.txt: %d images to copy", len(images))
	// Copy, as the README says.
	for _, l := range images {
		f := strings.Fields(l)
		x.run(crane, "copy", f[0], f[1])
	}
	copied := 0
	for _, l := range lines(data["charts.txt"]) {
		f := strings.Fields(l)
		if !strings.HasPrefix(f[0], "oci://"+pubAddr+"/") {
			continue // the Fleet's default chart repositories are on the internet
		}
		pulled := filepath.Join(tmp, "pulled")
		if err := os.MkdirAll(pulled, 0o755); err != nil {
			t.Fatal(err)
		}
		x.run(helm, "pull", f[0]+"/"+f[1], "--version", f[2], "--plain-http", "-d", pulled)
		x.run(helm, "push", filepath.Join(pulled, f[1]+"-"+f[2]+".tgz"), f[3], "--ca-file", caFile)
		copied++
	}
	if copied != 1 {
		t.Errorf("%d OCI charts copied, want the demo chart:\n%s", copied, data["charts.txt"])
	}

	// Every target of the list resolves in the private registry, over TLS.
	for _, l := range images {
		dst := strings.Fields(l)[1]
		if !strings.HasPrefix(dst, priv+"/") {
			t.Errorf("target %s is not on the private registry", dst)
		}
		x.resolves(dst)
	}
	// The workloads' images.
	dep := objs["Deployment web"].MustString()
	for _, img := range regexp.MustCompile(`image: "?([^"\s]+)`).FindAllStringSubmatch(dep, -1) {
		if !strings.HasPrefix(img[1], priv+"/public/") {
			t.Errorf("Deployment image %s is not on the private registry", img[1])
		}
		x.resolves(img[1])
	}
	// The HelmRelease: its chart from the rewritten HelmRepository, rendered
	// with its rewritten values.
	hrepo := field(t, objs["HelmRepository charts"], "spec", "url")
	values := filepath.Join(tmp, "demo-values.yaml")
	writeFile(t, values, field(t, objs["HelmRelease demo"], "spec", "values"))
	pulled := filepath.Join(tmp, "private-pull")
	if err := os.MkdirAll(pulled, 0o755); err != nil {
		t.Fatal(err)
	}
	x.run(helm, "pull", strings.Trim(hrepo, `"'`)+"/demo", "--version", "0.1.0", "--ca-file", caFile, "-d", pulled)
	rendered := x.run(helm, "template", "demo", filepath.Join(pulled, "demo-0.1.0.tgz"), "-f", values)
	x.allImagesResolve("demo chart", rendered, priv, 2)

	// The Fleet's charts, rendered with each plugin's rewritten extraArgs.
	fleet := objs["Fleet site"]
	plugin := func(path ...string) string {
		n, err := fleet.Pipe(yaml.Lookup(append([]string{"spec", "plugin"}, append(path, "extraArgs")...)...))
		if err != nil || n == nil {
			t.Fatalf("the Fleet has no extraArgs at %v", path)
		}
		return n.MustString()
	}
	var vals strings.Builder
	for _, r := range []struct {
		key  string
		path []string
	}{
		{"thanos", []string{"metric", "thanos"}}, {"prometheus", []string{"metric", "prometheus"}}, {"grafana", []string{"grafana"}},
		{"kyverno", []string{"policy", "kyverno"}}, {"flagger", []string{"flagger"}}, {"kuma", []string{"flagger", "config"}},
		{"velero", []string{"backup"}}, {"rook", []string{"distributedStorage"}}, {"submariner", []string{"submariner"}},
	} {
		vals.WriteString(r.key + ":\n")
		for _, l := range strings.Split(strings.TrimRight(plugin(r.path...), "\n"), "\n") {
			vals.WriteString("  " + l + "\n")
		}
	}
	fleetValues := filepath.Join(tmp, "fleet-values.yaml")
	writeFile(t, fleetValues, vals.String())
	rendered = x.run(helm, "template", "fleet", filepath.Join(repo, "e2e/testdata/registry/fleet-images"), "-f", fleetValues)
	// thanos 1, prometheus 3, grafana 1, kyverno 7, flagger 1, kuma 5,
	// velero 3, rook 8, submariner 6
	x.allImagesResolve("Fleet charts", rendered, priv, 35)
}

// mirrorlessOutput is the output without the mirror list, whose sources
// name the public registry on purpose.
func mirrorlessOutput(out string) string {
	var keep []string
	for _, doc := range strings.Split(out, "\n---\n") {
		if !strings.Contains(doc, "name: mirror-list") {
			keep = append(keep, doc)
		}
	}
	return strings.Join(keep, "\n---\n")
}

type tools struct {
	t           *testing.T
	env         []string
	crane, helm string
	pushed      int
}

func (x *tools) run(name string, args ...string) string {
	x.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = x.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		x.t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// pushImage pushes a one-layer image with unique content and returns its
// digest.
func (x *tools) pushImage(ref string) string {
	x.t.Helper()
	x.pushed++
	layer := filepath.Join(x.t.TempDir(), "layer.tar")
	writeTar(x.t, layer, "hello.txt", fmt.Sprintf("image %d: %s\n", x.pushed, ref))
	x.run(x.crane, "append", "-f", layer, "-t", ref)
	return strings.TrimSpace(x.run(x.crane, "digest", ref))
}

// resolves checks that ref's manifest is in the registry.
func (x *tools) resolves(ref string) {
	x.t.Helper()
	cmd := exec.Command(x.crane, "manifest", ref)
	cmd.Env = x.env
	if out, err := cmd.CombinedOutput(); err != nil {
		x.t.Errorf("%s does not resolve: %v\n%s", ref, err, out)
	}
}

// allImagesResolve checks every image: line of rendered manifests.
func (x *tools) allImagesResolve(what, rendered, priv string, want int) {
	x.t.Helper()
	var imgs []string
	for _, m := range regexp.MustCompile(`image: "?([^"\s}]+)`).FindAllStringSubmatch(rendered, -1) {
		imgs = append(imgs, m[1])
	}
	sort.Strings(imgs)
	if len(imgs) != want {
		x.t.Errorf("%s rendered %d images, want %d:\n%s", what, len(imgs), want, strings.Join(imgs, "\n"))
	}
	for _, img := range imgs {
		if !strings.HasPrefix(img, priv+"/") {
			x.t.Errorf("%s: image %s is not on the private registry", what, img)
			continue
		}
		x.resolves(img)
	}
}

// tool finds a pinned tool in ./bin (make e2e-tools installs them), or
// skips loudly.
func tool(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(repo, "bin", name)
	if _, err := os.Stat(p); err != nil {
		fmt.Fprintf(os.Stderr, "\n*** e2e: %s is NOT installed in ./bin: the real-registry test is SKIPPED (run make e2e-tools) ***\n\n", name)
		t.Skipf("SKIPPED: %s not in ./bin (make e2e-tools installs it)", name)
	}
	return p
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServer runs a registry until the test ends, waiting for /v2/.
func startServer(t *testing.T, env []string, base, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // readiness probe only
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := client.Get(base + "/v2/"); err == nil {
			resp.Body.Close()
			return
		}
	}
	t.Fatalf("%s did not start:\n%s", filepath.Base(name), logs.String())
}

// selfSignedCA writes a CA and a server certificate for localhost and
// 127.0.0.1 signed by it.
func selfSignedCA(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "scenario-fn e2e CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	writeFile(t, caFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})))
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	return caFile, certFile, keyFile
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// writeTar writes a tar archive with one file: an image layer.
func writeTar(t *testing.T, p, name, content string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, buf.String())
}
