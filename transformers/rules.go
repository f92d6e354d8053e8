package transformers

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/distribution/reference"
)

// dockerHub is the canonical Docker Hub host; its aliases are normalised to
// it before matching (distribution/reference only folds index.docker.io).
const dockerHub = "docker.io"

var dockerHubAliases = map[string]bool{
	"docker.io":               true,
	"index.docker.io":         true,
	"registry-1.docker.io":    true,
	"registry.hub.docker.com": true,
}

// normHost lowercases a registry host and folds Docker Hub's aliases.
func normHost(h string) string {
	for i := 0; i < len(h); i++ {
		if c := h[i]; c >= 'A' && c <= 'Z' {
			h = strings.ToLower(h)
			break
		}
	}
	if dockerHubAliases[h] {
		return dockerHub
	}
	return h
}

var anchoredDomain = regexp.MustCompile(`^` + reference.DomainRegexp.String() + `$`)

// looksLikeHost applies Docker's rule: the first path component is a
// registry host when it contains a dot or a port, or is localhost.
func looksLikeHost(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost"
}

// parsePrefix parses a registry prefix: a host with an optional path, with
// neither scheme, tag nor digest. It returns a message on error.
func parsePrefix(s string) (host, path, msg string) {
	switch {
	case s == "":
		return "", "", "is empty"
	case len(s) > maxReferenceLength:
		return "", "", tooLong(s)
	case strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t\n"):
		return "", "", "contains white space"
	case strings.Contains(s, "://"):
		return "", "", "has a URL scheme; a registry prefix is a host with an optional path, without scheme"
	case strings.Contains(s, "@"):
		return "", "", "has a digest; a registry prefix has no tag or digest"
	}
	s = strings.TrimSuffix(s, "/")
	host, path, _ = strings.Cut(s, "/")
	if !looksLikeHost(host) {
		return "", "", "does not start with a registry host (a name with a dot or a port, or localhost)"
	}
	if !anchoredDomain.MatchString(host) {
		return "", "", "has an invalid registry host " + strconv.Quote(host)
	}
	if path == "" {
		return host, "", ""
	}
	ref, err := reference.Parse(host + "/" + path)
	if err != nil {
		return "", "", "is not a valid repository path: " + err.Error()
	}
	named, ok := ref.(reference.Named)
	if !ok || reference.Domain(named) != host || reference.Path(named) != path {
		return "", "", "has a tag or an invalid path; a registry prefix has no tag or digest"
	}
	return host, path, ""
}

// underPath reports whether path equals prefix or lies below it, and
// returns the rest below it.
func underPath(path, prefix string) (rest string, ok bool) {
	switch {
	case prefix == "":
		return path, true
	case path == prefix:
		return "", true
	case len(path) > len(prefix) && path[len(prefix)] == '/' && strings.HasPrefix(path, prefix):
		return path[len(prefix)+1:], true
	}
	return "", false
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "/" + b
}

// hostSegment writes a registry host as a repository path component, for
// the catch-all shape <to>/<host>/<path>: lowercase, with the port colon
// turned into an underscore (localhost:5000 -> localhost_5000), which no
// host name contains, so the mapping can be reversed.
func hostSegment(host string) string {
	return strings.ReplaceAll(strings.ToLower(host), ":", "_")
}

func segmentHost(seg string) string {
	if i := strings.LastIndexByte(seg, '_'); i > 0 {
		if _, err := strconv.Atoi(seg[i+1:]); err == nil {
			return seg[:i] + ":" + seg[i+1:]
		}
	}
	return seg
}

// imageRule is one compiled entry of spec.rules.
type imageRule struct {
	index    int
	from, to string // as written
	catchAll bool
	fromHost string // normalised
	fromPath string
	toHost   string // normalised, for comparisons
	toPath   string
	toOut    string // to as written, without a trailing slash
	copyFrom string // where the mirror list copies from instead of from ("" = from)
}

// ruleSet matches registry references against spec.rules.
type ruleSet struct {
	rules    []*imageRule // specific rules, in config order
	catchAll *imageRule
	toHosts  map[string]bool
}

type errFunc func(field, hint, format string, args ...any)

func compileRules(rules []Rule, errf errFunc) *ruleSet {
	rs := &ruleSet{toHosts: map[string]bool{}}
	all := make([]*imageRule, 0, len(rules))
	for i, r := range rules {
		field := "spec.rules." + strconv.Itoa(i)
		ir := &imageRule{index: i, from: r.From, to: r.To}
		ok := true
		if r.From == "*" {
			ir.catchAll = true
		} else {
			host, path, msg := parsePrefix(r.From)
			if msg != "" {
				errf(field+".from", "write a registry host (docker.io, quay.io, localhost:5000), a host/path prefix (docker.io/bitnami) or \"*\"; "+
					"Docker Hub's official images are under docker.io/library",
					"from %q %s", r.From, msg)
				ok = false
			}
			ir.fromHost, ir.fromPath = normHost(host), path
		}
		if r.CopyFrom != "" {
			if ir.catchAll {
				errf(field+".copyFrom", "give the registry whose images moved its own rule, e.g. from: docker.io/bitnami, copyFrom: docker.io/bitnamilegacy",
					"copyFrom cannot be used with from \"*\"")
				ok = false
			} else if host, path, msg := parsePrefix(r.CopyFrom); msg != "" {
				errf(field+".copyFrom", "write a registry host with an optional path, e.g. docker.io/bitnamilegacy",
					"copyFrom %q %s", r.CopyFrom, msg)
				ok = false
			} else {
				ir.copyFrom = joinPath(normHost(host), path)
			}
		}
		if r.To == "*" {
			errf(field+".to", "write the private registry host and optional path, e.g. harbor.example.com/dockerhub",
				"to cannot be \"*\"")
			ok = false
		} else {
			host, path, msg := parsePrefix(r.To)
			if msg != "" {
				errf(field+".to", "write the private registry host and optional path, e.g. harbor.example.com/dockerhub",
					"to %q %s", r.To, msg)
				ok = false
			}
			ir.toHost, ir.toPath = normHost(host), path
			ir.toOut = strings.TrimSuffix(r.To, "/")
		}
		if !ok {
			continue
		}
		for _, prev := range all {
			switch {
			case prev.catchAll && ir.catchAll:
				errf(field+".from", "keep one catch-all rule", "duplicate from \"*\" (also spec.rules.%d)", prev.index)
			case !prev.catchAll && !ir.catchAll && prev.fromHost == ir.fromHost && prev.fromPath == ir.fromPath:
				errf(field+".from", "merge the two rules; the same registry can only map to one place",
					"duplicate from %q (same registry as spec.rules.%d from %q)", r.From, prev.index, prev.from)
			}
			if prev.toHost == ir.toHost && prev.toPath == ir.toPath {
				errf(field+".to", "give each rule its own target path, e.g. harbor.example.com/dockerhub and harbor.example.com/quay",
					"duplicate to %q (also spec.rules.%d): images from both sources would collide", r.To, prev.index)
			}
		}
		all = append(all, ir)
	}
	for _, ir := range all {
		rs.toHosts[ir.toHost] = true
		if ir.catchAll {
			rs.catchAll = ir
		} else {
			rs.rules = append(rs.rules, ir)
		}
	}
	// A from inside a to never applies: such references count as mirrored.
	for _, ir := range rs.rules {
		for _, other := range all {
			if other.toHost != ir.fromHost {
				continue
			}
			if _, under := underPath(ir.fromPath, other.toPath); under {
				errf("spec.rules."+strconv.Itoa(ir.index)+".from", "remove the rule, or point the other rule's to elsewhere",
					"from %q lies inside to %q of spec.rules.%d: those references already name the private registry, so the rule would never apply",
					ir.from, other.to, other.index)
				break
			}
		}
	}
	return rs
}

// underTo returns the rule whose to contains host/path (the longest one).
func (rs *ruleSet) underTo(host, path string) (*imageRule, string) {
	if !rs.toHosts[host] {
		return nil, ""
	}
	var best *imageRule
	var bestRest string
	check := func(ir *imageRule) {
		if ir == nil || ir.toHost != host {
			return
		}
		if rest, ok := underPath(path, ir.toPath); ok && (best == nil || len(ir.toPath) > len(best.toPath)) {
			best, bestRest = ir, rest
		}
	}
	for _, ir := range rs.rules {
		check(ir)
	}
	check(rs.catchAll)
	return best, bestRest
}

// match returns the most specific rule for host/path (catch-all last) and
// the mapped repository name, or nil.
func (rs *ruleSet) match(host, path string) (*imageRule, string) {
	var best *imageRule
	var bestRest string
	for _, ir := range rs.rules {
		if ir.fromHost != host {
			continue
		}
		if rest, ok := underPath(path, ir.fromPath); ok && (best == nil || len(ir.fromPath) > len(best.fromPath)) {
			best, bestRest = ir, rest
		}
	}
	if best != nil {
		return best, joinPath(best.toOut, bestRest)
	}
	if ca := rs.catchAll; ca != nil && !rs.toHosts[host] {
		return ca, joinPath(ca.toOut, joinPath(hostSegment(host), path))
	}
	return nil, ""
}

// copySource returns where the mirror list copies source from: source
// itself, or, when the rule that maps it has copyFrom, source with from
// replaced by copyFrom. source is a normalised image reference or a
// registry prefix.
func (rs *ruleSet) copySource(source string) string {
	if len(rs.rules) == 0 || source == "" {
		return source
	}
	name, suffix := source, ""
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name, suffix = name[:i], name[i:]
	}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, suffix = name[:i], name[i:]+suffix
	}
	host, path, _ := strings.Cut(name, "/")
	host = normHost(host)
	var best *imageRule
	var bestRest string
	for _, ir := range rs.rules {
		if ir.fromHost != host {
			continue
		}
		if rest, ok := underPath(path, ir.fromPath); ok && (best == nil || len(ir.fromPath) > len(best.fromPath)) {
			best, bestRest = ir, rest
		}
	}
	if best == nil || best.copyFrom == "" {
		return source
	}
	return joinPath(best.copyFrom, bestRest) + suffix
}

// hostMirror returns the repository prefix that mirrors the whole
// registry host (a rule from the host alone, or the catch-all), and the
// froms of more specific rules for that host.
func (rs *ruleSet) hostMirror(host string) (string, []string) {
	target := ""
	var others []string
	for _, ir := range rs.rules {
		if ir.fromHost != host {
			continue
		}
		if ir.fromPath == "" {
			target = ir.toOut
		} else {
			others = append(others, ir.fromHost+"/"+ir.fromPath)
		}
	}
	if target == "" && rs.catchAll != nil && !rs.toHosts[host] {
		target = joinPath(rs.catchAll.toOut, hostSegment(host))
	}
	return target, others
}

// matchPrefix is match for a registry-only value (Bitnami registry,
// global.imageRegistry): only rules whose from covers the whole prefix
// apply. deeper reports a rule for a path below the prefix, which such a
// value cannot honour.
func (rs *ruleSet) matchPrefix(host, path string) (ir *imageRule, mapped string, deeper *imageRule) {
	ir, mapped = rs.match(host, path)
	for _, r := range rs.rules {
		if r.fromHost != host || r.fromPath == path {
			continue
		}
		if _, ok := underPath(r.fromPath, path); ok {
			deeper = r
			break
		}
	}
	return ir, mapped, deeper
}

// reverse maps a repository under a to back to its source host and path.
func (rs *ruleSet) reverse(host, path string) (srcHost, srcPath string, ok bool) {
	ir, rest := rs.underTo(host, path)
	switch {
	case ir == nil:
		return "", "", false
	case !ir.catchAll:
		p := joinPath(ir.fromPath, rest)
		return ir.fromHost, p, p != ""
	}
	seg, p, found := strings.Cut(rest, "/")
	if !found || p == "" {
		return "", "", false
	}
	return normHost(segmentHost(seg)), p, true
}

// repoURL is a parsed chart repository URL.
type repoURL struct {
	scheme, host, path string // scheme and host lowercase; path without surrounding slashes
}

func (u repoURL) String() string {
	s := u.scheme + "://" + u.host
	if u.path != "" {
		s += "/" + u.path
	}
	return s
}

// parseRepoURL accepts oci://, https:// and http:// repository URLs
// without user info, query or fragment.
func parseRepoURL(s string) (repoURL, string) {
	if strings.TrimSpace(s) != s || s == "" {
		return repoURL{}, "is empty or has surrounding white space"
	}
	u, err := url.Parse(s)
	if err != nil {
		return repoURL{}, "is not a URL: " + err.Error()
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "oci" && scheme != "https" && scheme != "http":
		return repoURL{}, "is not an oci://, https:// or http:// URL"
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return repoURL{}, "must be scheme://host[/path] without user, query or fragment"
	}
	return repoURL{scheme: scheme, host: strings.ToLower(u.Host), path: strings.Trim(u.Path, "/")}, ""
}

// chartRule is one compiled entry of spec.chartRules.
type chartRule struct {
	index    int
	from, to string
	catchAll bool
	fromURL  repoURL
	toURL    repoURL
	toOut    string
}

// chartRuleSet maps chart repository URLs: chart rules first, then the
// image rules for OCI and https repositories (the result is OCI).
type chartRuleSet struct {
	rules    []*chartRule
	catchAll *chartRule
	toHosts  map[string]bool
	images   *ruleSet
}

func compileChartRules(rules []Rule, images *ruleSet, errf errFunc) *chartRuleSet {
	cs := &chartRuleSet{toHosts: map[string]bool{}, images: images}
	var all []*chartRule
	for i, r := range rules {
		field := "spec.chartRules." + strconv.Itoa(i)
		cr := &chartRule{index: i, from: r.From, to: r.To}
		ok := true
		if r.From == "*" {
			cr.catchAll = true
		} else if u, msg := parseRepoURL(r.From); msg != "" {
			errf(field+".from", "write a chart repository URL prefix such as https://kyverno.github.io/kyverno or oci://ghcr.io/fluxcd/charts, or \"*\"",
				"from %q %s", r.From, msg)
			ok = false
		} else {
			cr.fromURL = u
		}
		u, msg := parseRepoURL(r.To)
		if msg == "" && u.scheme == "oci" {
			if _, _, m := parsePrefix(u.host + "/" + u.path); m != "" {
				msg = "is not a valid OCI repository: " + m
			}
		}
		if msg != "" {
			errf(field+".to", "write an oci:// (or https://) repository URL of the private registry, e.g. oci://harbor.example.com/charts",
				"to %q %s", r.To, msg)
			ok = false
		}
		cr.toURL, cr.toOut = u, strings.TrimSuffix(r.To, "/")
		if !ok {
			continue
		}
		for _, prev := range all {
			if prev.catchAll == cr.catchAll && prev.fromURL == cr.fromURL {
				errf(field+".from", "merge the two rules", "duplicate from %q (also spec.chartRules.%d)", r.From, prev.index)
			}
			if prev.toURL == cr.toURL {
				errf(field+".to", "give each rule its own target path", "duplicate to %q (also spec.chartRules.%d): charts from both sources would collide", r.To, prev.index)
			}
		}
		all = append(all, cr)
	}
	for _, cr := range all {
		cs.toHosts[cr.toURL.host] = true
		if cr.catchAll {
			cs.catchAll = cr
		} else {
			cs.rules = append(cs.rules, cr)
		}
	}
	for _, cr := range cs.rules {
		for _, other := range all {
			if other.toURL.scheme == cr.fromURL.scheme && other.toURL.host == cr.fromURL.host {
				if _, under := underPath(cr.fromURL.path, other.toURL.path); under {
					errf("spec.chartRules."+strconv.Itoa(cr.index)+".from", "remove the rule, or point the other rule's to elsewhere",
						"from %q lies inside to %q of spec.chartRules.%d, so the rule would never apply", cr.from, other.to, other.index)
					break
				}
			}
		}
	}
	return cs
}

// chartUnderTo reports whether u already names a target repository.
func (cs *chartRuleSet) chartUnderTo(u repoURL) (cr *chartRule, rest string) {
	if !cs.toHosts[u.host] {
		return nil, ""
	}
	check := func(c *chartRule) {
		if c == nil || c.toURL.scheme != u.scheme || c.toURL.host != u.host {
			return
		}
		if r, ok := underPath(u.path, c.toURL.path); ok && (cr == nil || len(c.toURL.path) > len(cr.toURL.path)) {
			cr, rest = c, r
		}
	}
	for _, c := range cs.rules {
		check(c)
	}
	check(cs.catchAll)
	return cr, rest
}

// chartMatch maps u by the chart rules, or returns "".
func (cs *chartRuleSet) chartMatch(u repoURL) (*chartRule, string) {
	var best *chartRule
	var bestRest string
	for _, c := range cs.rules {
		if c.fromURL.scheme != u.scheme || c.fromURL.host != u.host {
			continue
		}
		if rest, ok := underPath(u.path, c.fromURL.path); ok && (best == nil || len(c.fromURL.path) > len(best.fromURL.path)) {
			best, bestRest = c, rest
		}
	}
	if best != nil {
		return best, joinPath(best.toOut, bestRest)
	}
	if ca := cs.catchAll; ca != nil && !cs.toHosts[u.host] && !cs.images.toHosts[normHost(u.host)] {
		return ca, joinPath(ca.toOut, joinPath(hostSegment(u.host), u.path))
	}
	return nil, ""
}
