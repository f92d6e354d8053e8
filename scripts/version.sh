#!/usr/bin/env bash
# Prints the version `make` stamps into the binary, the way the Go build
# info spells it: the tag vX.Y.Z at HEAD (vX.Y.Z-N-g<sha> after it), else a
# Go pseudo-version v0.0.0-<commit time UTC>-<12-digit sha>; "+dirty" (or
# "-dirty" after a tag) when tracked files have local changes.
set -euo pipefail
if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo v0.0.0-unknown
	exit 0
fi
if v=$(git describe --tags --match 'v[0-9]*.[0-9]*.[0-9]*' --dirty 2>/dev/null); then
	echo "$v"
	exit 0
fi
time=$(TZ=UTC git show -s --date=format-local:%Y%m%d%H%M%S --format=%cd HEAD)
dirty=$(git diff --quiet HEAD -- 2>/dev/null || echo +dirty)
echo "v0.0.0-$time-$(git rev-parse --short=12 HEAD)$dirty"
