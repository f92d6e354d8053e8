// Command release builds a release of scenario-fn with the Go toolchain
// alone (`make release-snapshot`): for each platform a static binary
// (CGO_ENABLED=0, -trimpath, no build id, so the same commit builds the
// same bytes) in a .tar.gz with LICENSE, README.md and CHANGELOG.md, an
// SPDX 2.3 JSON SBOM made from the binary's Go build info, and
// checksums.txt with the SHA-256 of every archive and SBOM, in the layout
// goreleaser uses (scenario-fn_<version>_<os>_<arch>.tar.gz).
package main
