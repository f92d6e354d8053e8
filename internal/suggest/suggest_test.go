package suggest

import (
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	names := []string{"canary-service", "blue-green-service", "web-service", "replicas"}
	for in, want := range map[string]string{
		"canary-servce":            "canary-service",     // typo
		"blue":                     "blue-green-service", // prefix
		"Replicas":                 "replicas",
		"zzz":                      "",
		strings.Repeat("x", 1<<20): "", // long input: bounded cost, no suggestion
	} {
		if got := Suggest(in, names); got != want {
			t.Errorf("Suggest(%.20q) = %q, want %q", in, got, want)
		}
	}
	if d := EditDistance("kitten", "sitting"); d != 3 {
		t.Errorf("EditDistance = %d, want 3", d)
	}
}

func TestArticle(t *testing.T) {
	for word, want := range map[string]string{"integer": "an", "object": "an", "array": "an", "string": "a", "boolean": "a", "": "a"} {
		if got := Article(word); got != want {
			t.Errorf("Article(%q) = %q, want %q", word, got, want)
		}
	}
}
