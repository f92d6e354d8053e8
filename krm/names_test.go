package krm

import (
	"strings"
	"testing"
)

func TestDNS1123(t *testing.T) {
	for _, c := range []struct {
		s              string
		subdomain, lbl bool
	}{
		{"prod", true, true},
		{"a-b.c", true, false},
		{"", false, false},
		{"Prod", false, false},
		{"-a", false, false},
		{"a-", false, false},
		{"a..b", false, false},
		{"a_b", false, false},
		{strings.Repeat("a", 63), true, true},
		{strings.Repeat("a", 64), true, false},
		{strings.Repeat("a.", 126) + "a", true, false},   // 253
		{strings.Repeat("a.", 126) + "ab", false, false}, // 254
	} {
		if got := IsDNS1123Subdomain(c.s); got != c.subdomain {
			t.Errorf("IsDNS1123Subdomain(%q) = %v", c.s, got)
		}
		if got := IsDNS1123Label(c.s); got != c.lbl {
			t.Errorf("IsDNS1123Label(%q) = %v", c.s, got)
		}
	}
	if NamespaceOrDefault("") != "default" || NamespaceOrDefault("shop") != "shop" {
		t.Error("NamespaceOrDefault")
	}
}
