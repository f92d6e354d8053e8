package credentials

import (
	"encoding/base64"
	"regexp"
	"strings"
	"sync"

	"github.com/kurator-scenario/scenario-fn/internal/fieldpath"
	"github.com/kurator-scenario/scenario-fn/internal/yamlnode"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Finding is one credential value in a resource.
type Finding struct {
	// Path is the field in kustomize path syntax (stringData.[objstore.yml],
	// spec.plugin.grafana.extraArgs.auth.password). For a credential inside
	// a file held in a Secret value (objstore.yml), the path names the
	// Secret field and Inner the key inside the file.
	Path  string
	Inner string
	// Value is the plain-text value (decoded when it came from base64 data).
	Value string
	// Reason says why it is a credential, for messages: "Secret stringData",
	// "credential key secret_key", "AWS access key id", ...
	Reason string
	// Placeholder is true when the value holds only Flux ${VAR} expressions
	// (and literal text without credentials): not committed in plain text.
	Placeholder bool
	// Node is the scalar that holds the value (for Inner findings, the
	// Secret value that holds the file). Value may be a part of it: the
	// password of a URL.
	Node *yaml.Node
}

// class is what a key says about its value.
type class int

const (
	neutral    class = iota
	credential       // the key names a credential: password, token, ...
	reference        // the key names a credential's name or location: secretName, existingSecret, tokenTTL
)

// credentialWords are matched against a key in lower case without '-',
// '_', '.' and blanks, so secret_key, secret-key and secretKey all match.
var credentialWords = []string{
	"password", "passwd", "passphrase", "secret", "token", "accesskey", "secretkey",
	"apikey", "privatekey", "credential", "bearer", "sessionkey", "authkey",
}

// Keys whose value is the name, location or a setting of a credential, not
// the credential itself, by their last word (secretName, tokenTTL,
// passwordFile, imagePullSecrets, accessKeyId) or first word
// (existingSecret, useSecret, createSecret).
var (
	referenceLast = map[string]bool{
		"name": true, "names": true, "ref": true, "refs": true, "namespace": true, "file": true, "files": true,
		"path": true, "dir": true, "url": true, "uri": true, "endpoint": true, "ttl": true, "expiry": true,
		"expiration": true, "duration": true, "period": true, "interval": true, "type": true, "enabled": true,
		"enable": true, "create": true, "policy": true, "mode": true, "provider": true, "length": true,
		"secrets": true, "selector": true, "version": true, "format": true, "header": true, "field": true,
		"from": true, "id": true, "keys": true, "annotations": true, "labels": true,
	}
	referenceFirst = map[string]bool{
		"existing": true, "use": true, "create": true, "enable": true, "disable": true, "skip": true,
		"show": true, "mount": true, "auto": true, "generate": true, "pass": true,
	}
	// A "<word>Key" key names the key of a Secret for these words
	// (passwordKey, tokenKey), unlike secretKey, apiKey or accessKey.
	keyOf = map[string]bool{"password": true, "passwd": true, "token": true, "credential": true, "credentials": true,
		"user": true, "username": true, "cert": true, "ca": true, "tls": true}
	// A "...Secret" key names a Secret (passwordSecret, tlsSecret), except
	// for these shared secrets (clientSecret, webhookSecret).
	sharedSecrets = map[string]bool{
		"client": true, "shared": true, "webhook": true, "hmac": true, "signing": true, "jwt": true,
		"api": true, "session": true, "cookie": true, "encryption": true, "master": true, "root": true,
		"admin": true, "app": true,
	}
)

// words splits a key at '-', '_', '.', blanks and camelCase boundaries,
// in lower case: accessKeyID -> access key id.
func words(key string) []string {
	var out []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '-' || c == '_' || c == '.' || c == ' ' || c == '/':
			flush()
		case c >= 'A' && c <= 'Z':
			// A new word starts at an upper-case letter after a lower-case
			// one, or before a lower-case one in a run (IDToken -> id token).
			if i > 0 && (isLower(key[i-1]) || (i+1 < len(key) && isLower(key[i+1]) && isUpper(key[i-1]))) {
				flush()
			}
			cur = append(cur, c)
		default:
			cur = append(cur, c)
		}
	}
	flush()
	return out
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// classes caches classify: resources repeat the same few hundred keys.
// It stops growing at maxClasses, so that input with endless distinct
// keys cannot grow it without bound.
var (
	classesMu sync.RWMutex
	classes   = map[string]class{}
)

const maxClasses = 4096

func classify(key string) class {
	classesMu.RLock()
	c, ok := classes[key]
	classesMu.RUnlock()
	if ok {
		return c
	}
	c = classifyUncached(key)
	classesMu.Lock()
	if len(classes) < maxClasses {
		classes[key] = c
	}
	classesMu.Unlock()
	return c
}

func classifyUncached(key string) class {
	ws := words(key)
	if len(ws) == 0 {
		return neutral
	}
	if !hasCredentialWord(ws) {
		return neutral
	}
	last := ws[len(ws)-1]
	switch {
	case len(ws) > 1 && referenceLast[last]:
		return reference
	case len(ws) > 1 && referenceFirst[ws[0]]:
		return reference
	case len(ws) > 1 && last == "secret" && !sharedSecrets[ws[0]]:
		return reference
	case len(ws) > 1 && last == "key" && keyOf[ws[len(ws)-2]]:
		return reference // passwordKey: the key of a Secret that holds the password
	case last == "secrets": // imagePullSecrets, secrets: [names]
		return reference
	}
	return credential
}

// hasCredentialWord reports whether a run of words spells a credential
// word (secret key, api key, credentials), or one word ends with one
// (adminpassword): tokenizer and passCredentials do not count.
func hasCredentialWord(ws []string) bool {
	for i := range ws {
		joined := ""
		for j := i; j < len(ws) && j < i+3; j++ {
			joined += ws[j]
			for _, w := range credentialWords {
				if joined == w || joined == w+"s" || (j == i && strings.HasSuffix(joined, w)) {
					return true
				}
			}
		}
	}
	return false
}

// IsKey reports whether a map key names a credential value: password,
// adminPassword, token, secret_key, access-key, apiKey, credentials. Keys
// that name a credential's name or location (secretName, existingSecret,
// passwordSecretRef, imagePullSecrets, tokenTTL) are not.
func IsKey(key string) bool { return classify(key) == credential }

var shapes = []struct {
	re     *regexp.Regexp
	reason string
}{
	{regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b`), "AWS access key id"},
	{regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----`), "private key block"},
	{regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})`), "GitHub token"},
	{regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`), "GitLab token"},
	{regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`), "Slack token"},
	{regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`), "Google API key"},
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`), "JSON web token"},
	{regexp.MustCompile(`\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`), "password in a URL"},
}

const flagReason = "credential in a command-line flag"

// flagSecrets returns the values of flags named like credentials in s
// (not those naming where a credential is: --token-file, --password-env).
func flagSecrets(s string) []string {
	var out []string
	for _, sm := range flagValue.FindAllStringSubmatch(s, -1) {
		name := strings.ToLower(strings.TrimRight(sm[1], "="))
		if strings.HasSuffix(name, "file") || strings.HasSuffix(name, "path") || strings.HasSuffix(name, "dir") ||
			strings.HasSuffix(name, "env") || strings.HasSuffix(name, "ref") || strings.HasSuffix(name, "name") {
			continue
		}
		if v := strings.Trim(sm[2], `"'`); v != "" && !IsPlaceholder(v) {
			out = append(out, v)
		}
	}
	return out
}

// flagValue finds the value of a command-line flag named like a credential
// (--password=x, --registry-token x, -passwd=x), as Pipeline args and
// scripts carry them.
var flagValue = regexp.MustCompile(`(?i)(?:^|[\s"'])--?([a-z0-9_-]*(?:password|passwd|token|secret|api-?key|access-?key|credentials?)[a-z0-9_-]*)(?:=|\s+)("[^"]*"|'[^']*'|[^\s"'-][^\s"']*)`)

// userinfo finds the password of a URL: scheme://user:PASSWORD@.
var userinfo = regexp.MustCompile(`://[^/\s:@]+:([^/\s@]+)@`)

// LooksLike returns why s has the shape of a credential, or "". Flux
// ${VAR} placeholders are never credentials.
func LooksLike(s string) string {
	if len(s) < 8 {
		return ""
	}
	if !maybeShaped(s) {
		return ""
	}
	t := StripPlaceholders(s)
	if !mayMatchShape(t) {
		return "" // e.g. ghcr.io images and @sha256 digests, which maybeShaped lets through
	}
	for _, sh := range shapes {
		if sh.re.MatchString(t) {
			return sh.reason
		}
	}
	if len(flagSecrets(t)) > 0 {
		return flagReason
	}
	return ""
}

// hints are substrings one of the shapes needs: most strings have none, and
// are not run through the regular expressions.
var hints = []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T", "PRIVATE KEY", "gh", "github_pat_", "glpat-", "xox", "AIza", "eyJ", "@"}

// flagHints are what flagValue needs, compared in lower case.
var flagHints = []string{"pass", "token", "secret", "key", "credential"}

func maybeShaped(s string) bool {
	for _, h := range hints {
		if strings.Contains(s, h) {
			return true
		}
	}
	if strings.Contains(s, "-") {
		l := strings.ToLower(s)
		for _, h := range flagHints {
			if strings.Contains(l, h) {
				return true
			}
		}
	}
	return false
}

// secretParts returns the parts of s that are secret for a value that only
// looks like a credential: the password of a URL, else s.
func secretParts(s string) []string {
	why := LooksLike(s)
	if m := userinfo.FindAllStringSubmatch(s, -1); m != nil && why == "password in a URL" {
		var out []string
		for _, sm := range m {
			out = append(out, sm[1])
		}
		return out
	}
	if why == flagReason {
		if out := flagSecrets(s); len(out) > 0 {
			return out
		}
	}
	return []string{s}
}

// StripPlaceholders removes every closed Flux ${...} expression (and the
// $$ escape) from s.
func StripPlaceholders(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) {
			if s[i+1] == '$' {
				i++
				continue
			}
			if s[i+1] == '{' {
				if end := strings.IndexByte(s[i+2:], '}'); end >= 0 {
					i += 2 + end
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// IsPlaceholder reports whether s is made of Flux ${VAR} expressions only
// (around punctuation and blanks): a reference to a credential supplied at
// apply time, not a credential.
func IsPlaceholder(s string) bool {
	if !strings.Contains(s, "${") {
		return false
	}
	if strings.Trim(StripPlaceholders(s), " \t\r\n\"':;,/@") == "" {
		return true
	}
	// scheme://${USER}:${PASSWORD}@host/path: the credentials of the URL
	// are placeholders, the rest is an address.
	if m := urlUser.FindStringSubmatch(s); m != nil && strings.Trim(StripPlaceholders(m[1]), ":") == "" &&
		!strings.Contains(StripPlaceholders(s), "${") {
		return LooksLike(strings.Replace(s, m[1], "", 1)) == ""
	}
	return false
}

// urlUser finds the user information of a URL: scheme://USERINFO@.
var urlUser = regexp.MustCompile(`^\s*[a-zA-Z][a-zA-Z0-9+.-]*://([^/\s@]+)@`)

// Find returns the credentials in resource n, in document order:
//   - every value of a Secret's data (base64, decoded) and stringData; when
//     such a value is a YAML or JSON document (objstore.yml), the
//     credentials inside it too;
//   - string values under credential keys anywhere but metadata;
//   - string values anywhere that look like a credential.
//
// Booleans, numbers, empty strings and "true"/"false" are never
// credentials.
func Find(n *yaml.RNode) []Finding {
	if n == nil || n.YNode() == nil {
		return nil
	}
	root := n.YNode()
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil
	}
	var out []Finding
	object(root, "", &out)
	return out
}

// isObject tells a Kubernetes object (the root, or one embedded in a
// template's resources or a List) from other mappings.
func isObject(n *yaml.Node) bool {
	return scalarAt(n, "apiVersion") != "" && scalarAt(n, "kind") != ""
}

// object finds the credentials of the Kubernetes object n at path.
func object(n *yaml.Node, path string, out *[]Finding) {
	isSecret := scalarAt(n, "kind") == "Secret" && scalarAt(n, "apiVersion") == "v1"
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, n.Content[i+1]
		switch {
		case key == "metadata":
			// Names and labels are not credentials; annotations may carry
			// one (kubectl's last-applied-configuration).
			if ann := yamlnode.MapValue(v, "annotations"); ann != nil && ann.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(ann.Content); j += 2 {
					a := ann.Content[j+1]
					if a.Kind == yaml.ScalarNode && isString(a) {
						if why := LooksLike(a.Value); why != "" {
							*out = append(*out, shaped(fieldpath.JoinKey(fieldpath.Concat(path, "metadata.annotations"), ann.Content[j].Value), a, why)...)
						}
					}
				}
			}
		case isSecret && (key == "data" || key == "stringData"):
			*out = append(*out, secretData(fieldpath.JoinKey(path, key), key, v)...)
		default:
			walk(v, fieldpath.JoinKey(path, key), classify(key), out)
		}
	}
}

func shaped(path string, n *yaml.Node, why string) []Finding {
	var out []Finding
	for _, p := range secretParts(n.Value) {
		out = append(out, Finding{Path: path, Value: p, Reason: why, Node: n})
	}
	return out
}

func secretData(fieldPath, field string, v *yaml.Node) []Finding {
	var out []Finding
	if v.Kind != yaml.MappingNode {
		return nil
	}
	for j := 0; j+1 < len(v.Content); j += 2 {
		k, val := v.Content[j].Value, v.Content[j+1]
		if val.Kind != yaml.ScalarNode || val.Value == "" || val.ShortTag() == yaml.NodeTagNull {
			continue
		}
		path := fieldpath.JoinKey(fieldPath, k)
		value := val.Value
		if field == "data" {
			if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value)); err == nil {
				out = append(out, Finding{Path: path, Value: value, Reason: "Secret data", Node: val})
				value = string(dec)
			}
		}
		f := Finding{Path: path, Value: value, Reason: "Secret " + field, Placeholder: IsPlaceholder(value), Node: val}
		inner := innerFile(path, value, val)
		if len(inner) > 0 {
			// A config file: its credentials decide, not its other lines
			// (bucket, endpoint).
			f.Placeholder = true
			for _, in := range inner {
				if !in.Placeholder {
					f.Placeholder = false
				}
			}
		}
		out = append(out, f)
		out = append(out, inner...)
	}
	return out
}

// innerFile parses a Secret value that is a YAML or JSON document and
// returns the credentials in it, reported at the Secret field.
func innerFile(path, value string, holder *yaml.Node) []Finding {
	if !strings.ContainsAny(value, ":\n") || len(value) > 1<<20 {
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(value), &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	var found []Finding
	walk(doc.Content[0], "", neutral, &found)
	for i := range found {
		found[i].Inner, found[i].Path, found[i].Node = found[i].Path, path, holder
	}
	return found
}

func walk(n *yaml.Node, path string, c class, out *[]Finding) {
	switch n.Kind {
	case yaml.MappingNode:
		if c != credential && isObject(n) {
			object(n, path, out) // a resource in a template or a List
			return
		}
		// {name: DB_PASSWORD, value: ...}: an environment variable (or a
		// Helm --set, a Tekton param) that holds a credential.
		named := false
		if name := yamlnode.MapValue(n, "name"); c != credential && name != nil && name.Kind == yaml.ScalarNode && IsKey(name.Value) {
			if v := yamlnode.MapValue(n, "value"); v != nil && v.Kind == yaml.ScalarNode && isString(v) && v.Value != "" {
				*out = append(*out, Finding{Path: fieldpath.JoinKey(path, "value"), Value: v.Value, Reason: "credential " + name.Value,
					Placeholder: IsPlaceholder(v.Value), Node: v})
				named = true
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if named && key == "value" {
				continue
			}
			kc := classify(key)
			switch {
			case kc == reference:
			case kc == neutral && c == credential:
				kc = credential // everything under credentials: {...}
			case kc == neutral && strings.EqualFold(key, "auth") && n.Content[i+1].Kind == yaml.ScalarNode:
				kc = credential // docker config auths.<host>.auth: base64 user:password
			}
			walk(n.Content[i+1], fieldpath.JoinKey(path, key), kc, out)
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			walk(e, fieldpath.Join(path, fieldpath.Element(e, i)), c, out)
		}
	case yaml.ScalarNode:
		if !isString(n) || n.Value == "" {
			return
		}
		if c == credential {
			*out = append(*out, Finding{Path: path, Value: n.Value, Reason: "credential key " + lastKey(path), Placeholder: IsPlaceholder(n.Value), Node: n})
			return
		}
		if why := LooksLike(n.Value); why != "" {
			*out = append(*out, shaped(path, n, why)...)
		}
	}
}

// isString: only string values can be credentials; true/false/yes/no are
// settings even when quoted.
func isString(n *yaml.Node) bool {
	if n.ShortTag() != yaml.NodeTagString {
		return false
	}
	switch strings.ToLower(n.Value) {
	case "true", "false", "yes", "no", "on", "off", "null", "~":
		return false
	}
	return true
}

func lastKey(path string) string {
	p, err := fieldpath.Parse(path)
	last, ok := p.Last()
	switch {
	case err != nil || !ok:
		return path
	case last.Kind == fieldpath.KeyKind:
		return last.Key
	}
	return last.String()
}

func scalarAt(n *yaml.Node, key string) string {
	v := yamlnode.MapValue(n, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}
