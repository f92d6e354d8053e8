package fn_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/internal/benchdata"
	"github.com/kurator-scenario/scenario-fn/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestTmpRefused(t *testing.T) {
	var mu sync.Mutex
	counts := map[string][2]int{}
	shown := map[string]bool{}
	defer fn.SetSpliceHook(fn.SetSpliceHook(func(s *krm.Split, i int, n *yaml.RNode, b []byte, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		k := n.GetKind()
		c := counts[k]
		if ok { c[0]++ } else { c[1]++; if !shown[k] { shown[k] = true; fmt.Printf("REFUSED %s:\n%s\n", k, s.Raw(i)) } }
		counts[k] = c
	}))
	run(t, "", benchdata.ResourceList(100))
	fmt.Println(counts)
}
