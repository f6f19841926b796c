#!/usr/bin/env bash
# `make soak` (bench/soak/run.sh [soak.py options], e.g. --seed 42 or --servers 40 --minutes 3).
#
# Builds mcp-operator with the `ci` preset, as `make bench` does (bench/run.sh), then runs
# bench/soak/soak.py on a fresh local kwok cluster in $MCP_CACHE/cluster-soak (its own
# directory: no other cluster is touched; every port is picked free at start) and writes
# bench/results/soak.json and bench/SOAK.md. The operator's log is in $MCP_CACHE/soak-logs.
# Defaults: 500 MCPServers, a 25-minute schedule, then at most 3 minutes of quiet phase
# (about 30 minutes in all on 2 cores). Exits non-zero when a check fails. Not part of `make test`.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

export CLUSTER_DIR="${CLUSTER_DIR:-$MCP_CACHE/cluster-soak}"
BUILD_DIR="$REPO_ROOT/build/ci"

cleanup() {
  [[ -d "$CLUSTER_DIR/run" ]] && "$REPO_ROOT/hack/cluster.sh" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$REPO_ROOT/hack/deps.sh" apt tools >/dev/null
log "building mcp-operator (cmake preset ci)"
[[ -f "$BUILD_DIR/build.ninja" ]] || cmake --preset ci >/dev/null
cmake --build --preset ci --target mcp-operator >/dev/null

python3 "$BENCH_DIR/soak/soak.py" --repo "$REPO_ROOT" --operator-binary "$BUILD_DIR/apps/mcp-operator/mcp-operator" \
  --tools-bin "$TOOLS_BIN" --cluster-dir "$CLUSTER_DIR" --logs "$MCP_CACHE/soak-logs" "$@"
