package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/distribution/reference"
	"github.com/kurator-scenario/scenario-fn/transformers"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scenario-fn-charts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	charts := fs.String("charts", "", "directory holding the chart archives (`helm pull ... -d DIR`): NAME-VERSION.tgz")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: scenario-fn-charts --charts DIR FILE... (FILE - reads stdin)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *charts == "" || fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	failed := false
	for _, file := range fs.Args() {
		fleets, err := readFleets(file, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "error: %s: %v\n", file, err)
			failed = true
			continue
		}
		for _, f := range fleets {
			if !listFleet(file, f, *charts, stdout, stderr) {
				failed = true
			}
		}
	}
	if failed {
		return 1
	}
	return 0
}

func readFleets(file string, stdin io.Reader) ([]*kyaml.RNode, error) {
	var in io.Reader = stdin
	if file != "-" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		in = bytes.NewReader(b)
	}
	items, err := (&kio.ByteReader{Reader: in, OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, err
	}
	var out []*kyaml.RNode
	for _, it := range items {
		if it.GetKind() == "Fleet" && strings.HasPrefix(it.GetApiVersion(), "fleet.kurator.dev/") {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no Fleet (fleet.kurator.dev) in the file")
	}
	return out, nil
}

// listFleet prints the images of every release of one Fleet.
func listFleet(file string, fleet *kyaml.RNode, dir string, stdout, stderr io.Writer) bool {
	ok := true
	id := fleet.GetNamespace() + "/" + fleet.GetName()
	provider, _ := fleet.Pipe(kyaml.Lookup("spec", "plugin", "backup", "storage", "location", "provider"))
	for _, r := range transformers.FleetReleases(fleet) {
		where := fmt.Sprintf("%s: Fleet %s: %s (chart %s %s)", file, id, r.Component, r.Name, r.Version)
		archive, err := findArchive(dir, r.Name, r.Version)
		if err != nil {
			fmt.Fprintf(stderr, "error: %s: %v\n", where, err)
			ok = false
			continue
		}
		values, err := releaseValues(r, provider)
		if err != nil {
			fmt.Fprintf(stderr, "error: %s: values: %v\n", where, err)
			ok = false
			continue
		}
		images, err := renderImages(archive, r.Component, values)
		if err != nil {
			fmt.Fprintf(stderr, "error: %s: rendering %s: %v\n", where, archive, err)
			ok = false
			continue
		}
		fmt.Fprintf(stdout, "# Fleet %s, release %s: %s (%s)\n", id, r.Component, filepath.Base(archive), r.Repository)
		listed := map[string]bool{}
		for _, l := range r.Listed {
			listed[normalise(l)] = true
		}
		for _, img := range images {
			switch {
			case listed[img]:
				fmt.Fprintln(stdout, img)
			case r.TableVersion == "":
				fmt.Fprintln(stdout, img+"  # the built-in list has no entry for this release")
			default:
				fmt.Fprintf(stdout, "%s  # not in scenario-fn's built-in list (it assumes %s %s): mirror it too\n", img, r.Name, r.TableVersion)
			}
			delete(listed, img)
		}
		var stale []string
		for l := range listed {
			stale = append(stale, l)
		}
		sort.Strings(stale)
		for _, l := range stale {
			fmt.Fprintf(stdout, "# listed by scenario-fn but not rendered by this chart: %s (operator-deployed, disabled, or another version)\n", l)
		}
	}
	return ok
}

// findArchive returns DIR/NAME-VERSION.tgz, or for a version range the
// only DIR/NAME-*.tgz.
func findArchive(dir, name, version string) (string, error) {
	p := filepath.Join(dir, name+"-"+version+".tgz")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob(filepath.Join(dir, name+"-*.tgz"))
	var fit []string
	for _, m := range matches {
		v := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), name+"-"), ".tgz")
		if v != "" && (v[0] >= '0' && v[0] <= '9') && inRange(v, version) {
			fit = append(fit, m)
		}
	}
	switch len(fit) {
	case 1:
		return fit[0], nil
	case 0:
		return "", fmt.Errorf("no chart archive %s in %s: helm pull the chart with --version %s -d %s", filepath.Base(p), dir, version, dir)
	}
	return "", fmt.Errorf("several archives match %s %s in %s (%s): keep the one helm installs", name, version, dir, strings.Join(fit, ", "))
}

// inRange accepts the "1.x" / "4.x" / "*" ranges Kurator writes.
func inRange(v, rng string) bool {
	switch {
	case rng == "*" || rng == "":
		return true
	case strings.HasSuffix(rng, ".x"):
		return strings.HasPrefix(v, strings.TrimSuffix(rng, "x"))
	}
	return v == rng
}

// releaseValues are Kurator's default values with the Fleet's extraArgs
// merged over them (maps merge, everything else is replaced: the user
// wins, as in Kurator's MergeMaps).
func releaseValues(r transformers.FleetRelease, provider *kyaml.RNode) (map[string]any, error) {
	vals := map[string]any{}
	if d := kuratorValues[r.Component]; d != "" {
		if err := sigsyaml.Unmarshal([]byte(d), &vals); err != nil {
			return nil, err
		}
	}
	if p := strings.TrimSpace(provider.MustString()); r.Component == "velero (backup)" && (p == "aws" || p == "huaweicloud") {
		var ic map[string]any
		if err := sigsyaml.Unmarshal([]byte(veleroAWSInitContainers), &ic); err != nil {
			return nil, err
		}
		vals = merge(vals, ic)
	}
	if r.ExtraArgs != nil && r.ExtraArgs.Kind == kyaml.MappingNode {
		s, err := kyaml.NewRNode(r.ExtraArgs).String()
		if err != nil {
			return nil, err
		}
		var extra map[string]any
		if err := sigsyaml.Unmarshal([]byte(s), &extra); err != nil {
			return nil, err
		}
		vals = merge(vals, extra)
	}
	return vals, nil
}

func merge(dst, src map[string]any) map[string]any {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				dst[k] = merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

// renderImages renders the chart with Helm's engine and returns every
// image the manifests name, normalised and sorted.
func renderImages(archive, release string, values map[string]any) ([]string, error) {
	ch, err := loader.Load(archive)
	if err != nil {
		return nil, err
	}
	name := strings.Fields(release)[0]
	rv, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{Name: name, Namespace: "default", IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(ch, rv)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for path, content := range files {
		if !strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml") {
			continue
		}
		for _, doc := range strings.Split(content, "\n---") {
			var obj any
			if err := sigsyaml.Unmarshal([]byte(doc), &obj); err != nil {
				return nil, fmt.Errorf("%s: %v", path, err)
			}
			collect(obj, seen)
		}
	}
	out := make([]string, 0, len(seen))
	for img := range seen {
		out = append(out, img)
	}
	sort.Strings(out)
	return out, nil
}

// imageFlags are flags of known operators that take an image.
var imageFlags = []string{"--prometheus-config-reloader=", "--config-reloader-image="}

// collect finds image references: string values under the key image (pod
// specs, operator CRs at any depth) and image-valued operator flags. The
// walk keeps its own stack.
func collect(root any, seen map[string]bool) {
	type frame struct {
		v   any
		key string
	}
	stack := []frame{{v: root}}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch v := f.v.(type) {
		case map[string]any:
			for k, c := range v {
				stack = append(stack, frame{v: c, key: k})
			}
		case []any:
			for _, c := range v {
				stack = append(stack, frame{v: c, key: f.key})
			}
		case string:
			switch {
			case f.key == "image":
				if n := normalise(v); n != "" {
					seen[n] = true
				}
			case f.key == "args" || f.key == "command":
				for _, fl := range imageFlags {
					if strings.HasPrefix(v, fl) {
						if n := normalise(v[len(fl):]); n != "" {
							seen[n] = true
						}
					}
				}
			}
		}
	}
}

// normalise writes a reference fully qualified (nginx -> docker.io/library/nginx).
func normalise(s string) string {
	n, err := reference.ParseNormalizedNamed(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return n.String()
}
