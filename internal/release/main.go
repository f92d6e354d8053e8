package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

const (
	project = "scenario-fn"
	module  = "github.com/kurator-scenario/scenario-fn"
	source  = "https://github.com/kurator-scenario/scenario-fn"
	license = "Apache-2.0"
)

// extraFiles go into every archive next to the binary.
var extraFiles = []string{"LICENSE", "README.md", "CHANGELOG.md"}

func main() {
	version := flag.String("version", "", "the version stamped into the binaries (vX.Y.Z or a Go pseudo-version)")
	commit := flag.String("commit", "", "the commit the binaries are built from")
	out := flag.String("out", "dist/release", "output `DIR` (emptied first)")
	platforms := flag.String("platforms", "linux/amd64,linux/arm64,darwin/amd64,darwin/arm64", "comma-separated GOOS/GOARCH list")
	flag.Parse()
	if *version == "" || *commit == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/release -version V -commit C [-out DIR] [-platforms os/arch,...]")
		os.Exit(2)
	}
	if err := run(*version, *commit, *out, strings.Split(*platforms, ",")); err != nil {
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		os.Exit(1)
	}
}

func run(version, commit, out string, platforms []string) error {
	when, err := commitTime(commit)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	sums := map[string]string{}
	for _, p := range platforms {
		goos, goarch, ok := strings.Cut(strings.TrimSpace(p), "/")
		if !ok || goos == "" || goarch == "" {
			return fmt.Errorf("platform %q: want GOOS/GOARCH", p)
		}
		base := fmt.Sprintf("%s_%s_%s_%s", project, strings.ReplaceAll(strings.TrimPrefix(version, "v"), "+", "-"), goos, goarch)
		bin := filepath.Join(out, base, project)
		if err := build(bin, goos, goarch, version, commit); err != nil {
			return err
		}
		archive := filepath.Join(out, base+".tar.gz")
		if err := writeArchive(archive, bin, when); err != nil {
			return err
		}
		sbom := filepath.Join(out, base+".sbom.spdx.json")
		if err := writeSBOM(sbom, bin, archive, version, when); err != nil {
			return err
		}
		for _, f := range []string{archive, sbom} {
			if sums[filepath.Base(f)], err = sha256File(f); err != nil {
				return err
			}
		}
		fmt.Printf("built %s, %s\n", archive, sbom)
	}
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", sums[n], n)
	}
	file := filepath.Join(out, "checksums.txt")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s\n", file)
	return nil
}

// commitTime is the commit's time, used for every timestamp, so that a
// rebuild of the same commit gives the same archives.
func commitTime(commit string) (time.Time, error) {
	out, err := exec.Command("git", "show", "-s", "--format=%ct", commit).Output()
	if err != nil {
		// Not a checkout (or an unknown commit): the Unix epoch.
		return time.Unix(0, 0).UTC(), nil
	}
	var sec int64
	if _, err := fmt.Sscan(strings.TrimSpace(string(out)), &sec); err != nil {
		return time.Time{}, fmt.Errorf("commit time %q: %v", out, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}

func build(bin, goos, goarch, version, commit string) error {
	ldflags := fmt.Sprintf("-s -w -buildid= -X %s/cli.Version=%s -X %s/cli.Commit=%s", module, version, module, commit)
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOTOOLCHAIN=local")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s/%s: %v", goos, goarch, err)
	}
	return nil
}

// writeArchive writes a gzip'd tar of the binary and extraFiles, with
// fixed owners, modes and times.
func writeArchive(path, bin string, when time.Time) error {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	gz.ModTime = when
	tw := tar.NewWriter(gz)
	add := func(src, name string, mode int64) error {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: name, Mode: mode, Size: int64(len(data)), ModTime: when, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	}
	if err := add(bin, project, 0o755); err != nil {
		return err
	}
	for _, f := range extraFiles {
		if err := add(f, f, 0o644); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func sha256File(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// SPDX 2.3 JSON, the fields this SBOM uses.
type spdxDoc struct {
	SPDXVersion       string         `json:"spdxVersion"`
	DataLicense       string         `json:"dataLicense"`
	SPDXID            string         `json:"SPDXID"`
	Name              string         `json:"name"`
	DocumentNamespace string         `json:"documentNamespace"`
	CreationInfo      spdxCreation   `json:"creationInfo"`
	DocumentDescribes []string       `json:"documentDescribes"`
	Packages          []spdxPackage  `json:"packages"`
	Relationships     []spdxRelation `json:"relationships"`
}

type spdxCreation struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string         `json:"name"`
	SPDXID           string         `json:"SPDXID"`
	VersionInfo      string         `json:"versionInfo,omitempty"`
	PackageFileName  string         `json:"packageFileName,omitempty"`
	DownloadLocation string         `json:"downloadLocation"`
	FilesAnalyzed    bool           `json:"filesAnalyzed"`
	Checksums        []spdxChecksum `json:"checksums,omitempty"`
	LicenseConcluded string         `json:"licenseConcluded"`
	LicenseDeclared  string         `json:"licenseDeclared"`
	CopyrightText    string         `json:"copyrightText"`
	Comment          string         `json:"comment,omitempty"`
	ExternalRefs     []spdxRef      `json:"externalRefs,omitempty"`
	PrimaryPurpose   string         `json:"primaryPackagePurpose,omitempty"`
}

type spdxChecksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type spdxRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxRelation struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// writeSBOM describes the archive: the scenario-fn module at version,
// built by the Go toolchain the build info names, and every module the
// binary links (path, version, go.sum hash), read back from the binary.
func writeSBOM(path, bin, archive, version string, when time.Time) error {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("reading the build info of %s: %v", bin, err)
	}
	archiveSum, err := sha256File(archive)
	if err != nil {
		return err
	}
	goos, goarch := setting(info.Settings, "GOOS"), setting(info.Settings, "GOARCH")
	doc := spdxDoc{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name:              filepath.Base(archive),
		DocumentNamespace: fmt.Sprintf("%s/releases/%s/%s-%s-%s", source, version, project, goos, goarch),
		CreationInfo:      spdxCreation{Created: when.Format(time.RFC3339), Creators: []string{"Tool: scenario-fn internal/release (" + info.GoVersion + ")"}},
		DocumentDescribes: []string{"SPDXRef-Package-archive"},
	}
	doc.Packages = append(doc.Packages,
		spdxPackage{
			Name: filepath.Base(archive), SPDXID: "SPDXRef-Package-archive", VersionInfo: version, PackageFileName: filepath.Base(archive),
			DownloadLocation: "NOASSERTION", Checksums: []spdxChecksum{{"SHA256", archiveSum}},
			LicenseConcluded: license, LicenseDeclared: license, CopyrightText: "NOASSERTION", PrimaryPurpose: "ARCHIVE",
		},
		spdxPackage{
			Name: info.Main.Path, SPDXID: "SPDXRef-Package-main", VersionInfo: version, DownloadLocation: "git+" + source,
			LicenseConcluded: license, LicenseDeclared: license, CopyrightText: "NOASSERTION", PrimaryPurpose: "APPLICATION",
			Comment:      fmt.Sprintf("%s binary for %s/%s, built with %s", project, goos, goarch, info.GoVersion),
			ExternalRefs: []spdxRef{purl(info.Main.Path, version, goos, goarch)},
		},
		spdxPackage{
			Name: "stdlib", SPDXID: "SPDXRef-Package-stdlib", VersionInfo: info.GoVersion, DownloadLocation: "https://go.dev/dl/",
			LicenseConcluded: "NOASSERTION", LicenseDeclared: "BSD-3-Clause", CopyrightText: "NOASSERTION", PrimaryPurpose: "LIBRARY",
			ExternalRefs: []spdxRef{purl("stdlib", info.GoVersion, "", "")},
		},
	)
	doc.Relationships = append(doc.Relationships,
		spdxRelation{"SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Package-archive"},
		spdxRelation{"SPDXRef-Package-archive", "CONTAINS", "SPDXRef-Package-main"},
		spdxRelation{"SPDXRef-Package-main", "DEPENDS_ON", "SPDXRef-Package-stdlib"},
	)
	for i, d := range info.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		id := fmt.Sprintf("SPDXRef-Package-go-%d", i+1)
		p := spdxPackage{
			Name: m.Path, SPDXID: id, VersionInfo: m.Version, DownloadLocation: "NOASSERTION",
			LicenseConcluded: "NOASSERTION", LicenseDeclared: "NOASSERTION", CopyrightText: "NOASSERTION", PrimaryPurpose: "LIBRARY",
			ExternalRefs: []spdxRef{purl(m.Path, m.Version, "", "")},
		}
		if m.Sum != "" {
			p.Comment = "go.sum " + m.Sum
		}
		if d.Replace != nil {
			p.Comment = strings.TrimSpace(p.Comment + "; replaces " + d.Path + "@" + d.Version)
		}
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, spdxRelation{"SPDXRef-Package-main", "DEPENDS_ON", id})
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

func setting(s []debug.BuildSetting, key string) string {
	for _, kv := range s {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// purl is the package URL of a Go module (pkg:golang/path@version).
func purl(path, version, goos, goarch string) spdxRef {
	loc := "pkg:golang/" + path + "@" + version
	if goos != "" {
		loc += "?goos=" + goos + "&goarch=" + goarch
	}
	return spdxRef{"PACKAGE-MANAGER", "purl", loc}
}
