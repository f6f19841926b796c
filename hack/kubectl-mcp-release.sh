#!/usr/bin/env bash
# Packs kubectl-mcp for a release and writes its krew manifest (dist/krew/mcp.yaml filled in).
#   hack/kubectl-mcp-release.sh <kubectl-mcp binary> <URL base of the release assets> <out dir>
# Writes <out dir>/kubectl-mcp_<VERSION>_linux_amd64.tar.gz (the stripped static binary, the
# same bytes for the same binary: fixed owner and mtime) and <out dir>/mcp.yaml whose uri is
# <URL base>/<that archive> and whose sha256 is the archive's.
set -euo pipefail
[[ $# == 3 ]] || { echo "usage: $0 <kubectl-mcp binary> <URL base> <out dir>" >&2; exit 2; }
bin=$1 url_base=${2%/} out=$3
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
version=$(cat "$REPO_ROOT/VERSION")
archive="kubectl-mcp_${version}_linux_amd64.tar.gz"
mkdir -p "$out"
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
strip -o "$stage/kubectl-mcp" "$bin"
tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -cf - kubectl-mcp | gzip -n >"$out/$archive"
sha=$(sha256sum "$out/$archive" | cut -d' ' -f1)
sed -e "s|@VERSION@|$version|g" -e "s|@URL_BASE@|$url_base|g" -e "s|@SHA256@|$sha|g" \
  "$REPO_ROOT/dist/krew/mcp.yaml" | sed '/^# /d' >"$out/mcp.yaml"
echo "$out/$archive ($(du -h "$out/$archive" | cut -f1), sha256 $sha)"
echo "$out/mcp.yaml"
