package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

const rootLong = `scenario-fn renders Kurator Fleet, Application and Pipeline resources from
scenario templates, and swaps image registries for private installs.

As a KRM function (kustomize --enable-alpha-plugins --enable-exec, kpt fn
render --allow-exec) it runs without arguments and reads a ResourceList on
stdin; its functionConfig selects what it does:

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

With a command it is a tool for people (below). Exit codes: 0 success,
1 failure (problems on stderr), 2 command-line error.

See README.md for kustomize, kpt, Flux and container usage.`

const rootExamples = `  scenario-fn < resourcelist.yaml     run as a KRM function
  scenario-fn init orders --template canary-service
  scenario-fn templates show canary-service
  source <(scenario-fn completion bash)`

// newRootCommand builds the command tree for one run. Every command
// writes to stdio; flags are parsed by pflag, wherever they appear.
func newRootCommand(stdio IO) *cobra.Command {
	var showVersion bool
	root := &cobra.Command{
		Use:     "scenario-fn",
		Short:   "Kurator scenario templates and image registry swap, as a KRM function and CLI",
		Long:    rootLong,
		Example: rootExamples,
		// Without a command, Main runs the KRM function; here only
		// stray arguments or flags arrive.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			return unknownCommand(cmd, args[0])
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if showVersion {
				_, err := fmt.Fprint(stdio.Out, currentVersion().text())
				return err
			}
			return cmd.Help()
		},
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true,
	}
	root.SuggestionsMinimumDistance = 2
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	// --version is a flag of our own: cobra's would print through
	// text/template, which keeps every method of every type in the binary.
	root.Flags().BoolVar(&showVersion, "version", false, "print the version (as the version command does)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr{err.Error()} })
	root.AddCommand(
		newInitCommand(stdio),
		newTemplatesCommand(stdio),
		newRenderCommand(stdio),
		newExplainCommand(stdio),
		newValidateCommand(stdio),
		newVersionCommand(stdio),
	)
	for _, c := range root.Commands() {
		// Commands take their positional arguments as they are and
		// check them with a message of their own.
		if c.Args == nil {
			c.Args = cobra.ArbitraryArgs
		}
	}
	return root
}

// unknownCommand is the usage error for a word that is no subcommand of
// cmd, with cobra's suggestion when one is close.
func unknownCommand(cmd *cobra.Command, word string) error {
	msg := "unknown command \"" + word + "\" for \"" + cmd.CommandPath() + "\""
	if s := cmd.SuggestionsFor(word); len(s) > 0 {
		msg += " (did you mean " + s[0] + "?)"
	}
	return usageErr{msg}
}

// noFileCompletion offers nothing (and no file names) for an argument.
func noFileCompletion(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// fixedValues completes a flag with one of values.
func fixedValues(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}
