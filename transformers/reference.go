package transformers

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/distribution/reference"
)

// status is what the rules decided for one value.
type status uint8

const (
	statusEmpty       status = iota // empty value: nothing to do
	statusNoMatch                   // parses, but no rule applies: left unchanged
	statusRewritten                 // a rule applies: value is the new text
	statusMirrored                  // already names a target: left unchanged
	statusPlaceholder               // contains ${...}: left unchanged, warned
	statusInvalid                   // does not parse (or the result would not): left unchanged, warned
	statusForbidden                 // holds invisible or control characters: an error, the run fails
)

// refResult is the decision for one image reference (or one registry
// prefix, or one chart repository URL).
type refResult struct {
	status status
	value  string // new text of the field when rewritten
	source string // normalised source, for the mirror list ("" when unknown)
	target string // target, for the mirror list
	msg    string // why it is invalid, or a note for a warning
	oci    bool   // charts: the new repository is OCI
}

// rewriter holds the compiled rules and per-run caches: real inputs repeat
// the same few images thousands of times.
type rewriter struct {
	images *ruleSet
	charts *chartRuleSet
	prior  map[string]string // chart target repository -> source, from a mirror list in the input

	refCache   map[string]refResult
	chartCache map[string]refResult
}

func newRewriter(images *ruleSet, charts *chartRuleSet) *rewriter {
	return &rewriter{images: images, charts: charts, prior: map[string]string{},
		refCache: map[string]refResult{}, chartCache: map[string]refResult{}}
}

// maxReferenceLength bounds the values parsed as references: a name has at
// most 255 characters, a tag 128 and a digest some 140, so anything longer
// is invalid, and is not run through the reference grammar (its regular
// expressions take seconds on a 10 MB value).
const maxReferenceLength = 1024

func tooLong(s string) string {
	return "is " + itoa(len(s)) + " bytes long, longer than any valid reference"
}

// isPlaceholder reports a Flux post-build variable or similar template
// text, which only becomes a reference later.
// forbiddenRune names the first character of s that no image or chart
// reference may hold and that a reviewer cannot see: NUL and other C0/C1
// controls, zero-width characters, bidirectional overrides and isolates
// (a right-to-left override makes "evil.io/x" display as something else),
// and the byte order mark. "" when there is none.
func forbiddenRune(s string) string {
	for i, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return fmt.Sprintf("control character U+%04X at byte %d", r, i)
		case r >= 0x200b && r <= 0x200f, r == 0x2060, r == 0xfeff:
			return fmt.Sprintf("zero-width or direction mark U+%04X at byte %d", r, i)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("bidirectional override U+%04X at byte %d", r, i)
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Sprintf("invalid UTF-8 at byte %d", i)
			}
		}
	}
	return ""
}

func forbidden(s string) (refResult, bool) {
	if m := forbiddenRune(s); m != "" {
		return refResult{status: statusForbidden, msg: "holds a " + m + "; references must be plain text"}, true
	}
	return refResult{}, false
}

func isPlaceholder(s string) bool {
	return strings.Contains(s, "${") || strings.Contains(s, "{{")
}

// suffixOf returns ":tag", "@digest" or ":tag@digest", exactly as parsed.
func suffixOf(named reference.Named) string {
	var s string
	if t, ok := named.(reference.Tagged); ok {
		s = ":" + t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		s += "@" + d.Digest().String()
	}
	return s
}

// rewriteReference decides the fate of one image reference such as
// "nginx", "quay.io/x/y:1@sha256:...". A rewritten value keeps the tag and
// the digest exactly as written; the name is always fully qualified.
func (rw *rewriter) rewriteReference(s string) refResult {
	if r, ok := rw.refCache[s]; ok {
		return r
	}
	r := rw.rewriteReferenceUncached(s)
	rw.refCache[s] = r
	return r
}

func (rw *rewriter) rewriteReferenceUncached(s string) refResult {
	if s == "" {
		return refResult{status: statusEmpty}
	}
	if r, bad := forbidden(s); bad {
		return r
	}
	if isPlaceholder(s) {
		return refResult{status: statusPlaceholder}
	}
	if len(s) > maxReferenceLength {
		return refResult{status: statusInvalid, msg: tooLong(s)}
	}
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return refResult{status: statusInvalid, msg: err.Error()}
	}
	if reference.Domain(named) == "" {
		// "0_0.0/x": the first component has a '.' so it is no Docker Hub
		// path, yet it is no valid host either; the library then returns
		// a name without a registry, which no runtime can pull.
		return refResult{status: statusInvalid, msg: "the first component is neither a registry host nor a Docker Hub repository"}
	}
	host, path := normHost(reference.Domain(named)), reference.Path(named)
	suffix := suffixOf(named)
	if ir, _ := rw.images.underTo(host, path); ir != nil {
		src := ""
		if h, p, ok := rw.images.reverse(host, path); ok {
			src = h + "/" + p + suffix
		}
		return refResult{status: statusMirrored, source: src, target: s}
	}
	ir, mapped := rw.images.match(host, path)
	if ir == nil {
		return refResult{status: statusNoMatch}
	}
	out := mapped + suffix
	check, err := reference.ParseNormalizedNamed(out)
	if err != nil || suffixOf(check) != suffix {
		msg := "the rewritten reference " + out + " would be invalid"
		if err != nil {
			msg += ": " + err.Error()
		}
		return refResult{status: statusInvalid, msg: msg}
	}
	return refResult{status: statusRewritten, value: out, source: host + "/" + path + suffix, target: out}
}

// rewriteName is rewriteReference for a repository name that must stay
// without tag or digest (kustomize images[].newName, OCI source URLs).
func (rw *rewriter) rewriteName(s string) refResult {
	r := rw.rewriteReference(s)
	if r.status == statusRewritten || r.status == statusMirrored || r.status == statusNoMatch {
		if named, err := reference.ParseNormalizedNamed(s); err == nil && suffixOf(named) != "" {
			return refResult{status: statusInvalid, msg: "a repository name without tag or digest is expected here"}
		}
	}
	return r
}

// rewriteRegistry decides for a registry-only value (a Bitnami
// image.registry or global.imageRegistry): a host with an optional path.
func (rw *rewriter) rewriteRegistry(s string) (refResult, *imageRule) {
	switch {
	case s == "":
		return refResult{status: statusEmpty}, nil
	case forbiddenRune(s) != "":
		r, _ := forbidden(s)
		return r, nil
	case isPlaceholder(s):
		return refResult{status: statusPlaceholder}, nil
	}
	host, path, msg := parsePrefix(s)
	if msg != "" {
		return refResult{status: statusInvalid, msg: "registry " + msg}, nil
	}
	host = normHost(host)
	if ir, _ := rw.images.underTo(host, path); ir != nil {
		src := ""
		if h, p, ok := rw.images.reverse(host, path); ok {
			src = joinPath(h, p)
		} else if _, rest := rw.images.underTo(host, path); ir.catchAll && rest != "" && !strings.Contains(rest, "/") {
			src = normHost(segmentHost(rest)) // a registry the catch-all mapped: to/<host>
		} else if ir.catchAll {
			src = "" // the whole catch-all target: no single source
		} else {
			src = joinPath(ir.fromHost, ir.fromPath)
		}
		return refResult{status: statusMirrored, source: src, target: s}, nil
	}
	ir, mapped, deeper := rw.images.matchPrefix(host, path)
	if ir == nil {
		return refResult{status: statusNoMatch}, deeper
	}
	if _, _, m := parsePrefix(mapped); m != "" {
		return refResult{status: statusInvalid, msg: "the rewritten registry " + mapped + " would be invalid"}, nil
	}
	return refResult{status: statusRewritten, value: mapped, source: joinPath(host, path), target: mapped}, deeper
}

// rewriteChartRepo decides for a Helm chart repository URL: chart rules
// first, then (for oci:// and https:// URLs) the image rules on host/path,
// which give an oci:// repository.
func (rw *rewriter) rewriteChartRepo(s string) refResult {
	if r, ok := rw.chartCache[s]; ok {
		return r
	}
	r := rw.rewriteChartRepoUncached(s)
	rw.chartCache[s] = r
	return r
}

func (rw *rewriter) rewriteChartRepoUncached(s string) refResult {
	if s == "" {
		return refResult{status: statusEmpty}
	}
	if r, bad := forbidden(s); bad {
		return r
	}
	if isPlaceholder(s) {
		return refResult{status: statusPlaceholder}
	}
	u, msg := parseRepoURL(s)
	if msg != "" {
		return refResult{status: statusInvalid, msg: "chart repository " + msg}
	}
	source := chartSourceString(u)
	if cr, rest := rw.charts.chartUnderTo(u); cr != nil {
		src := rw.prior[strings.TrimSuffix(s, "/")]
		if src == "" && !cr.catchAll {
			src = joinURL(cr.fromURL.String(), rest)
		}
		return refResult{status: statusMirrored, source: src, target: strings.TrimSuffix(s, "/"), oci: u.scheme == "oci"}
	}
	if u.scheme == "oci" {
		if ir, _ := rw.images.underTo(normHost(u.host), u.path); ir != nil {
			src := rw.prior[strings.TrimSuffix(s, "/")]
			if src == "" {
				if h, p, ok := rw.images.reverse(normHost(u.host), u.path); ok {
					src = chartSourceString(repoURL{scheme: "oci", host: h, path: p})
				}
			}
			return refResult{status: statusMirrored, source: src, target: strings.TrimSuffix(s, "/"), oci: true}
		}
	}
	if cr, mapped := rw.charts.chartMatch(u); cr != nil {
		t, m := parseRepoURL(mapped)
		if m == "" && t.scheme == "oci" {
			_, _, m = parsePrefix(t.host + "/" + t.path)
		}
		if m != "" {
			return refResult{status: statusInvalid, msg: "the rewritten repository " + mapped + " would be invalid"}
		}
		return refResult{status: statusRewritten, value: mapped, source: source, target: mapped, oci: t.scheme == "oci"}
	}
	if u.scheme == "http" {
		return refResult{status: statusNoMatch}
	}
	host := normHost(u.host)
	if u.scheme != "oci" && rw.images.toHosts[host] {
		return refResult{status: statusNoMatch} // an https repository on the private registry
	}
	ir, mapped := rw.images.match(host, u.path)
	if ir == nil {
		return refResult{status: statusNoMatch}
	}
	if _, _, m := parsePrefix(mapped); m != "" {
		return refResult{status: statusInvalid, msg: "the rewritten repository oci://" + mapped + " would be invalid: " + m}
	}
	out := "oci://" + mapped
	return refResult{status: statusRewritten, value: out, source: source, target: out, oci: true}
}

// chartSourceString writes a source repository for the mirror list the
// way helm reaches it: no trailing slash, Docker Hub as registry-1.docker.io.
func chartSourceString(u repoURL) string {
	if u.scheme == "oci" && dockerHubAliases[u.host] {
		u.host = "registry-1.docker.io"
	}
	return u.String()
}

func joinURL(base, rest string) string {
	if rest == "" {
		return base
	}
	return base + "/" + rest
}
