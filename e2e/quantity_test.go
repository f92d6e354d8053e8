package e2e

import (
	"testing"

	"github.com/kurator-scenario/scenario-fn/kurator"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestQuantityGrammar checks kurator.ValidQuantity (the root module has no
// apimachinery dependency) against resource.ParseQuantity, the parser the
// API server decodes every Quantity field with.
func TestQuantityGrammar(t *testing.T) {
	cases := []string{
		"", "0", "1", "10", "500m", "0.5", ".5", "1.", ".", "+1", "-1", "+", "-", "+.5", "-.5",
		"1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei", "1Zi", "1ki", "1gi", "1K", "1k", "1M", "1G", "1T", "1P", "1E",
		"1n", "1u", "1m", "1Gb", "1GB", "1GiB", "1 Gi", " 1", "1 ", "1e3", "1E3", "1e+3", "1e-3", "1e", "1e+",
		"1e1.5", "1.5e3", "1.5Gi", "1..5", "1.5.5", "1Gi1", "Gi", "m", "e3", "1mm", "1Mii", "0x10", "1_000",
		"100000000000000000000000000", "1e999999999", "1e9999999999", "1e99999999999999999999999", "1e9223372036854775807", "1e9223372036854775808", "1e-9223372036854775808", "1e+-3", "1e 3", "0.000000001", "1i", "1b", "1B",
		"12345678901234567890Mi", "00010", "1e0", "1e-0", "1.0e0", "1.e1", ".e1", "-0", "+0Ki",
	}
	for _, s := range cases {
		_, err := resource.ParseQuantity(s)
		if got, want := kurator.ValidQuantity(s), err == nil; got != want {
			t.Errorf("ValidQuantity(%q) = %v, ParseQuantity: %v", s, got, err)
		}
	}
}
