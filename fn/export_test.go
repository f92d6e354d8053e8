package fn

import (
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// SetStreaming turns the streaming path on or off (the differential test
// runs both paths on the same input) and returns the previous setting.
func SetStreaming(on bool) bool {
	old := streaming
	streaming = on
	return old
}

// StreamedRuns counts the runs that took the streaming path.
func StreamedRuns() int64 { return streamedRuns.Load() }

// SetSpliceHook sets the hook that sees every changed item of a streaming
// run (the tree as changed and what Split.Splice made of it) and returns
// the previous one.
func SetSpliceHook(h func(s *krm.Split, i int, changed *yaml.RNode, spliced []byte, ok bool)) func(s *krm.Split, i int, changed *yaml.RNode, spliced []byte, ok bool) {
	old := spliceHook
	spliceHook = h
	return old
}
