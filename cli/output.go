package cli

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"
	sigsyaml "sigs.k8s.io/yaml"
)

// outputFlag adds -o/--output to a command whose output is data: "" is the
// text for people, yaml and json are for programs (as in kubectl).
func outputFlag(cmd *cobra.Command, o *string) {
	cmd.Flags().StringVarP(o, "output", "o", "", "output format: yaml or json (default: text for people)")
	_ = cmd.RegisterFlagCompletionFunc("output", fixedValues("yaml", "json"))
}

// checkOutput validates an -o value.
func checkOutput(o string) error {
	switch o {
	case "", "yaml", "json":
		return nil
	}
	return usageErrorf("--output %q: use yaml or json", o)
}

// writeData writes v as indented JSON or as YAML (the same fields,
// converted from the JSON).
func writeData(w io.Writer, format string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if format == "yaml" {
		if data, err = sigsyaml.JSONToYAML(data); err != nil {
			return err
		}
	} else {
		data = append(data, '\n')
	}
	_, err = w.Write(data)
	return err
}

// dataCommand checks -o before the body runs, so a bad value is a usage
// error whatever else is wrong.
func dataCommand(o *string, body func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := checkOutput(*o); err != nil {
			return err
		}
		return body(cmd, args)
	}
}
