package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kurator-scenario/scenario-fn/fn"
	"github.com/kurator-scenario/scenario-fn/krm"
	"github.com/kurator-scenario/scenario-fn/kurator"
)

// Set at build time with -ldflags "-X .../cli.Version=... -X .../cli.Commit=...".
var (
	Version = "dev"
	Commit  = "unknown"
)

// IO bundles the standard streams, so commands can be tested.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Main runs the command line and returns the exit code.
func Main(args []string, stdio IO) int {
	if len(args) == 0 {
		return krmMode(stdio)
	}
	switch args[0] {
	case "-h", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			if cmd, ok := commands[args[1]]; ok {
				return cmd([]string{"--help"}, stdio)
			}
		}
		fmt.Fprint(stdio.Out, usage)
		return 0
	case "--version", "version":
		fmt.Fprintf(stdio.Out, "scenario-fn %s (commit %s)\nKurator API: %s, %s, %s (CRDs from kurator-dev/kurator@%s)\n",
			Version, Commit, kurator.FleetAPIVersion, kurator.ApplicationAPIVersion, kurator.PipelineAPIVersion, kurator.SourceCommit[:8])
		return 0
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd(args[1:], stdio)
	}
	fmt.Fprintf(stdio.Err, "error: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// commands are the subcommands for people; each parses its own flags.
var commands = map[string]func(args []string, stdio IO) int{}

func krmMode(stdio IO) int {
	in, err := krm.ReadAllLimited(stdio.In, "the ResourceList on stdin", krm.MaxInputBytes())
	if err != nil {
		fmt.Fprintf(stdio.Err, "error: reading stdin: %v\n", err)
		return 1
	}
	root, err := os.OpenRoot(".")
	if err != nil {
		fmt.Fprintf(stdio.Err, "error: %v\n", err)
		return 1
	}
	defer root.Close()
	return fn.Run(&krm.Context{Root: root}, in, stdio.Out, stdio.Err)
}

var usage = strings.TrimLeft(`
scenario-fn renders Kurator Fleet, Application and Pipeline resources from
scenario templates, and swaps image registries for private installs.

As a KRM function (kustomize --enable-alpha-plugins --enable-exec, kpt fn
render --allow-exec) it reads a ResourceList on stdin; its functionConfig
selects what it does:

  apiVersion: scenario.kurator.dev/v1alpha1
  kind: ScenarioTemplate          render an instance of a template chain
  kind: ImageRegistryTransformer  rewrite image and chart registries

  kind: ScenarioTemplate
  metadata: {name: orders, namespace: shop}   generated names derive from these
  spec:
    extends: [canary-service]      built-in, package template, or ./file.yaml
    values: {image: ghcr.io/acme/orders, tag: v1.4.2, gitRepository: ..., fleet: prod}
    resources: [...]               partial Kurator resources, merged by kind and name
    overlays: [...]                partial resources merged after the values
    output: {flux: none|escape|disable, path: generated/orders.yaml}

  kind: ImageRegistryTransformer
  spec:
    rules:                         the most specific matching "from" wins
    - {from: docker.io, to: harbor.corp.local/dockerhub}
    - {from: "*", to: harbor.corp.local/mirror}
    chartRules: [...]              chart repository prefixes, checked first
    imagePullSecrets: [harbor-pull]
    fieldSpecs: [{kind: Widget, path: spec/runner/image}]
    kurator: {writeCharts: true}   write full chart blocks for Fleet plugins
    mirrorList: {name, namespace, path, localConfig}   also emit the mirror list

Usage:
  scenario-fn < resourcelist.yaml     run as a KRM function
  scenario-fn COMMAND [flags]         a command for people:

Commands:
  init NAME --template T              write a ready-to-render instance skeleton
  templates [list|show NAME]          browse built-in and local templates
  render FILE|DIR                     render instances without kustomize or kpt
  explain FILE|DIR [--field PATH]     show the layer, file and line behind every field
  validate FILE|DIR ...               check Kurator YAML against the CRDs and controller rules

  scenario-fn COMMAND --help          a command's flags and examples
  scenario-fn --version               version and Kurator API version
  scenario-fn --help                  this text

Exit codes: 0 success, 1 failure (problems on stderr), 2 command-line error.

See README.md for kustomize, kpt, Flux and container usage.
`, "\n")
