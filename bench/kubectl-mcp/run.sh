#!/usr/bin/env bash
# How long kubectl-mcp's commands take for a namespace of N MCPServers (default 100), on a
# kwok cluster of its own (hack/cluster.sh; no pod runs, statuses written as the operator
# would): `get` (table, -o json, -o wide), `get NAME`, `describe NAME`, and `kubectl get mcps`
# for comparison. Each command runs --runs times (default 30) after one warm-up; the wall time
# of each run (process start to exit, so TLS setup and the static binary's start included) is
# reported as p50 / p90 / max in milliseconds. The goal (issue 18): every command under 300 ms
# at N=100. Writes bench/results/kubectl-mcp.md (--out DIR to change).
#   bench/kubectl-mcp/run.sh [--servers N] [--runs R] [--out DIR] [--keep]
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
N=100 RUNS=30 OUT="$REPO_ROOT/bench/results" KEEP=0
while (($#)); do
  case "$1" in
    --servers) N=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--servers N] [--runs R] [--out DIR] [--keep]" >&2; exit 2 ;;
  esac
done
BUILD_DIR=${BUILD_DIR:-$REPO_ROOT/build/ci}
PLUGIN="$BUILD_DIR/apps/kubectl-mcp/kubectl-mcp"
[[ -x $PLUGIN ]] || die "build kubectl-mcp first: cmake --build build/ci --target kubectl-mcp"
export CLUSTER_DIR="$BUILD_DIR/bench-kubectl-mcp-cluster"
export KUBECONFIG="$CLUSTER_DIR/kubeconfig"
# Ranges of its own, so it can run beside the integration clusters.
export POD_CIDR=10.247.0.0/16 SERVICE_CIDR=10.99.0.0/16
kubectl() { "$TOOLS_BIN/kubectl" "$@"; }
NS=bench-kubectl-mcp

"$REPO_ROOT/hack/cluster.sh" up >/dev/null
((KEEP)) || trap '"$REPO_ROOT/hack/cluster.sh" down >/dev/null 2>&1 || true' EXIT
kubectl apply --server-side -f "$REPO_ROOT/config/crd/bases/" >/dev/null
kubectl wait --for=condition=Established crd/mcpservers.mcp.v2dy.io crd/mcppools.mcp.v2dy.io --timeout=60s >/dev/null
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null

log "creating $N MCPServers with a Running, Verified status"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for ((i = 0; i < N; i++)); do
  printf -- '---\napiVersion: mcp.v2dy.io/v1\nkind: MCPServer\nmetadata: {name: s%03d}\nspec: {image: "mcp/everything:1", protocol: stdio, command: [mcp-server-everything], port: 8080}\n' "$i"
done | kubectl -n "$NS" apply --server-side -f - >/dev/null
for ((i = 0; i < N; i++)); do
  name=$(printf 's%03d' "$i")
  kubectl -n "$NS" patch mcpserver "$name" --subresource=status --type=merge -p "{\"status\": {\"phase\": \"Running\",
    \"ready\": \"1/1\", \"readyReplicas\": 1, \"toolCount\": 13, \"url\": \"http://$name.$NS.svc.cluster.local:8080/mcp\",
    \"selector\": \"app.kubernetes.io/instance=$name\",
    \"conditions\": [{\"type\": \"Verified\", \"status\": \"True\", \"reason\": \"Verified\", \"message\": \"ok\",
                      \"lastTransitionTime\": \"$now\"}]}}" >/dev/null &
  ((i % 10 == 9)) && wait
done
wait

# measure <label> <command...>: one warm-up, then RUNS timed runs; prints a table row.
measure() {
  local label=$1; shift
  "$@" >/dev/null
  local times=() t0 t1 i
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" '{ a[NR] = $1 }
    END { p50 = a[int((NR + 1) * 0.5)]; p90 = a[int((NR + 1) * 0.9)]; max = a[NR];
          printf "| %s | %.1f | %.1f | %.1f |\n", label, p50 / 1000, p90 / 1000, max / 1000 }'
}

mkdir -p "$OUT"
{
  echo "# kubectl-mcp at N=$N MCPServers (kwok cluster, $RUNS runs each)"
  echo
  echo "Machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the start. Times in ms, process start to exit."
  echo
  echo "| command | p50 | p90 | max |"
  echo "| --- | --- | --- | --- |"
  measure "kubectl mcp get" "$PLUGIN" get -n "$NS"
  measure "kubectl mcp get -o wide" "$PLUGIN" get -n "$NS" -o wide
  measure "kubectl mcp get -o json" "$PLUGIN" get -n "$NS" -o json
  measure "kubectl mcp get s050" "$PLUGIN" get s050 -n "$NS"
  measure "kubectl mcp describe s050" "$PLUGIN" describe s050 -n "$NS"
  measure "kubectl get mcps (for comparison)" kubectl get mcps -n "$NS"
} | tee "$OUT/kubectl-mcp.md"
