// Package krmtest holds checks that tests of krm and of its callers share.
package krmtest

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// SpliceProblem checks Split.Splice's contract for item i of s: spliced
// (what Splice wrote for the changed tree) reads back as changed, and where
// the input is written as EncodeItem writes it, spliced is what EncodeItem
// writes for changed. It returns "" when both hold; kyamlStyle reports
// whether the input was in kyaml's style (so the second part was checked).
func SpliceProblem(s *krm.Split, i int, changed *yaml.RNode, spliced []byte) (problem string, kyamlStyle bool) {
	back, err := s.ReadItem(spliced)
	if err != nil {
		return fmt.Sprintf("does not read back: %v\n%s", err, spliced), false
	}
	if d := SameTree(back.YNode(), changed.YNode(), ""); d != "" {
		return fmt.Sprintf("reads back otherwise: %s\n--- input\n%s--- spliced\n%s", d, s.Raw(i), spliced), false
	}
	orig, _ := s.Item(i)
	encOrig, err1 := s.EncodeItem(orig)
	encChanged, err2 := s.EncodeItem(changed)
	if err1 != nil || err2 != nil || !bytes.Equal(encOrig, s.Raw(i)) {
		return "", false
	}
	if !bytes.Equal(encChanged, spliced) {
		return fmt.Sprintf("input in kyaml's style, yet:\n--- EncodeItem\n%s--- Splice\n%s", encChanged, spliced), true
	}
	return "", true
}

// SameTree compares two node trees' kinds, tags, values, comments and
// structure, and describes the first difference under path ("" when
// they are the same).
func SameTree(a, b *yaml.Node, path string) string {
	switch {
	case a.Kind != b.Kind:
		return fmt.Sprintf("%s: kind %v, want %v", path, a.Kind, b.Kind)
	case a.Kind == yaml.ScalarNode && (a.Value != b.Value || a.ShortTag() != b.ShortTag()):
		return fmt.Sprintf("%s: %s %q, want %s %q", path, a.ShortTag(), a.Value, b.ShortTag(), b.Value)
	case a.HeadComment != b.HeadComment || a.LineComment != b.LineComment || a.FootComment != b.FootComment:
		return fmt.Sprintf("%s: comments %q %q %q, want %q %q %q", path, a.HeadComment, a.LineComment, a.FootComment, b.HeadComment, b.LineComment, b.FootComment)
	case len(a.Content) != len(b.Content):
		return fmt.Sprintf("%s: %d children, want %d", path, len(a.Content), len(b.Content))
	}
	for j := range a.Content {
		if d := SameTree(a.Content[j], b.Content[j], path+"/"+strconv.Itoa(j)); d != "" {
			return d
		}
	}
	return ""
}
