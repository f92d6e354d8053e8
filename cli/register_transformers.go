package cli

import (
	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/transformers"
)

func init() {
	fn.Register("ImageRegistryTransformer", transformers.ImageRegistry{})
}
