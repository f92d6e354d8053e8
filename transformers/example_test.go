package transformers_test

import (
	"fmt"
	"os"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/krm"
)

// The transformer as kustomize or kpt runs it: a ResourceList on stdin,
// the rewritten items and the results on stdout.
func ExampleImageRegistry() {
	in := `apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig:
  apiVersion: scenario.kurator.dev/v1alpha1
  kind: ImageRegistryTransformer
  metadata: {name: corp-mirror}
  spec:
    rules:
    - {from: docker.io, to: harbor.corp.local/dockerhub}
    - {from: "*", to: harbor.corp.local/mirror}
items:
- apiVersion: batch/v1
  kind: CronJob
  metadata: {name: report}
  spec:
    jobTemplate:
      spec:
        template:
          spec:
            initContainers: [{name: wait, image: "busybox:1.36"}]
            containers: [{name: report, image: "quay.io/org/report:2@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"}]
`
	rl, err := krm.Read([]byte(in))
	if err != nil {
		panic(err)
	}
	for _, p := range fn.Process(&krm.Context{}, rl) {
		fmt.Println(p.Severity, p.Message)
	}
	rl.Results = nil
	rl.FunctionConfig = nil
	_ = rl.Write(os.Stdout)
	// Output:
	// info mirror image docker.io/library/busybox:1.36 -> harbor.corp.local/dockerhub/library/busybox:1.36
	// info mirror image quay.io/org/report:2@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa -> harbor.corp.local/mirror/quay.io/org/report:2@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa
	// info rewrote 2 image references and 0 chart references in 1 resource; 0 references already named the private registry, 0 references matched no rule and were left unchanged
	// apiVersion: config.kubernetes.io/v1
	// kind: ResourceList
	// items:
	// - apiVersion: batch/v1
	//   kind: CronJob
	//   metadata: {name: report}
	//   spec:
	//     jobTemplate:
	//       spec:
	//         template:
	//           spec:
	//             initContainers: [{name: wait, image: "harbor.corp.local/dockerhub/library/busybox:1.36"}]
	//             containers: [{name: report, image: "harbor.corp.local/mirror/quay.io/org/report:2@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"}]
}
