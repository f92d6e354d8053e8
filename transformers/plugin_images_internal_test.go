package transformers

import (
	"strings"
	"testing"

	"github.com/distribution/reference"
)

// TestChartImageTable checks the data of plugin_images.go against itself
// and against fleetPlugins: a typo there would silently drop an image.
func TestChartImageTable(t *testing.T) {
	components := map[string]bool{}
	for _, fp := range fleetPlugins {
		components[fp.Component] = true
		if _, ok := chartImages[fp.Component]; !ok {
			t.Errorf("release %s has no entry in chartImages", fp.Component)
		}
	}
	for comp, imgs := range chartImages {
		if !components[comp] {
			t.Errorf("chartImages has %q, which is no fleetPlugins component", comp)
		}
		for _, ci := range imgs {
			if ci.Shape == shapePrefix {
				if _, _, msg := parsePrefix(ci.Ref); msg != "" || ci.Split != ci.Ref || len(ci.Components) == 0 {
					t.Errorf("%s: prefix %s: %s; it needs Split = Ref and components", comp, ci.Ref, msg)
				}
				for _, c := range ci.Components {
					if _, err := reference.ParseNormalizedNamed(ci.Ref + "/" + c); err != nil || !strings.Contains(c, ":") {
						t.Errorf("%s: component %s: want name:tag (%v)", comp, c, err)
					}
				}
				continue
			}
			named, err := reference.ParseNormalizedNamed(ci.Ref)
			if err != nil || named.String() != ci.Ref {
				t.Errorf("%s: %s is not a normalised reference (%v)", comp, ci.Ref, err)
				continue
			}
			if ci.Key == "" {
				t.Errorf("%s: %s has no values key", comp, ci.Ref)
			}
			_, tagged := named.(reference.Tagged)
			_, digested := named.(reference.Digested)
			switch ci.Shape {
			case shapeRepositoryAnyTag:
				if tagged || ci.Why == "" {
					t.Errorf("%s: %s: an any-tag repository has no tag and says why", comp, ci.Ref)
				}
			default:
				if !tagged && !digested {
					t.Errorf("%s: %s has no tag: the mirror list needs one", comp, ci.Ref)
				}
			}
			if ci.Split != "" && !strings.HasSuffix(reference.Path(named), ci.Split) {
				t.Errorf("%s: Split %s is not the end of %s", comp, ci.Split, reference.Path(named))
			}
		}
	}
	for k := range chartPullSecrets {
		if !components[k] {
			t.Errorf("chartPullSecrets has %q, which is no fleetPlugins component", k)
		}
	}
	for k := range floatingVersions {
		found := false
		for _, fp := range fleetPlugins {
			found = found || fp.Chart.Name+" "+fp.Chart.Version == k
		}
		if !found {
			t.Errorf("floatingVersions has %q, which is no default chart", k)
		}
	}
}

// TestForbiddenRune covers each class of invisible character.
func TestForbiddenRune(t *testing.T) {
	for in, want := range map[string]string{
		"docker.io/library/nginx:1.25": "",
		"quay.io/x\u202e/y":            "bidirectional override U+202E at byte 9",
		"quay.io/x\u2066/y":            "bidirectional override U+2066",
		"quay.io/\u200bx":              "zero-width or direction mark U+200B",
		"quay.io/x\u200f":              "zero-width or direction mark U+200F",
		"\ufeffquay.io/x":              "U+FEFF at byte 0",
		"quay.io/x\x00":                "control character U+0000",
		"quay.io/x\ty":                 "control character U+0009",
		"quay.io/x\u0085":              "control character U+0085",
		"quay.io/\xffx":                "invalid UTF-8 at byte 8",
	} {
		got := forbiddenRune(in)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("forbiddenRune(%+q) = %q, want %q", in, got, want)
		}
	}
}
