// Package argocd runs examples/argocd through Argo CD's own code: the
// cmp-server (cmpserver.NewServer, the gRPC server of the argocd-cmp-server
// sidecar) serving examples/argocd/plugin.yaml on a unix socket, and the
// repo-server's client side (repository.GenerateManifests, which detects
// the plugin, streams the repository to it and reads its manifests;
// discovery and the parameters stream as the repo-server's app details do).
// It is its own module: argo-cd's dependency graph does not fit the
// project's.
//
// argo-cd is pinned to v3.2.12, the newest release that builds from the Go
// module proxy: v3.3.0 and later require gitops-engine at a pseudo-version
// the proxy does not serve (their own go.mod replaces it with a directory of
// the argo-cd repository, which a dependent module cannot use). The
// cmp-server code of v3.5.1 differs from v3.2.12's only in that import path
// and one error message.
package argocd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/argoproj/argo-cd/v3/cmpserver"
	"github.com/argoproj/argo-cd/v3/cmpserver/plugin"
	"github.com/argoproj/argo-cd/v3/common"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	repoclient "github.com/argoproj/argo-cd/v3/reposerver/apiclient"
	"github.com/argoproj/argo-cd/v3/reposerver/repository"
	"github.com/argoproj/argo-cd/v3/util/app/discovery"
	"github.com/argoproj/argo-cd/v3/util/cmp"
	utilio "github.com/argoproj/argo-cd/v3/util/io"
	log "github.com/sirupsen/logrus"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

var repo string // the scenario-fn repository

func TestMain(m *testing.M) {
	var err error
	if repo, err = filepath.Abs("../.."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The plugin's commands name scenario-fn; the cmp-server finds it in
	// its PATH, as in the sidecar image. Always the binary of this checkout.
	bin := filepath.Join(repo, "bin")
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(bin, "scenario-fn"), ".")
	build.Dir, build.Stdout, build.Stderr = repo, os.Stderr, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "argocd e2e: building scenario-fn: %v\n", err)
		os.Exit(1)
	}
	os.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	log.SetLevel(log.WarnLevel)
	os.Exit(m.Run())
}

// startCMPServer serves examples/argocd/plugin.yaml with argo-cd's
// cmp-server on a socket in a fresh directory, the way argocd-cmp-server
// does (Run = listen on cfg.Address() + CreateGRPC + Serve).
func startCMPServer(t *testing.T) *plugin.PluginConfig {
	t.Helper()
	// Socket paths must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "cmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Setenv(common.EnvPluginSockFilePath, filepath.Join(dir, "plugins"))
	t.Setenv(common.EnvCMPWorkDir, filepath.Join(dir, "tmp"))
	for _, d := range []string{"plugins", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := plugin.ReadPluginConfig(filepath.Join(repo, "examples", "argocd"))
	if err != nil {
		t.Fatalf("argo-cd does not accept plugin.yaml: %v", err)
	}
	srv, err := cmpserver.NewServer(plugin.CMPServerInitConstants{PluginConfig: *cfg})
	if err != nil {
		t.Fatal(err)
	}
	grpcServer, err := srv.CreateGRPC()
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("unix", cfg.Address())
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = grpcServer.Serve(lis) }()
	t.Cleanup(grpcServer.Stop)
	return cfg
}

// checkout is the repo-server's copy of the repository: the files of the
// examples directory, in a fresh directory.
func checkout(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join(repo, "examples")
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repo, p)
		target := filepath.Join(root, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func loadApplication(t *testing.T) *v1alpha1.Application {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "examples", "argocd", "application.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var app v1alpha1.Application
	if err := yaml.UnmarshalStrict(b, &app); err != nil {
		t.Fatalf("application.yaml is not an Argo CD Application: %v", err)
	}
	return &app
}

const revision = "0123456789abcdef0123456789abcdef01234567"

// TestGenerateThroughArgoCD: repository.GenerateManifests, the repo-server's
// manifest generation, renders examples/argocd/application.yaml with the
// plugin and returns exactly the objects of examples/argocd/expected.yaml.
func TestGenerateThroughArgoCD(t *testing.T) {
	cfg := startCMPServer(t)
	app := loadApplication(t)
	if app.Spec.Source.Plugin == nil || app.Spec.Source.Plugin.Name != cfg.Metadata.Name {
		t.Fatalf("application.yaml must name the plugin %q", cfg.Metadata.Name)
	}
	root := checkout(t)
	appPath := filepath.Join(root, app.Spec.Source.Path)
	q := &repoclient.ManifestRequest{
		Repo:              &v1alpha1.Repository{Repo: app.Spec.Source.RepoURL},
		Revision:          revision,
		AppName:           app.Name,
		Namespace:         app.Spec.Destination.Namespace,
		ProjectName:       app.Spec.Project,
		ApplicationSource: app.Spec.Source,
		KubeVersion:       "1.32.4",
		ApiVersions:       []string{"v1", "apps/v1", "apps.kurator.dev/v1alpha1", "pipeline.kurator.dev/v1alpha1"},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // the repo-server's default
	defer cancel()
	res, err := repository.GenerateManifests(ctx, appPath, root, revision, q, false, nil,
		resource.MustParse("0"), utilio.NewRandomizedTempPaths(t.TempDir()))
	if err != nil {
		t.Fatalf("Argo CD's manifest generation failed: %v", err)
	}
	if res.SourceType != string(v1alpha1.ApplicationSourceTypePlugin) {
		t.Errorf("source type %q, want Plugin", res.SourceType)
	}

	expected, err := os.ReadFile(filepath.Join(repo, "examples", "argocd", "expected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, doc := range strings.Split(string(expected), "\n---\n") {
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, canonical(t, string(j)))
	}
	var got []string
	for _, m := range res.Manifests {
		got = append(got, canonical(t, m))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Argo CD got other manifests than expected.yaml:\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, m := range res.Manifests {
		if strings.Contains(m, "smoke-report") && !strings.Contains(m, `${CLUSTER:-unknown}`) {
			t.Errorf("the Pipeline's script lost ${CLUSTER:-unknown}: %s", m)
		}
	}
}

// canonical re-marshals a JSON object (sorted keys).
func canonical(t *testing.T, s string) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestParametersThroughArgoCD: the announcements Argo CD's UI gets, read
// as the repo-server reads them for app details (discovery, then the
// parameters stream): one per parameter of the instance's chain, typed,
// with the template's description and the instance's values.
func TestParametersThroughArgoCD(t *testing.T) {
	startCMPServer(t)
	app := loadApplication(t)
	root := checkout(t)
	appPath := filepath.Join(root, app.Spec.Source.Path)
	env := []string{
		"ARGOCD_APP_NAME=" + app.Name,
		"ARGOCD_APP_SOURCE_REPO_URL=" + app.Spec.Source.RepoURL,
		"ARGOCD_APP_SOURCE_PATH=" + app.Spec.Source.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION=" + app.Spec.Source.TargetRevision,
	}
	for _, e := range app.Spec.Source.Plugin.Env {
		env = append(env, "ARGOCD_ENV_"+e.Name+"="+e.Value)
	}
	params, err := app.Spec.Source.Plugin.Parameters.Environ()
	if err != nil {
		t.Fatal(err)
	}
	env = append(env, params...)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, client, err := discovery.DetectConfigManagementPlugin(ctx, appPath, root, app.Spec.Source.Plugin.Name, env, nil)
	if err != nil {
		t.Fatalf("Argo CD's discovery did not find the plugin for %s: %v", app.Spec.Source.Path, err)
	}
	defer utilio.Close(conn)
	stream, err := client.GetParametersAnnouncement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmp.SendRepoStream(stream.Context(), appPath, root, stream, env, nil); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatalf("parameter announcement failed: %v", err)
	}
	by := map[string]*repoclient.ParameterAnnouncement{}
	var names []string
	for _, a := range resp.ParameterAnnouncements {
		by[a.Name] = a
		names = append(names, a.Name)
	}
	sort.Strings(names)
	// The chain's parameters, as the CLI lists them.
	out, err := exec.Command(filepath.Join(repo, "bin", "scenario-fn"), "templates", "show", "web-service").Output()
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	inTable := false
	for _, line := range strings.Split(string(out), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) > 0 && fields[0] == "NAME":
			inTable = true
		case inTable && len(fields) == 0:
			inTable = false
		case inTable:
			declared = append(declared, fields[0])
		}
	}
	sort.Strings(declared)
	if len(declared) == 0 || !reflect.DeepEqual(names, declared) {
		t.Fatalf("announced %v, web-service declares %v", names, declared)
	}
	if a := by["replicas"]; a.ItemType != "number" || a.String_ != "2" || a.Title != "Replicas of the Deployment." {
		t.Errorf("replicas: %+v", a)
	}
	if a := by["tag"]; a.String_ != app.Spec.Source.Plugin.Env[0].Value {
		t.Errorf("tag: %+v, want the plugin env value %s", a, app.Spec.Source.Plugin.Env[0].Value)
	}
	if a := by["resources"]; !json.Valid([]byte(a.String_)) {
		t.Errorf("resources: %+v, want JSON text", a)
	}

	// Discovery does not claim a directory without an instance.
	other := filepath.Join(root, "examples", "flux", "rendered")
	if conn, _, err := discovery.DetectConfigManagementPlugin(ctx, other, root, app.Spec.Source.Plugin.Name, env, nil); err == nil {
		utilio.Close(conn)
		t.Error("the plugin claims examples/flux/rendered, which holds no instance")
	}
}

// TestGenerateFailureReachesArgoCD: a failing render fails Argo CD's
// manifest generation with scenario-fn's message, never an empty list.
func TestGenerateFailureReachesArgoCD(t *testing.T) {
	startCMPServer(t)
	app := loadApplication(t)
	app.Spec.Source.Plugin.Env = append(app.Spec.Source.Plugin.Env, &v1alpha1.EnvEntry{Name: "tga", Value: "v2"})
	root := checkout(t)
	q := &repoclient.ManifestRequest{
		Repo: &v1alpha1.Repository{Repo: app.Spec.Source.RepoURL}, Revision: revision, AppName: app.Name,
		Namespace: app.Spec.Destination.Namespace, ApplicationSource: app.Spec.Source, KubeVersion: "1.32.4",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var logs bytes.Buffer
	log.SetOutput(&logs)
	defer log.SetOutput(os.Stderr)
	res, err := repository.GenerateManifests(ctx, filepath.Join(root, app.Spec.Source.Path), root, revision, q, false, nil,
		resource.MustParse("0"), utilio.NewRandomizedTempPaths(t.TempDir()))
	if err == nil {
		t.Fatalf("generation succeeded with an unknown parameter: %v", res.Manifests)
	}
	if !strings.Contains(err.Error(), `unknown parameter "tga"`) || !strings.Contains(err.Error(), `did you mean "tag"?`) {
		t.Errorf("Argo CD's error does not carry scenario-fn's message: %v", err)
	}
}

// TestGenerate100InstancesThroughArgoCD: Argo CD's whole path (the
// repository streamed to the cmp-server as a tarball, unpacked, generate,
// the manifests parsed back) for 100 instances, under the repo-server's
// default 60 s deadline.
func TestGenerate100InstancesThroughArgoCD(t *testing.T) {
	startCMPServer(t)
	app := loadApplication(t)
	root := t.TempDir()
	instance, err := os.ReadFile(filepath.Join(repo, "examples", "argocd", "app", "orders.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	appPath := filepath.Join(root, "apps")
	for i := 0; i < 100; i++ {
		dir := filepath.Join(appPath, fmt.Sprintf("team-%d", i%10))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("svc-%03d", i)
		text := strings.Replace(string(instance), "name: orders", "name: "+name, 1)
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := app.Spec.Source.DeepCopy()
	src.Path = "apps"
	q := &repoclient.ManifestRequest{
		Repo: &v1alpha1.Repository{Repo: src.RepoURL}, Revision: revision, AppName: app.Name,
		Namespace: app.Spec.Destination.Namespace, ApplicationSource: src, KubeVersion: "1.32.4",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	res, err := repository.GenerateManifests(ctx, appPath, root, revision, q, false, nil,
		resource.MustParse("0"), utilio.NewRandomizedTempPaths(t.TempDir()))
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("Argo CD's manifest generation failed after %v: %v", elapsed, err)
	}
	t.Logf("Argo CD generated %d manifests for 100 instances in %v (deadline 60 s)", len(res.Manifests), elapsed.Round(time.Millisecond))
	if len(res.Manifests) != 200 {
		t.Errorf("got %d manifests, want 200", len(res.Manifests))
	}
}
