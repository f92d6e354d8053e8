package e2e

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// make release-snapshot's builder, for one linux and one darwin platform
// (the Makefile builds all four; each takes a minute on a small machine):
// archives with the binary and the docs, checksums that match, binaries of
// the right format and architecture, static, stamped with the version, and
// an SPDX SBOM that lists exactly the modules `go version -m` reads from
// the binary.
func TestReleaseSnapshot(t *testing.T) {
	out := t.TempDir()
	commit := strings.TrimSpace(run(t, repo, "git", "rev-parse", "HEAD"))
	const version = "v0.0.0-e2e"
	run(t, repo, "go", "run", "./internal/release", "-version", version, "-commit", commit, "-out", out,
		"-platforms", "linux/"+runtime.GOARCH+",darwin/arm64")

	sums := readChecksums(t, filepath.Join(out, "checksums.txt"), 4)
	// The same commit builds the same bytes: a second run gives the same
	// archive and SBOM.
	again := t.TempDir()
	run(t, repo, "go", "run", "./internal/release", "-version", version, "-commit", commit, "-out", again,
		"-platforms", "linux/"+runtime.GOARCH)
	for name, sum := range readChecksums(t, filepath.Join(again, "checksums.txt"), 2) {
		if sums[name] != sum {
			t.Errorf("%s differs between two builds of the same commit: %s, then %s", name, sums[name], sum)
		}
	}
	for _, plat := range []struct{ goos, goarch string }{{"linux", runtime.GOARCH}, {"darwin", "arm64"}} {
		base := "scenario-fn_0.0.0-e2e_" + plat.goos + "_" + plat.goarch
		archive := filepath.Join(out, base+".tar.gz")
		sbom := filepath.Join(out, base+".sbom.spdx.json")
		for _, f := range []string{archive, sbom} {
			if got, want := sha256Of(t, f), sums[filepath.Base(f)]; got != want {
				t.Errorf("%s: sha256 %s, checksums.txt says %q", f, got, want)
			}
		}
		files := untar(t, archive)
		var names []string
		for n := range files {
			names = append(names, n)
		}
		slices.Sort(names)
		if want := []string{"CHANGELOG.md", "LICENSE", "README.md", "scenario-fn"}; !slices.Equal(names, want) {
			t.Errorf("%s holds %v, want %v", archive, names, want)
		}
		bin := filepath.Join(t.TempDir(), "scenario-fn")
		if err := os.WriteFile(bin, files["scenario-fn"], 0o755); err != nil {
			t.Fatal(err)
		}
		checkBinaryFormat(t, bin, plat.goos, plat.goarch)
		if plat.goos == "linux" {
			v := run(t, repo, bin, "version", "-o", "json")
			var got struct{ Version, Commit, Platform string }
			if err := json.Unmarshal([]byte(v), &got); err != nil || got.Version != version || got.Commit != commit ||
				got.Platform != "linux/"+runtime.GOARCH {
				t.Errorf("the released binary says %s (%v)", v, err)
			}
		}
		checkSBOM(t, sbom, bin, archive, version)
	}
}

func readChecksums(t *testing.T, file string, files int) map[string]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		sum, name, ok := strings.Cut(s.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Errorf("checksums.txt: bad line %q", s.Text())
		}
		out[name] = sum
	}
	if len(out) != files {
		t.Errorf("%s lists %d files, want %d (an archive and an SBOM per platform)", file, len(out), files)
	}
	return out
}

func sha256Of(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

func untar(t *testing.T, file string) map[string][]byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if out[h.Name], err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
}

// checkBinaryFormat reads the executable's headers: ELF or Mach-O for
// the architecture, and on Linux static (no program interpreter).
func checkBinaryFormat(t *testing.T, bin, goos, goarch string) {
	t.Helper()
	switch goos {
	case "linux":
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatalf("%s: not ELF: %v", bin, err)
		}
		defer f.Close()
		want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[goarch]
		if f.Machine != want {
			t.Errorf("linux/%s binary is for %v", goarch, f.Machine)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("linux/%s binary is dynamically linked", goarch)
			}
		}
	case "darwin":
		f, err := macho.Open(bin)
		if err != nil {
			t.Fatalf("%s: not Mach-O: %v", bin, err)
		}
		defer f.Close()
		want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[goarch]
		if f.Cpu != want {
			t.Errorf("darwin/%s binary is for %v", goarch, f.Cpu)
		}
	}
}

// checkSBOM compares the SBOM with what the Go tool itself reads from the
// binary.
func checkSBOM(t *testing.T, sbom, bin, archive, version string) {
	t.Helper()
	var doc struct {
		SPDXVersion, DataLicense, SPDXID, DocumentNamespace string
		DocumentDescribes                                   []string
		Packages                                            []struct {
			Name, SPDXID, VersionInfo string
			Checksums                 []struct{ Algorithm, ChecksumValue string }
			ExternalRefs              []struct{ ReferenceType, ReferenceLocator string }
		}
		Relationships []struct{ SpdxElementId, RelationshipType, RelatedSpdxElement string }
	}
	data, err := os.ReadFile(sbom)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", sbom, err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || doc.SPDXID != "SPDXRef-DOCUMENT" ||
		!strings.HasPrefix(doc.DocumentNamespace, "https://") || len(doc.DocumentDescribes) != 1 {
		t.Errorf("%s: not an SPDX 2.3 document: %+v", sbom, doc)
	}
	// go version -m lists "dep PATH VERSION SUM" for every module linked.
	goV := run(t, repo, "go", "version", "-m", bin)
	var want []string
	for _, line := range strings.Split(goV, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "dep" {
			want = append(want, f[1]+"@"+f[2])
		}
	}
	ids := map[string]bool{}
	var got []string
	for _, p := range doc.Packages {
		ids[p.SPDXID] = true
		for _, r := range p.ExternalRefs {
			if loc, ok := strings.CutPrefix(r.ReferenceLocator, "pkg:golang/"); ok && p.SPDXID != "SPDXRef-Package-main" && p.Name != "stdlib" {
				got = append(got, loc)
			}
		}
		if p.SPDXID == "SPDXRef-Package-archive" && (len(p.Checksums) != 1 || p.Checksums[0].ChecksumValue != sha256Of(t, archive)) {
			t.Errorf("%s: the archive's checksum %+v", sbom, p.Checksums)
		}
		if p.SPDXID == "SPDXRef-Package-main" && (p.Name != "github.com/kurator-scenario/scenario-fn" || p.VersionInfo != version) {
			t.Errorf("%s: main package %s@%s", sbom, p.Name, p.VersionInfo)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) < 10 || !slices.Equal(got, want) {
		t.Errorf("%s lists modules\n%v\ngo version -m lists\n%v", sbom, got, want)
	}
	for _, r := range doc.Relationships {
		if !ids[r.SpdxElementId] && r.SpdxElementId != "SPDXRef-DOCUMENT" || !ids[r.RelatedSpdxElement] {
			t.Errorf("%s: relationship %+v names an unknown element", sbom, r)
		}
	}
}
