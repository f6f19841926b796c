#!/usr/bin/env bash
# `make bench` (bench/run.sh) and `make bench-quick` (bench/run.sh --quick).
#
# Builds mcp-operator with the `ci` preset (RelWithDebInfo: the binary `make run` and the tests
# use, with symbols for callgrind), builds the peer operators pinned in bench/operator/peers.env
# (Go module proxy, `go` client only, cached in $MCP_CACHE/bench-peers), then measures every
# operator side by side on a local kwok cluster in $MCP_CACHE/cluster-bench (a fresh one per
# operator and N), runs the bridge benchmark when bench/bridge/run.sh exists, and writes the
# report with its plots:
#   full:  bench/results/*.json, bench/REPORT.md, bench/*.png   (N = 100, 500, 1000; ~25 min, then the bridge)
#   quick: bench/results-quick/ (JSON, REPORT.md, plots; not committed)   (N = 50, no rollout; ~2 min)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
export CLUSTER_DIR="$MCP_CACHE/cluster-bench"
BUILD_DIR="$REPO_ROOT/build/ci"
if ((QUICK)); then
  RESULTS="$BENCH_DIR/results-quick"; OUT="$RESULTS"
  BENCH_ARGS=(--mode quick --counts 50 --nodes 2 --idle 3 --settle 5 --restart-min 3 --restart-max 15 --no-rollout)
else
  RESULTS="$BENCH_DIR/results"; OUT="$BENCH_DIR"
  BENCH_ARGS=(--mode full --counts 100,500,1000 --nodes 10 --node-pods 250 --timeout-per-object 0.25
    --idle 5 --settle 5 --restart-max 30 --rollout-tail 30)
fi
t0=$SECONDS

cleanup() {
  [[ -d "$CLUSTER_DIR/run" ]] && "$REPO_ROOT/hack/cluster.sh" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$REPO_ROOT/hack/deps.sh" apt tools >/dev/null
log "building mcp-operator (cmake preset ci)"
[[ -f "$BUILD_DIR/build.ninja" ]] || cmake --preset ci >/dev/null
cmake --build --preset ci --target mcp-operator >/dev/null

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
log "building the peer operators (cached after the first run)"
python3 "$BENCH_DIR/operator/peers.py" --cache "$MCP_CACHE/bench-peers" --out "$RESULTS/peers.json"

log "operator benchmark (${BENCH_ARGS[*]})"
python3 "$BENCH_DIR/operator/bench.py" "${BENCH_ARGS[@]}" --results "$RESULTS" --repo "$REPO_ROOT" \
  --operator-binary "$BUILD_DIR/apps/mcp-operator/mcp-operator" --peers "$RESULTS/peers.json" \
  --tools-bin "$TOOLS_BIN" --cluster-dir "$CLUSTER_DIR" --logs "$MCP_CACHE/bench-logs"

PY=$(bench_python)
if [[ -x "$BENCH_DIR/bridge/run.sh" ]]; then
  log "bridge benchmark"
  quick=(); ((QUICK)) && quick=(--quick)
  "$BENCH_DIR/bridge/run.sh" "${quick[@]}" --out "$RESULTS"
  "$PY" "$BENCH_DIR/bridge/report.py" "$RESULTS" "$OUT"
fi

"$PY" "$BENCH_DIR/report.py" --results "$RESULTS" --out "$OUT" --wall "$((SECONDS - t0))" \
  --command "$( ((QUICK)) && echo 'make bench-quick' || echo 'make bench')"
log "done in $((SECONDS - t0))s: $OUT/REPORT.md"
