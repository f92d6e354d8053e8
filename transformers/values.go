package transformers

import (
	"regexp"
	"strings"

	"github.com/distribution/reference"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// valuesStyle says how a chart composes image references from its values.
type valuesStyle struct {
	// registry is the chart's default image registry when the chart writes
	// images as <registry>/<repository> (the Bitnami convention, also used
	// by kyverno); "" when it takes a full repository (velero, flagger and
	// most other charts) or is unknown.
	registry string
}

var anchoredTag = regexp.MustCompile(`^` + reference.TagRegexp.String() + `$`)

// helmValues rewrites image references in a Helm values tree. Recognised
// shapes (README "Helm values"):
//
//	global.imageRegistry: <registry>           (root only)
//	image: "<reference>"                       (any depth, also in lists)
//	image: {registry, repository, tag, digest} (any depth)
//	image: {repository: "<host>/<path>", tag}  (any depth)
func (p *planner) helmValues(it *item, root *yaml.Node, style valuesStyle) {
	if root == nil || root.Kind != yaml.MappingNode {
		return
	}
	if n := mapPath(root, "global", "imageRegistry"); n != nil {
		p.registryScalar(it, n, "global.imageRegistry")
	}
	p.walkValues(it, root, style)
}

// walkValues visits every mapping pair of a values tree in document order,
// to any depth: the walk keeps its own stack (one frame per open mapping or
// list), so deep input costs heap in proportion to its size and never the
// goroutine stack. Aliases are not followed (kyaml expanded them already).
func (p *planner) walkValues(it *item, root *yaml.Node, style valuesStyle) {
	walkPairs(root, func(k, v *yaml.Node) bool {
		if p.handled[v] {
			return true // a chart image pluginImages decided
		}
		if k.Value == "image" {
			switch {
			case v.Kind == yaml.ScalarNode:
				p.imageScalar(it, v, "image")
				return true
			case v.Kind == yaml.MappingNode && mapGet(v, "repository") != nil:
				p.imageBlock(it, v, style)
				return true
			case v.Kind == yaml.MappingNode && isStringScalar(mapGet(v, "image")):
				p.nginxBlock(it, v)
				return true
			case v.Kind == yaml.MappingNode && isStringScalar(mapGet(v, "name")):
				p.warned++
				p.warn(occurrence{it: it, node: mapGet(v, "name")}, "write the image as image: \"<full reference>\" or {registry, repository, tag} if the chart accepts it, or mirror it by hand",
					"image block {name: %s} is a shape this function does not know: left unchanged", mapGet(v, "name").Value)
				return true
			}
			return false
		}
		if v.Kind != yaml.MappingNode || !isStringScalar(mapGet(v, "repository")) {
			return false
		}
		if p.handled[mapGet(v, "repository")] {
			return true // a registry prefix pluginImages decided (submariner.images.repository)
		}
		if mapGet(v, "tag") != nil || mapGet(v, "digest") != nil || mapGet(v, "registry") != nil || mapGet(v, "pullPolicy") != nil {
			p.siblingBlock(it, k, v, style)
			return true
		}
		if repo := mapGet(v, "repository").Value; !strings.Contains(repo, "://") && !isPlaceholder(repo) {
			if first, _, ok := strings.Cut(repo, "/"); ok && looksLikeHost(first) {
				if _, err := reference.ParseNormalizedNamed(repo); err == nil {
					p.warned++
					p.warn(occurrence{it: it, node: mapGet(v, "repository")},
						"if it is an image, add its tag next to it (or write "+k.Value+".image: \"<reference>\"), then run again",
						"%s.repository %s looks like an image name, but with neither tag, digest nor registry next to it this function cannot tell: left unchanged", k.Value, repo)
				}
			}
		}
		return false
	})
}

func isStringScalar(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagString
}

// nginxBlock handles ingress-nginx's image: {registry, image, tag, digest},
// where image is the path below the registry (and repository, when set, the
// full name: imageBlock handles that form).
func (p *planner) nginxBlock(it *item, blk *yaml.Node) {
	imgN := mapGet(blk, "image")
	img := imgN.Value
	regN := mapGet(blk, "registry")
	reg, ok := scalarValue(regN)
	o := occurrence{it: it, node: imgN}
	if !ok || reg == "" {
		p.warned++
		p.warn(o, "write the chart's registry key next to image (ingress-nginx: registry.k8s.io), or the full name in repository",
			"image block {image: %s} has no registry: the chart takes it from elsewhere (global.image.registry), so it is left unchanged", img)
		return
	}
	suffix := ""
	if t, ok := scalarValue(mapGet(blk, "tag")); ok && anchoredTag.MatchString(t) {
		suffix = ":" + t
	}
	if d, ok := scalarValue(mapGet(blk, "digest")); ok && d != "" && !isPlaceholder(d) {
		suffix += "@" + d
	}
	full := reg + "/" + img + suffix
	r := p.rw.rewriteReference(full)
	if r.status != statusRewritten {
		if r.status == statusMirrored && r.source != "" {
			p.mirrored++
			p.mirror.addImage(r.source, r.target, o)
			return
		}
		if r.status == statusNoMatch {
			p.noMatch++
			return
		}
		p.warnResult(o, "image", full, r)
		return
	}
	newName := strings.TrimSuffix(r.value, suffix)
	if strings.HasSuffix(newName, "/"+img) {
		p.set(regN, strings.TrimSuffix(newName, "/"+img))
	} else {
		host, path, _ := strings.Cut(newName, "/")
		p.set(regN, host)
		p.set(imgN, path)
	}
	p.imagesRewritten++
	it.rewrites++
	p.mirror.addImage(r.source, r.target, o)
}

// siblingBlock handles an image block under another key name, such as
// redis: {repository: public.ecr.aws/x/redis, tag: "7"}: rewritten when the
// registry is known (a registry key, a host in repository, or the chart's
// convention), otherwise warned.
func (p *planner) siblingBlock(it *item, k, blk *yaml.Node, style valuesStyle) {
	repo := mapGet(blk, "repository").Value
	if strings.Contains(repo, "://") || repo == "" || isPlaceholder(repo) {
		return // a git or chart repository URL, or a placeholder: not an image
	}
	first, _, hasSlash := strings.Cut(repo, "/")
	_, hasReg := scalarValue(mapGet(blk, "registry"))
	if hasReg || style.registry != "" || (hasSlash && looksLikeHost(first)) {
		p.imageBlock(it, blk, style)
		return
	}
	p.warned++
	p.warn(occurrence{it: it, node: mapGet(blk, "repository")},
		"if it is an image, write its full name with the registry host ("+dockerHub+"/"+repo+"), then run again",
		"%s: {repository: %s, tag} looks like an image, but without a registry host the registry it is pulled from is unknown: left unchanged", k.Value, repo)
}

// walkPairs calls visit for every key/value pair below root, depth first in
// document order; when visit returns true the value is not descended into.
func walkPairs(root *yaml.Node, visit func(k, v *yaml.Node) bool) {
	type frame struct {
		n *yaml.Node
		i int
	}
	stack := []frame{{n: root}}
	for len(stack) > 0 {
		top := len(stack) - 1
		n, i := stack[top].n, stack[top].i
		switch {
		case n.Kind == yaml.SequenceNode && i < len(n.Content):
			stack[top].i++
			stack = append(stack, frame{n: n.Content[i]})
		case n.Kind == yaml.MappingNode && i+1 < len(n.Content):
			stack[top].i += 2
			if !visit(n.Content[i], n.Content[i+1]) {
				stack = append(stack, frame{n: n.Content[i+1]})
			}
		default:
			stack = stack[:top]
		}
	}
}

// imageBlock handles image: {registry, repository, tag, digest}.
func (p *planner) imageBlock(it *item, blk *yaml.Node, style valuesStyle) {
	repoN := mapGet(blk, "repository")
	if repoN.Kind != yaml.ScalarNode {
		return
	}
	if p.visited(repoN) {
		return
	}
	repo, ok := scalarValue(repoN)
	if !ok || repo == "" {
		return
	}
	o := occurrence{it: it, node: repoN}
	suffix := ""
	if t, ok := scalarValue(mapGet(blk, "tag")); ok && anchoredTag.MatchString(t) {
		suffix = ":" + t
	}
	if d, ok := scalarValue(mapGet(blk, "digest")); ok && d != "" && !isPlaceholder(d) {
		suffix += "@" + d
	}
	regN := mapGet(blk, "registry")
	reg, hasReg := scalarValue(regN)
	hasReg = hasReg && reg != ""
	first, _, _ := strings.Cut(repo, "/")
	prefix := ""
	switch {
	case hasReg:
		if isPlaceholder(reg) {
			p.warnResult(occurrence{it: it, node: regN}, "image registry", reg, refResult{status: statusPlaceholder})
			return
		}
		prefix = reg + "/"
	case style.registry != "" && !(strings.Contains(repo, "/") && looksLikeHost(first)):
		prefix = style.registry + "/"
	}
	full := prefix + repo + suffix
	var r refResult
	if isPlaceholder(repo) {
		r = refResult{status: statusPlaceholder}
	} else {
		r = p.rw.rewriteReference(full)
	}
	if r.status != statusRewritten {
		if r.status == statusInvalid || r.status == statusForbidden {
			p.warnResult(o, "image", full, r)
			return
		}
		p.applyImage(it, repoN, "image repository", repo, r)
		return
	}
	newName := strings.TrimSuffix(r.value, suffix)
	switch {
	case prefix == "":
		p.set(repoN, newName)
	case strings.HasSuffix(newName, "/"+repo):
		newReg := strings.TrimSuffix(newName, "/"+repo)
		if hasReg {
			p.set(regN, newReg)
		} else {
			p.addRegistry(blk, regN, newReg)
		}
	default:
		host, path, _ := strings.Cut(newName, "/")
		if hasReg {
			p.set(regN, host)
		} else {
			p.addRegistry(blk, regN, host)
		}
		p.set(repoN, path)
	}
	p.imagesRewritten++
	it.rewrites++
	p.mirror.addImage(r.source, r.target, o)
}

func (p *planner) addRegistry(blk, regN *yaml.Node, value string) {
	if regN != nil { // registry: "" or null
		p.replace(regN, strNode(value))
		return
	}
	p.appendTo(blk, strNode("registry"), strNode(value))
}

// registryScalar handles a registry-only value such as global.imageRegistry.
func (p *planner) registryScalar(it *item, n *yaml.Node, what string) {
	v, ok := scalarValue(n)
	if !ok {
		return
	}
	o := occurrence{it: it, node: n}
	r, deeper := p.rw.rewriteRegistry(v)
	switch r.status {
	case statusRewritten:
		p.set(n, r.value)
		p.imagesRewritten++
		it.rewrites++
		p.mirror.addRegistry(r.source, r.target, o)
		if deeper != nil {
			p.warn(o, "add a rule for the whole registry, or set the image blocks instead of "+what,
				"%s maps the whole registry %s to %s; spec.rules.%d (from %s) cannot apply to images pulled through it",
				what, v, r.value, deeper.index, deeper.from)
		}
	case statusMirrored:
		p.mirrored++
		if r.source != "" {
			p.mirror.addRegistry(r.source, r.target, o)
		}
	case statusNoMatch:
		p.noMatch++
		if deeper != nil {
			p.warn(o, "add a rule for the whole registry "+v, "%s %s is left unchanged: only spec.rules.%d (from %s) covers part of it",
				what, v, deeper.index, deeper.from)
		}
	default:
		p.warnResult(o, what, v, r)
	}
}
