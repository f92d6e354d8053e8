package credentials

import "strings"

// MayHold is a cheap test of a resource's YAML text: false only when Find
// cannot report anything in any resource parsed from it, so that a caller
// holding both the text and the tree (the streaming transformer, for each
// item it writes) need not walk the tree. It is exact, not a heuristic:
// every finding of Find needs one of these in the text, spelled out:
//
//   - a Secret (data, stringData): "secret";
//   - a credential key (and the "name: DB_PASSWORD" of an environment
//     variable): one of credentialWords, each of which contains "pass",
//     "secret", "token", "key", "credential" or "bearer" within one word
//     of the key, plus "auth" for docker config auths; the keys
//     imagePullSecrets and pullSecret do not count (safeKeyAt);
//   - a value shaped like a credential: the substring each of the shapes
//     needs (tightHints), or, for a credential flag, one of the words
//     above.
//
// Text that can spell a value other than it is written is never ruled
// out: escapes (\), Flux expressions ($, which LooksLike strips before it
// matches) and non-ASCII letters (strings.ToLower folds some of them to
// ASCII, the Kelvin sign to k). Line folding joins the lines of a
// multi-line scalar with a blank, which only the "PRIVATE KEY" shape
// contains: its hint here is "PRIVATE".
func MayHold(text []byte) bool {
	url, at := false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\\' || c == '$' || c >= 0x80:
			return true
		case c == '@':
			at = true
		case c == ':' && hasAt(text, i, "://"):
			url = true // a password in a URL needs "://" and "@"
		}
		if shapeHintAt(text, i) || keyHintAt(text, i) {
			return true
		}
	}
	return url && at
}

// keyHints are what a credential key or flag contains, in lower case.
var keyHints = []string{"pass", "secret", "token", "key", "credential", "bearer", "auth"}

// tightHints are the substrings the shapes (shapes) need, one of them per
// shape, in their case: the regular expressions match only text that has
// one. The password in a URL needs "://" and "@" (MayHold, LooksLike).
var tightHints = []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T", "PRIVATE", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
	"github_pat_", "glpat-", "xox", "AIza", "eyJ"}

// shapeHintAt: one of tightHints starts at text[i].
func shapeHintAt(text []byte, i int) bool {
	switch text[i] {
	case 'A', 'P', 'g', 'x', 'e':
		for _, h := range tightHints {
			if h[0] == text[i] && hasAt(text, i, h) {
				return true
			}
		}
	}
	return false
}

// keyHintAt: one of keyHints starts at text[i], in any ASCII case (a
// "secret" only outside the keys unsafeSecret allows).
func keyHintAt(text []byte, i int) bool {
	c := text[i] | 0x20
	switch c {
	case 'p', 's', 't', 'k', 'c', 'b', 'a':
	default:
		return false
	}
	for _, w := range keyHints {
		if w[0] != c || !hasFoldAt(text, i, w) {
			continue
		}
		if w == "secret" && (safeKeyAt(text, i, "imagePull", "Secrets:") || safeKeyAt(text, i, "pull", "Secret:")) {
			continue
		}
		return true
	}
	return false
}

func hasAt(text []byte, i int, s string) bool {
	return len(text)-i >= len(s) && string(text[i:i+len(s)]) == s
}

// hasFoldAt: word (ASCII lower case) starts at text[i] in any ASCII case.
func hasFoldAt(text []byte, i int, word string) bool {
	if len(text)-i < len(word) {
		return false
	}
	for j := 0; j < len(word); j++ {
		c := text[i+j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != word[j] {
			return false
		}
	}
	return true
}

// The keys imagePullSecrets and pullSecret, which the transformer adds
// to every pod spec and flagger's values, hold a "secret" that spells no
// credential: as keys they name a Secret (classify: reference); inside a
// longer scalar the colon sticks to their last word (words splits at
// -_./ and blanks, not at a colon), so "secrets:" or "secret:" is no
// credential word; and a flag name (flagValue) starts at a dash, which
// the blank, newline, { or , before them is not. Their exact spelling is
// required: "imagePullSecretS" splits into secret + s.
//
// safeKeyAt reports such a key at text[i]: text[i:] starts with rest,
// preceded by head, which starts the text, a line or a flow pair, or
// follows a blank; a blank or a line end follows.
func safeKeyAt(text []byte, i int, head, rest string) bool {
	start, end := i-len(head), i+len(rest)
	if start < 0 || end > len(text) || string(text[start:i]) != head || string(text[i:end]) != rest {
		return false
	}
	if start > 0 {
		switch text[start-1] {
		case ' ', '\n', '{', ',':
		default:
			return false
		}
	}
	return end == len(text) || text[end] == ' ' || text[end] == '\n'
}

// mayMatchShape is LooksLike's second test, on the text the shapes are
// matched against: false only when none of them can match it and it holds
// no credential flag (flagValue ignores case the Unicode way, so text
// with non-ASCII letters is never ruled out).
func mayMatchShape(t string) bool {
	for i := 0; i < len(t); i++ {
		if t[i] >= 0x80 {
			return true
		}
	}
	for _, h := range tightHints {
		if strings.Contains(t, h) {
			return true
		}
	}
	if strings.Contains(t, "://") && strings.Contains(t, "@") {
		return true
	}
	if strings.Contains(t, "-") {
		for _, w := range flagHints {
			if containsFold(t, w) {
				return true
			}
		}
	}
	return false
}

// containsFold reports whether text contains word (ASCII lower case) in
// any ASCII case.
func containsFold(text, word string) bool {
	n := len(word)
	for i := 0; i+n <= len(text); i++ {
		j := 0
		for ; j < n; j++ {
			c := text[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != word[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}
