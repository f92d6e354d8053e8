#!/usr/bin/env bash
# Extracts the manifests of Kurator's own examples and docs into a git-ignored
# directory, for the corpus test in e2e (TestKuratorCorpus):
#
#   hack/kurator-corpus.sh PATH-TO-KURATOR-REPO [OUT-DIR]
#
# PATH is a clone of kurator-dev/kurator (a work tree or a bare repository)
# that holds the pinned commit below, the one the embedded CRDs come from
# (kurator/crds/SOURCE.md). Files are read from that commit with git archive,
# whatever is checked out. Nothing downloaded here is committed: OUT-DIR
# (default e2e/testdata/kurator-corpus) is in .gitignore.
#
# Output: OUT-DIR/COMMIT (the commit), OUT-DIR/examples/** (every *.yaml and
# *.yml of examples/, verbatim) and OUT-DIR/docs/<doc path>.<n>.yaml, one file
# per code block of docs/content/en/docs/**/*.md that holds a manifest:
#   - ```yaml blocks, and other blocks that start with apiVersion: or kind:
#     (the docs print "kubectl get -o yaml" results that way), whole;
#   - heredocs in shell blocks (cat <<EOF | kubectl apply -f - ... EOF);
#   - echo '...' | kubectl apply -f - in shell blocks;
#   - the YAML printed after "$ kubectl get ... -o yaml" in console blocks.
set -euo pipefail
COMMIT=b6339412dc3b0a408a99b14531ae233e9de9d652
src=${1:?usage: hack/kurator-corpus.sh PATH-TO-KURATOR-REPO [OUT-DIR]}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$here/e2e/testdata/kurator-corpus}

if ! git -C "$src" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
	echo "kurator-corpus: $src does not have commit $COMMIT (fetch it: git -C $src fetch origin $COMMIT)" >&2
	exit 1
fi
if ! grep -q "$COMMIT" "$here/kurator/crds/SOURCE.md"; then
	echo "kurator-corpus: the pinned commit differs from kurator/crds/SOURCE.md: update both together" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$src" archive "$COMMIT" examples docs/content/en/docs | tar -x -C "$tmp"

rm -rf "$out"
mkdir -p "$out/examples" "$out/docs"
echo "$COMMIT" >"$out/COMMIT"
(cd "$tmp" && find examples -type f \( -name '*.yaml' -o -name '*.yml' \) | LC_ALL=C sort) | while read -r f; do
	mkdir -p "$out/$(dirname "$f")"
	cp "$tmp/$f" "$out/$f"
done

# One awk pass per doc: fenced blocks, then heredocs and kubectl-get output
# inside them. A block yields a file only if it contains "apiVersion:" or "kind:".
(cd "$tmp/docs/content/en/docs" && find . -type f -name '*.md' | LC_ALL=C sort) | while read -r f; do
	f=${f#./}
	base="$out/docs/${f%.md}"
	mkdir -p "$(dirname "$base")"
	awk -v base="$base" '
	function flush(   file) {
		if (buf ~ /(^|\n)(apiVersion|kind):/) {
			n++
			file = sprintf("%s.%02d.yaml", base, n)
			printf "%s", buf > file
			close(file)
		}
		buf = ""
	}
	BEGIN { infence = 0; mode = ""; n = 0; buf = "" }
	/^[ \t]*```/ {
		if (!infence) {
			infence = 1
			lang = $0; sub(/^[ \t]*```/, "", lang); sub(/[ \t].*$/, "", lang)
			mode = (lang == "yaml" || lang == "yml") ? "yaml" : "shell"
			buf = ""; first = 1
			next
		}
		if (mode == "yaml" || mode == "get") flush()
		infence = 0; mode = ""; next
	}
	!infence { next }
	mode == "yaml" { buf = buf $0 "\n"; next }
	mode == "heredoc" {
		if ($0 ~ /^[ \t]*EOF[ \t]*$/) { flush(); mode = "shell"; next }
		buf = buf $0 "\n"; next
	}
	mode == "get" {
		if ($0 ~ /^[ \t]*\$ / || $0 ~ /^[ \t]*(cat|kubectl) /) { flush(); mode = "shell" }
		else { buf = buf $0 "\n"; next }
	}
	mode == "echo" {
		if ($0 ~ /\047[ \t]*\|/) { line = $0; sub(/\047[ \t]*\|.*$/, "", line); buf = buf line "\n"; flush(); mode = "shell"; next }
		buf = buf $0 "\n"; next
	}
	mode == "shell" {
		if (first && $0 ~ /^[ \t]*$/) next
		if (first && $0 ~ /^[ \t]*(apiVersion|kind):/) { mode = "yaml"; first = 0; buf = $0 "\n"; next }
		first = 0
		if ($0 ~ /^[ \t]*echo \047(apiVersion|kind):/) { line = $0; sub(/^[ \t]*echo \047/, "", line); mode = "echo"; buf = line "\n"; next }
		if ($0 ~ /<<[ \t]*["\047]?EOF["\047]?/) { mode = "heredoc"; buf = ""; next }
		if ($0 ~ /kubectl get .*-o ?yaml/) { mode = "get"; buf = ""; next }
		next
	}
	END { if (mode == "get" || mode == "yaml") flush() }
	' "$tmp/docs/content/en/docs/$f"
done
find "$out/docs" -type d -empty -delete
echo "kurator-corpus: $(find "$out/examples" -type f | wc -l) example files, $(find "$out/docs" -type f | wc -l) doc blocks from $COMMIT in $out"
