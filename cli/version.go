package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/kurator-scenario/scenario-fn/kurator"
	"github.com/spf13/cobra"
)

// Version and Commit override what the Go build info says, for builds
// without it (a container build from a copy without .git):
// -ldflags "-X .../cli.Version=v1.2.3 -X .../cli.Commit=0123abc".
var (
	Version = ""
	Commit  = ""
)

// buildVersion is what `version` reports.
type buildVersion struct {
	Version    string   `json:"version"`
	Commit     string   `json:"commit"`
	CommitTime string   `json:"commitTime,omitempty"`
	Modified   bool     `json:"modified,omitempty"`
	GoVersion  string   `json:"goVersion"`
	Platform   string   `json:"platform"`
	KuratorAPI []string `json:"kuratorAPI"`
	CRDSource  string   `json:"crdSource"`
}

// readVersion takes the version from the Go build info: `go install
// module@v1.2.3` records v1.2.3; `go build` in a git checkout records the
// tag (or a pseudo-version) and the commit. -ldflags -X values win.
func readVersion(info *debug.BuildInfo, ok bool) buildVersion {
	v := buildVersion{
		Version:    "(devel)",
		Commit:     "unknown",
		GoVersion:  runtime.Version(),
		Platform:   runtime.GOOS + "/" + runtime.GOARCH,
		KuratorAPI: []string{kurator.FleetAPIVersion, kurator.ApplicationAPIVersion, kurator.PipelineAPIVersion},
		CRDSource:  "kurator-dev/kurator@" + kurator.SourceCommit,
	}
	if ok && info != nil {
		if info.Main.Version != "" {
			v.Version = info.Main.Version
		}
		if info.GoVersion != "" {
			v.GoVersion = info.GoVersion
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.time":
				v.CommitTime = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
		if v.Commit == "unknown" {
			// A module-mode `go install m@v0.0.0-20260101000000-0123456789ab`
			// records no vcs settings, but the pseudo-version ends in the commit.
			base := strings.TrimSuffix(v.Version, "+dirty")
			if i := strings.LastIndexByte(base, '-'); i > 0 && strings.Count(base, "-") >= 2 && isHex(base[i+1:], 12) {
				v.Commit = base[i+1:]
			}
		}
	}
	if Version != "" {
		v.Version = Version
	}
	if Commit != "" {
		v.Commit = Commit
	}
	return v
}

func currentVersion() buildVersion {
	info, ok := debug.ReadBuildInfo()
	return readVersion(info, ok)
}

func (v buildVersion) text() string {
	commit := v.Commit
	if v.Modified {
		commit += ", modified"
	}
	if v.CommitTime != "" {
		commit += ", " + v.CommitTime
	}
	return fmt.Sprintf("scenario-fn %s (commit %s)\n%s %s\nKurator API: %s (CRDs from %s)\n",
		v.Version, commit, v.GoVersion, v.Platform, strings.Join(v.KuratorAPI, ", "), v.CRDSource)
}

func newVersionCommand(stdio IO) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, Go version and Kurator API versions",
		Long: `Prints the version of scenario-fn (the release tag, or a Go pseudo-version for
a build between releases), the commit it was built from, the Go version and
platform, and the Kurator API versions and CRD source it validates against.`,
		Example: `  scenario-fn version
  scenario-fn version -o json`,
		Args:              cobra.NoArgs,
		ValidArgsFunction: noFileCompletion,
	}
	outputFlag(cmd, &output)
	cmd.RunE = dataCommand(&output, func(*cobra.Command, []string) error {
		v := currentVersion()
		if output != "" {
			return writeData(stdio.Out, output, v)
		}
		_, err := fmt.Fprint(stdio.Out, v.text())
		return err
	})
	return cmd
}

// isHex reports whether s is n lower-case hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
