package transformers

import (
	"strings"
	"sync"

	"github.com/distribution/reference"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fleetValues collects what one plugin release's images need: values to
// add to extraArgs (the user's own values always win) and the counts for
// the summary.
type fleetValues struct {
	it     *item
	fp     *fleetPlugin
	extra  *yaml.Node // the user's extraArgs mapping, or nil
	add    *yaml.Node // values to merge into extraArgs where missing
	path   string     // spec.plugin.<p>.extraArgs
	global string     // Bitnami global.imageRegistry the user set ("" = none)
	missed []string
	pulled bool // an image of this release now comes from the private registry
}

// pluginImages redirects every image the plugin's chart pulls (table
// chartImages) by writing the chart's own values keys into extraArgs, and
// lists each image for mirroring. Values the user set are read (and
// rewritten in place) instead of being overwritten.
func (p *planner) pluginImages(it *item, plugin *yaml.Node, fp *fleetPlugin, block *yaml.Node, chartName, chartVersion string) {
	imgs, known := chartImages[fp.Component]
	if !known {
		return
	}
	extra := mapGet(block, "extraArgs")
	switch {
	case extra == nil || isNull(extra):
		extra = nil
	case extra.Kind != yaml.MappingNode:
		return // not Helm values; the CRD check reports it
	}
	fv := &fleetValues{it: it, fp: fp, extra: extra, add: mapNode(),
		path: "spec.plugin." + strings.Join(fp.Path, ".") + ".extraArgs"}
	if fp.Values.registry != "" {
		if g, ok := scalarValue(mapPath(extra, "global", "imageRegistry")); ok && g != "" {
			fv.global = g
		}
	}
	p.chartVersionNote(fv, chartName, chartVersion)
	if chartName != fp.Chart.Name {
		return // another chart: its values keys are unknown (warned above)
	}
	loadtesterShares := fp.Component == "flagger" && isTrue(mapPath(plugin, "flagger", "publicTestloader"))
	provider, _ := scalarValue(mapPath(plugin, "flagger", "trafficRoutingProvider"))
	for i := range imgs {
		ci := &imgs[i]
		if ci.Unless != "" {
			if v, ok := scalarValue(mapPath(extra, splitKey(ci.Unless)...)); ok && v == "false" {
				continue // the user disabled it: not pulled
			}
		}
		if ci.Provider != "" && ci.Provider != provider {
			continue
		}
		if loadtesterShares && ci.Key == "image" {
			p.fixedChartImage(fv, ci.Ref, "flagger's image: publicTestloader's loadtester release takes flagger's extraArgs as its values, "+
				"so image.repository would also point the loadtester at a flagger image; not written (set publicTestloader: false to have it rewritten)")
			continue
		}
		switch ci.Shape {
		case shapeBitnami, shapeNginx:
			p.composedImage(fv, ci)
		case shapeRepository:
			p.repositoryImage(fv, ci)
		case shapeString:
			p.stringImage(fv, ci)
		case shapePrefix:
			p.prefixImages(fv, ci)
		case shapeInitContainers:
			p.veleroInitContainers(fv, ci, mapGet(plugin, "backup"))
		case shapeRepositoryAnyTag:
			p.anyTagRepository(fv, ci)
		}
	}
	if len(fv.missed) > 0 {
		p.warn(occurrence{it: it, path: fv.path}, "add a rule for their registries (or the catch-all from: \"*\")",
			"%s pulls %s, which no rule covers: an air-gapped install cannot pull them", fp.Component, strings.Join(fv.missed, ", "))
	}
	if fv.pulled {
		p.chartPullSecrets(fv)
	}
	if len(fv.add.Content) > 0 {
		add, keys := fv.add, fp.Path
		emptyFlow := block != nil && block.Style&yaml.FlowStyle != 0 && len(block.Content) == 0
		p.edits = append(p.edits, edit{do: func() {
			blk := ensureMapping(plugin, keys...)
			mergeMissing(ensureMapping(blk, "extraArgs"), add)
			if emptyFlow {
				// `grafana: {}` grows into a block; its line comment stays
				// on the block's first line
				blk.Style &^= yaml.FlowStyle
				if blk.LineComment != "" && len(blk.Content) > 0 && blk.Content[0].LineComment == "" {
					blk.Content[0].LineComment, blk.LineComment = blk.LineComment, ""
				}
			}
		}})
	}
}

// chartVersionNote warns when the chart installed is not the one the image
// table describes: a version range, or a chart the user chose.
func (p *planner) chartVersionNote(fv *fleetValues, name, version string) {
	def := fv.fp.Chart
	o := occurrence{it: fv.it, path: "spec.plugin." + strings.Join(fv.fp.Path, ".") + ".chart"}
	switch {
	case name != def.Name:
		p.warn(o, "list its images with scenario-fn-charts --charts DIR (see transformers/README.md) and mirror them; set its image values in extraArgs yourself",
			"%s installs chart %s %s instead of Kurator's %s: its images and values keys are unknown, so no image values are written and none of its images are listed",
			fv.fp.Component, name, version, def.Name)
	case version != def.Version:
		p.warn(o, "list the images of that chart exactly: helm pull it into DIR, then run scenario-fn-charts --charts DIR on the Fleet (see transformers/README.md)",
			"%s installs chart %s %s, but the image list assumes %s %s (Kurator's default): images and values keys may differ",
			fv.fp.Component, name, version, def.Name, def.Version)
	case floatingVersions[name+" "+version] != "" && p.mirror.warnOnce("floating\x00"+name+" "+version):
		p.warn(o, "pin chart.version to "+floatingVersions[name+" "+version]+" for a reproducible air-gapped install, or helm pull the version helm resolves into DIR and list its images with scenario-fn-charts --charts DIR",
			"%s installs chart %s %s (a version range); the image list assumes %s %s",
			fv.fp.Component, name, version, name, floatingVersions[name+" "+version])
	}
}

func splitKey(k string) []string { return strings.Split(k, ".") }

// parts of a table reference: name (host/path), tag and digest.
func refParts(ref string) (host, path, tag, digest string) {
	if p, ok := refPartsMemo.Load(ref); ok {
		p := p.([4]string)
		return p[0], p[1], p[2], p[3]
	}
	host, path, tag, digest = refPartsUncached(ref)
	refPartsMemo.Store(ref, [4]string{host, path, tag, digest})
	return host, path, tag, digest
}

// refPartsMemo holds refParts of the chart image table's references (a
// fixed set: every Fleet of a package asks for the same ones).
var refPartsMemo sync.Map

func refPartsUncached(ref string) (host, path, tag, digest string) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", ref, "", "" // table data is checked by TestChartImageTable
	}
	if t, ok := named.(reference.Tagged); ok {
		tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		digest = d.Digest().String()
	}
	return reference.Domain(named), reference.Path(named), tag, digest
}

// userScalar returns the user's string at key below blk, with its node.
func userScalar(blk *yaml.Node, key string) (string, *yaml.Node) {
	n := mapGet(blk, key)
	if v, ok := scalarValue(n); ok && v != "" {
		return v, n
	}
	return "", n
}

func suffixFor(tag, digest string) string {
	s := ""
	if tag != "" {
		s = ":" + tag
	}
	if digest != "" {
		s += "@" + digest
	}
	return s
}

// composedImage handles {registry, repository|image, tag, digest} blocks
// (Bitnami, kyverno, kuma's kubectl, ingress-nginx).
func (p *planner) composedImage(fv *fleetValues, ci *chartImage) {
	host, path, defTag, defDigest := refParts(ci.Ref)
	defReg, defRepo := host, path
	if ci.Split != "" {
		defRepo = ci.Split
		defReg = strings.TrimSuffix(host+"/"+path, "/"+ci.Split)
	}
	nameKey := "repository"
	if ci.Shape == shapeNginx {
		nameKey = "image"
	}
	keys := splitKey(ci.Key)
	blk := mapPath(fv.extra, keys...)
	if blk != nil && blk.Kind != yaml.MappingNode {
		if !isNull(blk) {
			return // the user wrote a string or a list: the values walker handles it
		}
		blk = nil
	}
	if blk != nil && fv.global == "" {
		// decided here; with a global.imageRegistry the walker rewrites the
		// user's block as it stands, and the image is listed from here
		p.handled[blk] = true
	}
	reg, regN := userScalar(blk, "registry")
	repo, repoN := userScalar(blk, nameKey)
	tag, _ := userScalar(blk, "tag")
	digest, _ := userScalar(blk, "digest")
	fullRepo, fullRepoN := "", (*yaml.Node)(nil)
	if ci.Shape == shapeNginx {
		fullRepo, fullRepoN = userScalar(blk, "repository") // the chart's "full image url" form
		if reg == "" {
			reg, _ = scalarValue(mapPath(fv.extra, "global", "image", "registry"))
		}
	}
	if tag == "" || !anchoredTag.MatchString(tag) {
		tag = defTag
	}
	if digest == "" {
		digest = defDigest
	} else if ci.Shape == shapeBitnami {
		tag = "" // Bitnami's common.images.image: a digest replaces the tag
	}
	if repo == "" {
		repo = defRepo
	}
	userReg := reg != ""
	if fv.global != "" {
		reg = fv.global // Bitnami: global.imageRegistry wins over every image.registry
	} else if reg == "" {
		reg = defReg
	}
	suffix := suffixFor(tag, digest)
	full := reg + "/" + repo + suffix
	if fullRepo != "" {
		full = fullRepo + suffix
	}
	o := occurrence{it: fv.it, node: repoN, path: fv.path + "." + ci.Key}
	if repoN != nil {
		o.path = ""
	}
	if isPlaceholder(full) {
		p.warnResult(o, "image", full, refResult{status: statusPlaceholder})
		return
	}
	r := p.rw.rewriteReference(full)
	if fv.global != "" && r.status == statusRewritten {
		// the walker rewrites global.imageRegistry itself; the image is
		// pulled through it
		g, _ := p.rw.rewriteRegistry(fv.global)
		if g.status != statusRewritten {
			p.countChartImage(fv, ci.Ref, refResult{status: statusNoMatch}, o)
			return
		}
		p.chartImageListed(fv, r.source, g.value+"/"+repo+suffix, o)
		return
	}
	if r.status != statusRewritten {
		p.countChartImage(fv, full, r, o)
		return
	}
	newName := strings.TrimSuffix(r.value, suffix)
	set := func(n *yaml.Node, key, value string) {
		switch {
		case blk == nil:
			setIn(fv.add, append(keys[:len(keys):len(keys)], key), strNode(value))
		case n == nil:
			p.appendTo(blk, strNode(key), strNode(value))
		case isNull(n) || n.Value == "":
			p.replace(n, strNode(value))
		default:
			p.set(n, value)
		}
	}
	switch {
	case fullRepo != "":
		p.set(fullRepoN, newName)
	case (ci.Split != "" || userReg) && strings.HasSuffix(newName, "/"+repo):
		set(regN, "registry", strings.TrimSuffix(newName, "/"+repo))
	default:
		h, rest, _ := strings.Cut(newName, "/")
		set(regN, "registry", h)
		set(repoN, nameKey, rest)
	}
	p.chartImageRewritten(fv, r, o)
}

// repositoryImage handles {repository: <full name>, tag} (velero, flagger,
// submariner's operator).
func (p *planner) repositoryImage(fv *fleetValues, ci *chartImage) {
	host, path, defTag, _ := refParts(ci.Ref)
	keys := splitKey(ci.Key)
	blk := mapPath(fv.extra, keys...)
	if blk != nil && blk.Kind != yaml.MappingNode {
		if !isNull(blk) {
			return
		}
		blk = nil
	}
	if blk != nil {
		p.handled[blk] = true
	}
	repo, repoN := userScalar(blk, "repository")
	tag, _ := userScalar(blk, "tag")
	if repo == "" {
		repo = host + "/" + path
	}
	if tag == "" || !anchoredTag.MatchString(tag) {
		tag = defTag
	}
	o := occurrence{it: fv.it, node: repoN, path: fv.path + "." + ci.Key + ".repository"}
	if repoN != nil {
		o.path = ""
	}
	suffix := suffixFor(tag, "")
	r := p.rw.rewriteReference(repo + suffix)
	if r.status != statusRewritten {
		p.countChartImage(fv, repo+suffix, r, o)
		return
	}
	newName := strings.TrimSuffix(r.value, suffix)
	switch {
	case repoN != nil && !isNull(repoN):
		p.set(repoN, newName)
	case repoN != nil:
		p.replace(repoN, strNode(newName))
	case blk != nil:
		p.appendTo(blk, strNode("repository"), strNode(newName))
	default:
		setIn(fv.add, append(keys, "repository"), strNode(newName))
	}
	p.chartImageRewritten(fv, r, o)
}

// stringImage handles a values key holding the whole reference.
func (p *planner) stringImage(fv *fleetValues, ci *chartImage) {
	keys := splitKey(ci.Key)
	n := mapPath(fv.extra, keys...)
	if n != nil && !isNull(n) {
		if n.Kind == yaml.ScalarNode {
			p.handled[n] = true
			v, _ := scalarValue(n)
			r := p.rw.rewriteReference(v)
			if r.status == statusRewritten {
				p.set(n, r.value)
				p.chartImageRewritten(fv, r, occurrence{it: fv.it, node: n})
			} else {
				p.countChartImage(fv, v, r, occurrence{it: fv.it, node: n})
			}
		}
		return
	}
	o := occurrence{it: fv.it, path: fv.path + "." + ci.Key}
	r := p.rw.rewriteReference(ci.Ref)
	if r.status != statusRewritten {
		p.countChartImage(fv, ci.Ref, r, o)
		return
	}
	if n != nil {
		p.replace(n, strNode(r.value))
	} else {
		setIn(fv.add, keys, strNode(r.value))
	}
	p.chartImageRewritten(fv, r, o)
}

// prefixImages handles a registry/path prefix the chart joins with its
// component names; every component is listed.
func (p *planner) prefixImages(fv *fleetValues, ci *chartImage) {
	keys := splitKey(ci.Key)
	n := mapPath(fv.extra, keys...)
	prefix := ci.Split
	if v, ok := scalarValue(n); ok && v != "" {
		prefix = v
		p.handled[n] = true
	}
	o := occurrence{it: fv.it, node: n}
	if n == nil || isNull(n) {
		o = occurrence{it: fv.it, path: fv.path + "." + ci.Key}
	}
	r, _ := p.rw.rewriteRegistry(prefix)
	newPrefix := prefix
	switch r.status {
	case statusRewritten:
		newPrefix = r.value
		switch {
		case n == nil:
			setIn(fv.add, keys, strNode(newPrefix))
		case isNull(n):
			p.replace(n, strNode(newPrefix))
		default:
			p.set(n, newPrefix)
		}
		p.imagesRewritten++
		fv.it.rewrites++
	case statusMirrored:
		p.mirrored++
	default:
		for _, c := range ci.Components {
			p.countChartImage(fv, prefix+"/"+c, r, o)
		}
		return
	}
	for _, c := range ci.Components {
		cr := p.rw.rewriteReference(prefix + "/" + c)
		src, target := cr.source, newPrefix+"/"+c
		if cr.status == statusRewritten && cr.target != target {
			p.warn(o, "give the whole prefix "+prefix+" one rule",
				"%s joins %s with %s, so the image is pulled from %s: the more specific rule for %s cannot apply",
				fv.fp.Component, ci.Key, c, target, cr.source)
		}
		if src == "" {
			continue
		}
		p.chartImageListed(fv, src, target, o)
	}
}

// veleroInitContainers writes Kurator's velero plugin init container (aws,
// huaweicloud) with its image rewritten: extraArgs.initContainers replaces
// Kurator's list as a whole, so the whole entry is written, as Kurator
// builds it (buildAWSProviderValues, pkg/fleet-manager/plugin/plugin.go at
// kurator-dev/kurator@b6339412).
func (p *planner) veleroInitContainers(fv *fleetValues, ci *chartImage, backup *yaml.Node) {
	prov, _ := scalarValue(mapPath(backup, "storage", "location", "provider"))
	if prov != "aws" && prov != "huaweicloud" {
		return
	}
	if n := mapGet(fv.extra, "initContainers"); n != nil && !isNull(n) {
		return // the user's list: the values walker rewrites its images
	}
	o := occurrence{it: fv.it, path: fv.path + ".initContainers"}
	r := p.rw.rewriteReference(ci.Ref)
	if r.status != statusRewritten {
		p.countChartImage(fv, ci.Ref, r, o)
		return
	}
	mount := mapNode("mountPath", "/target", "name", "plugins")
	c := mapNode("image", r.value, "name", "velero-plugin-for-aws")
	c.Content = append(c.Content, strNode("volumeMounts"), seqNode(mount))
	setIn(fv.add, []string{"initContainers"}, seqNode(c))
	p.chartImageRewritten(fv, r, o)
}

// anyTagRepository handles a repository whose tag the chart computes at
// install time: the repository is redirected, and listed as a repository
// to copy with the tag the cluster needs.
func (p *planner) anyTagRepository(fv *fleetValues, ci *chartImage) {
	keys := splitKey(ci.Key)
	blk := mapPath(fv.extra, keys...)
	if blk != nil && blk.Kind != yaml.MappingNode {
		blk = nil
	}
	if blk != nil {
		p.handled[blk] = true
	}
	repo, repoN := userScalar(blk, "repository")
	if repo == "" {
		repo = ci.Ref
	}
	o := occurrence{it: fv.it, node: repoN, path: fv.path + "." + ci.Key + ".repository"}
	if repoN != nil {
		o.path = ""
	}
	r := p.rw.rewriteName(repo)
	switch r.status {
	case statusRewritten:
		switch {
		case repoN != nil && !isNull(repoN):
			p.set(repoN, r.value)
		case repoN != nil:
			p.replace(repoN, strNode(r.value))
		case blk != nil:
			p.appendTo(blk, strNode("repository"), strNode(r.value))
		default:
			setIn(fv.add, append(keys, "repository"), strNode(r.value))
		}
		p.imagesRewritten++
		p.chartImages.redirected++
		fv.it.rewrites++
		fv.pulled = true
		p.mirror.addRepository(r.source, r.target, ci.Why, o)
	case statusMirrored:
		p.mirrored++
		p.chartImages.redirected++
		fv.pulled = true
		if r.source != "" {
			p.mirror.addRepository(r.source, r.target, ci.Why, o)
		}
	default:
		p.countChartImage(fv, repo, r, o)
	}
}

// fixedChartImage lists an image of the chart no values key can redirect
// here: a containerd registry mirror must serve it.
func (p *planner) fixedChartImage(fv *fleetValues, ref, why string) {
	o := occurrence{it: fv.it, path: fv.path}
	r := p.rw.rewriteReference(ref)
	switch r.status {
	case statusRewritten, statusMirrored:
		if r.source != "" {
			p.mirror.addMirrorOnly(r.source, r.target, why, o)
			p.chartImages.listedOnly++
		}
	default:
		p.countChartImage(fv, ref, r, o)
	}
}

func (p *planner) chartImageRewritten(fv *fleetValues, r refResult, o occurrence) {
	p.imagesRewritten++
	p.chartImages.redirected++
	fv.it.rewrites++
	fv.pulled = true
	p.mirror.addImage(r.source, r.target, o)
}

// chartImageListed lists an image a values key already redirects (a
// prefix, a global registry): it is redirected, but not a field rewrite.
func (p *planner) chartImageListed(fv *fleetValues, source, target string, o occurrence) {
	p.chartImages.redirected++
	fv.pulled = true
	p.mirror.addImage(source, target, o)
}

// countChartImage records a chart image that was not rewritten now.
func (p *planner) countChartImage(fv *fleetValues, ref string, r refResult, o occurrence) {
	switch r.status {
	case statusMirrored:
		p.mirrored++
		p.chartImages.redirected++
		fv.pulled = true
		if r.source != "" {
			p.mirror.addImage(r.source, r.target, o)
		}
	case statusNoMatch:
		p.noMatch++
		p.chartImages.missed++
		fv.missed = append(fv.missed, ref)
	default:
		p.chartImages.missed++
		p.warnResult(o, "image", ref, r)
	}
}

// chartPullSecrets writes the configured pull secrets into the chart's
// own keys (the user's values win), or says that the chart takes none.
func (p *planner) chartPullSecrets(fv *fleetValues) {
	names := p.cfg.ImagePullSecrets
	if len(names) == 0 {
		return
	}
	keys, ok := chartPullSecrets[fv.fp.Component]
	if !ok {
		p.warn(occurrence{it: fv.it, path: fv.path}, "let the nodes pull anonymously from the private registry, or configure kubelet/containerd credentials on the members",
			"%s: the chart takes no image pull secret key this function knows, so spec.imagePullSecrets cannot reach its pods", fv.fp.Component)
		return
	}
	for _, k := range keys {
		path := splitKey(k.Key)
		if n := mapPath(fv.extra, path...); n != nil && !isNull(n) {
			continue // the user's own secrets
		}
		var v *yaml.Node
		switch k.Style {
		case secretsNames:
			v = seqNode()
			for _, n := range names {
				v.Content = append(v.Content, strNode(n))
			}
		case secretsObjects:
			v = seqNode()
			for _, n := range names {
				v.Content = append(v.Content, mapNode("name", n))
			}
		case secretsSingle:
			v = strNode(names[0])
			if len(names) > 1 {
				p.warn(occurrence{it: fv.it, path: fv.path + "." + k.Key}, "list the Secret that holds the private registry's credentials first",
					"%s takes one pull secret (%s): only %s is written", fv.fp.Component, k.Key, names[0])
			}
		}
		setIn(fv.add, path, v)
	}
}

// --- building values trees ---

func seqNode(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: items}
}

// setIn sets keys to v in the mapping m, creating mappings on the way.
func setIn(m *yaml.Node, keys []string, v *yaml.Node) {
	for _, k := range keys[:len(keys)-1] {
		c := mapGet(m, k)
		if c == nil || c.Kind != yaml.MappingNode {
			c = mapNode()
			m.Content = append(m.Content, strNode(k), c)
		}
		m = c
	}
	m.Content = append(m.Content, strNode(keys[len(keys)-1]), v)
}

// ensureMapping returns the mapping at keys below m, creating it (or
// replacing a null) where needed.
func ensureMapping(m *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		c := mapGet(m, k)
		switch {
		case c == nil:
			c = mapNode()
			m.Content = append(m.Content, strNode(k), c)
		case isNull(c):
			*c = yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, LineComment: c.LineComment, HeadComment: c.HeadComment}
		}
		m = c
	}
	return m
}

// mergeMissing adds to dst what src has and dst lacks; dst's values win.
func mergeMissing(dst, src *yaml.Node) {
	if dst.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		d := mapGet(dst, k.Value)
		switch {
		case d == nil:
			dst.Content = append(dst.Content, k, v)
		case isNull(d):
			*d = *v
		case d.Kind == yaml.MappingNode && v.Kind == yaml.MappingNode:
			mergeMissing(d, v)
		}
	}
}
