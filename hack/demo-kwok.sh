#!/usr/bin/env bash
# `make demo-kwok`: the kwok control plane with the operator (as a process) reconciling the samples.
# Nodes are simulated (kwok): pods become Running and Ready but no container runs, so the
# servers' MCP endpoints are not reachable here: `make demo` (hack/demo.sh) runs them for real.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
BUILD_DIR="${BUILD_DIR:-$REPO_ROOT/build/ci}"
t0=$SECONDS
"$REPO_ROOT/hack/cluster.sh" up >/dev/null
t_cluster=$((SECONDS - t0))
export KUBECONFIG="$CLUSTER_DIR/kubeconfig"
kubectl() { "$TOOLS_BIN/kubectl" "$@"; }

echo "== nodes"
kubectl get nodes
echo
echo "== the MCPServer CRD and the operator (as a process, logs in $CLUSTER_DIR/logs/mcp-operator.log)"
kubectl apply --server-side --force-conflicts -k "$REPO_ROOT/config/crd" >/dev/null
until kubectl get mcps -A >/dev/null 2>&1; do sleep 0.5; done
[[ -f "$CLUSTER_DIR/run/mcp-operator.pid" ]] && kill "$(cat "$CLUSTER_DIR/run/mcp-operator.pid")" 2>/dev/null || true
"$BUILD_DIR/apps/mcp-operator/mcp-operator" --log-format=text --bridge-image="mcp-bridge:$(cat "$REPO_ROOT/VERSION")" \
  --health-probe-bind-address=127.0.0.1:0 --metrics-bind-address=127.0.0.1:0 \
  >"$CLUSTER_DIR/logs/mcp-operator.log" 2>&1 &
echo "$!" > "$CLUSTER_DIR/run/mcp-operator.pid"
echo
echo "== the samples: kubectl apply -k config/samples/"
t1=$SECONDS
kubectl create namespace demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n demo apply -k "$REPO_ROOT/config/samples/"
running() { [[ "$(kubectl -n demo get mcps -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Running$')" == 3 ]]; }
until running; do
  ((SECONDS - t1 < 60)) || { echo "samples not Running after 60s; see $CLUSTER_DIR/logs/mcp-operator.log"; exit 1; }
  sleep 0.5
done
t_samples=$((SECONDS - t1))
echo
kubectl -n demo get mcps -o wide
echo
kubectl -n demo get deployments,services,serviceaccounts -l app.kubernetes.io/managed-by=mcp-operator
cat <<EOM

Timings: cluster up ${t_cluster}s, samples Running ${t_samples}s after apply, total $((SECONDS - t0))s.
Poke at it:  eval "\$(make -s cluster-env)"; $TOOLS_BIN/kubectl -n demo describe mcpserver everything
             $TOOLS_BIN/kubectl -n demo get events.events.k8s.io
Tear down:   make cluster-down   (also stops the operator)
EOM
