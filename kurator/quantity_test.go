package kurator

import "testing"

// The grammar itself is checked against apimachinery's ParseQuantity in
// the e2e module (TestQuantityGrammar); these are the hints.
func TestQuantityHint(t *testing.T) {
	for in, want := range map[string]string{
		"1Gb":    "write 1G or 1Gi (decimal or binary; a Kubernetes quantity has no B and no space)",
		"512MB":  "write 512M or 512Mi (decimal or binary; a Kubernetes quantity has no B and no space)",
		"1GiB":   "write 1Gi (a Kubernetes quantity has no B)",
		"2 Gi":   "write 2Gi (binary suffixes are Ki Mi Gi Ti Pi Ei)",
		"1gi":    "write 1Gi (binary suffixes are Ki Mi Gi Ti Pi Ei)",
		"1K":     "write 1k or 1Ki (decimal or binary; a Kubernetes quantity has no B and no space)",
		"0.5Gb":  "write 0.5G or 0.5Gi (decimal or binary; a Kubernetes quantity has no B and no space)",
		"lots":   quantityHint,
		"1Zi":    quantityHint,
		"1.5.5G": quantityHint,
	} {
		if ok, got := CheckQuantity(in); ok || got != want {
			t.Errorf("CheckQuantity(%q) = %v, %q; want false, %q", in, ok, got, want)
		}
	}
	for _, in := range []string{"1", "500m", "1Gi", "1.5G", "1e3", "+2Ki", ".5"} {
		if ok, hint := CheckQuantity(in); !ok || hint != "" {
			t.Errorf("CheckQuantity(%q) = %v, %q; want true", in, ok, hint)
		}
	}
}
