package transformers

import (
	"sort"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

type entryKind uint8

const (
	kindImage      entryKind = iota // an image (or OCI artifact) to copy
	kindChart                       // a Helm chart to copy (helm pull + push)
	kindRegistry                    // a whole registry a values key redirects
	kindMirrorOnly                  // an image only a containerd mirror can redirect
	kindRepository                  // a repository whose tag the cluster decides at install time
)

type entryKey struct {
	kind                          entryKind
	source, target, name, version string
}

type mirrorEntry struct {
	entryKey
	reason string
	count  int
	first  occurrence
}

// mirrorList collects every source -> target pair the run saw.
type mirrorList struct {
	entries map[entryKey]*mirrorEntry
	// fresh are the entries added since the streaming run last resolved
	// them (only with track).
	fresh  []*mirrorEntry
	track  bool
	warned map[string]bool
	// copySource maps an image source to where it is copied from (a rule's
	// copyFrom); nil = the source itself.
	copySource func(string) string
	// hostMirror gives the private repository prefix that mirrors a whole
	// source registry, and the more specific prefixes a host-level mirror
	// cannot express; nil = no containerd files.
	hostMirror func(host string) (target string, others []string)
}

// containerdKey is the mirror list data key of a registry's hosts.toml.
func containerdKey(host string) string {
	return "hosts.toml." + hostSegment(host)
}

// containerdHosts renders /etc/containerd/certs.d/<host>/hosts.toml for
// member nodes, so that images no field redirects (and any reference left
// on the public name) are pulled from the private registry.
func containerdHosts(host string, hostMirror func(string) (string, []string)) string {
	target, others := hostMirror(host)
	if target == "" {
		return ""
	}
	server := "https://" + host
	if host == dockerHub {
		server = "https://registry-1.docker.io"
	}
	th, tpath, _ := strings.Cut(target, "/")
	var b strings.Builder
	b.WriteString("# /etc/containerd/certs.d/" + host + "/hosts.toml on every member node (containerd's\n")
	b.WriteString("# registry config_path = \"/etc/containerd/certs.d\"). Put the private registry's CA at the ca path;\n")
	b.WriteString("# credentials do not go here: allow anonymous pull, or give the CRI/kubelet credentials for " + th + ".\n")
	for _, o := range others {
		b.WriteString("# Note: images under " + o + " are mirrored elsewhere by a more specific rule; a host mirror cannot\n")
		b.WriteString("# express that, so they are found only under the names the function rewrote.\n")
	}
	b.WriteString("server = " + strconv.Quote(server) + "\n\n")
	b.WriteString("[host." + strconv.Quote("https://"+th+"/v2/"+tpath) + "]\n")
	b.WriteString("  capabilities = [\"pull\", \"resolve\"]\n")
	b.WriteString("  override_path = true\n")
	b.WriteString("  ca = " + strconv.Quote("/etc/containerd/certs.d/"+host+"/"+th+".crt") + "\n")
	return b.String()
}

func newMirrorList() *mirrorList {
	return &mirrorList{entries: map[entryKey]*mirrorEntry{}, warned: map[string]bool{}}
}

func (m *mirrorList) add(k entryKey, reason string, o occurrence) {
	if m.copySource != nil && k.kind != kindChart {
		k.source = m.copySource(k.source)
	}
	if e := m.entries[k]; e != nil {
		e.count++
		return
	}
	e := &mirrorEntry{entryKey: k, reason: reason, count: 1, first: o}
	m.entries[k] = e
	if m.track {
		m.fresh = append(m.fresh, e)
	}
}

func (m *mirrorList) addImage(source, target string, o occurrence) {
	m.add(entryKey{kind: kindImage, source: source, target: target}, "", o)
}

func (m *mirrorList) addChart(sourceRepo, name, version, targetRepo string, o occurrence) {
	reason := ""
	if v := floatingVersions[name+" "+version]; v != "" {
		reason = "a version range: the image list assumes " + name + " " + v + "; pin it, or list the images of the version helm resolves with scenario-fn-charts"
	}
	m.add(entryKey{kind: kindChart, source: sourceRepo, target: targetRepo, name: name, version: version}, reason, o)
}

// addFixedChart lists a chart no field redirects (reason says what the
// user must do instead).
func (m *mirrorList) addFixedChart(sourceRepo, name, version, targetRepo, reason string, o occurrence) {
	m.add(entryKey{kind: kindChart, source: sourceRepo, target: targetRepo, name: name, version: version}, reason, o)
}

func (m *mirrorList) addRepository(source, target, reason string, o occurrence) {
	m.add(entryKey{kind: kindRepository, source: source, target: target}, reason, o)
}

func (m *mirrorList) addRegistry(source, target string, o occurrence) {
	m.add(entryKey{kind: kindRegistry, source: source, target: target}, "", o)
}

func (m *mirrorList) addMirrorOnly(source, target, reason string, o occurrence) {
	m.add(entryKey{kind: kindMirrorOnly, source: source, target: target}, reason, o)
}

// warnOnce reports whether key is new.
func (m *mirrorList) warnOnce(key string) bool {
	if m.warned[key] {
		return false
	}
	m.warned[key] = true
	return true
}

func (m *mirrorList) sorted() []*mirrorEntry {
	out := make([]*mirrorEntry, 0, len(m.entries))
	for _, e := range m.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.source != b.source {
			return a.source < b.source
		}
		if a.name != b.name {
			return a.name < b.name
		}
		if a.version != b.version {
			return a.version < b.version
		}
		return a.target < b.target
	})
	return out
}

// results reports one info result per entry, at its first occurrence.
func (m *mirrorList) results(ps *krm.Problems) {
	for _, e := range m.sorted() {
		var msg string
		switch e.kind {
		case kindImage:
			msg = "mirror image " + e.source + " -> " + e.target
		case kindChart:
			if e.name == "" {
				msg = "mirror chart repository " + e.source + " -> " + e.target + " (every chart you install from it)"
			} else {
				msg = "mirror chart " + e.source + " " + e.name + " " + e.version + " -> " + e.target
			}
			if e.reason != "" {
				msg += ": " + e.reason
			}
		case kindRegistry:
			msg = "mirror registry " + e.source + " -> " + e.target + " (every image the chart pulls through it)"
		case kindMirrorOnly:
			msg = "mirror only (configure a containerd registry mirror): " + e.source + " -> " + e.target + ": " + e.reason
		case kindRepository:
			msg = "mirror repository " + e.source + " -> " + e.target + " (" + e.reason + ")"
		}
		if e.count > 1 {
			msg += " (" + strconv.Itoa(e.count) + " references)"
		}
		id, src := e.first.where()
		ps.Infof(id, e.first.fieldPath(), src, "%s", msg)
	}
}

// copyPair writes a source/target pair the copy tools accept: a reference
// with both tag and digest is copied by digest and pushed under its tag
// (pulling tag@digest from the mirror then resolves the same digest).
func copyPair(source, target string) (string, string) {
	s, err1 := reference.ParseNormalizedNamed(source)
	t, err2 := reference.ParseNormalizedNamed(target)
	if err1 != nil || err2 != nil {
		return source, target
	}
	_, sTag := s.(reference.Tagged)
	sd, sDig := s.(reference.Digested)
	_, tTag := t.(reference.Tagged)
	td, tDig := t.(reference.Digested)
	if sTag && sDig && tTag && tDig {
		return s.Name() + "@" + sd.Digest().String(), strings.TrimSuffix(target, "@"+td.Digest().String())
	}
	return source, target
}

// files renders the mirror list files (README "Mirror list").
func (m *mirrorList) files() map[string]string {
	var images, charts, registries, only []string
	sync := map[string]map[string][]string{}
	addSync := func(ref string) {
		named, err := reference.ParseNormalizedNamed(ref)
		if err != nil {
			return
		}
		v := "latest"
		if t, ok := named.(reference.Tagged); ok {
			v = t.Tag()
		}
		if d, ok := named.(reference.Digested); ok {
			v = d.Digest().String()
		}
		host := reference.Domain(named)
		if sync[host] == nil {
			sync[host] = map[string][]string{}
		}
		repo := reference.Path(named)
		for _, x := range sync[host][repo] {
			if x == v {
				return
			}
		}
		sync[host][repo] = append(sync[host][repo], v)
	}
	for _, e := range m.sorted() {
		switch e.kind {
		case kindImage, kindMirrorOnly:
			s, t := copyPair(e.source, e.target)
			images = append(images, s+" "+t)
			addSync(e.source)
			if e.kind == kindMirrorOnly {
				only = append(only, s+" "+t+"  # "+e.reason)
			}
		case kindChart:
			if e.name != "" {
				line := e.source + " " + e.name + " " + e.version + " " + e.target
				if e.reason != "" {
					line += "  # " + e.reason
				}
				charts = append(charts, line)
			}
		case kindRegistry:
			registries = append(registries, e.source+" "+e.target)
		case kindRepository:
			registries = append(registries, e.source+" "+e.target+"  # "+e.reason)
		}
	}
	out := map[string]string{
		"images.txt":      lines(dedup(images)),
		"charts.txt":      lines(charts),
		"mirror-only.txt": lines(only),
		"registries.txt":  lines(registries),
	}
	var sb strings.Builder
	hosts := make([]string, 0, len(sync))
	for h := range sync {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		sb.WriteString(h + ":\n  images:\n")
		repos := make([]string, 0, len(sync[h]))
		for r := range sync[h] {
			repos = append(repos, r)
		}
		sort.Strings(repos)
		for _, r := range repos {
			sb.WriteString("    " + r + ":\n")
			vs := sync[h][r]
			sort.Strings(vs)
			for _, v := range vs {
				sb.WriteString("    - " + strconv.Quote(v) + "\n")
			}
		}
	}
	out["skopeo-sync.yaml"] = sb.String()
	if m.hostMirror != nil {
		for _, h := range hosts {
			if f := containerdHosts(h, m.hostMirror); f != "" {
				out[containerdKey(h)] = f
			}
		}
	}
	return out
}

func dedup(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func lines(l []string) string {
	if len(l) == 0 {
		return ""
	}
	return strings.Join(l, "\n") + "\n"
}

// Annotations of the mirror list ConfigMap.
const (
	localConfigAnnotation = "config.kubernetes.io/local-config"
)

// mirrorListKeys is the order of the ConfigMap's data keys.
var mirrorListKeys = []string{"images.txt", "charts.txt", "mirror-only.txt", "registries.txt", "skopeo-sync.yaml"}

// configMap renders the mirror list as a ConfigMap item.
func (m *mirrorList) configMap(out *MirrorListOutput) *yaml.RNode {
	files := m.files()
	meta := mapNode("name", out.Name)
	if out.Namespace != "" {
		meta.Content = append(meta.Content, strNode("namespace"), strNode(out.Namespace))
	}
	ann := mapNode()
	if out.LocalConfig == nil || *out.LocalConfig {
		ann.Content = append(ann.Content, strNode(localConfigAnnotation), strNode("true"))
	}
	ann.Content = append(ann.Content, strNode(kioutil.PathAnnotation), strNode(out.Path))
	meta.Content = append(meta.Content, strNode("annotations"), ann)
	data := mapNode()
	keys := append([]string(nil), mirrorListKeys...)
	var extra []string
	for k := range files {
		if strings.HasPrefix(k, "hosts.toml.") {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range append(keys, extra...) {
		v := strNode(files[k])
		if files[k] != "" {
			v.Style = yaml.LiteralStyle
		}
		data.Content = append(data.Content, strNode(k), v)
	}
	root := mapNode("apiVersion", "v1", "kind", "ConfigMap")
	root.Content = append(root.Content, strNode("metadata"), meta, strNode("data"), data)
	return yaml.NewRNode(root)
}

// priorCharts reads charts.txt of a mirror list ConfigMap from an earlier
// run: target repository -> source repository. It lets a second run name
// the original https repository of a chart it had moved to OCI.
func priorCharts(cm *yaml.RNode) map[string]string {
	prior := map[string]string{}
	v, _ := scalarValue(mapPath(cm.YNode(), "data", "charts.txt"))
	for _, line := range strings.Split(v, "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) == 4 {
			prior[f[3]] = f[0]
		}
	}
	return prior
}

// sameData reports whether two mirror list ConfigMaps hold the same data.
func sameData(a, b *yaml.RNode) bool {
	da, db := mapPath(a.YNode(), "data"), mapPath(b.YNode(), "data")
	if da == nil || db == nil || len(da.Content) != len(db.Content) {
		return false
	}
	for i := 0; i+1 < len(da.Content); i += 2 {
		w, ok := scalarValue(mapGet(db, da.Content[i].Value))
		v, _ := scalarValue(da.Content[i+1])
		if !ok && v == "" {
			continue
		}
		if w != v {
			return false
		}
	}
	return true
}
