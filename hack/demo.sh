#!/usr/bin/env bash
# `make demo`: MCP servers as real pods on a real (local) node, end to end.
# Brings up the real-node cluster (hack/e2e-cluster.sh: control plane, containerd, kubelet,
# kube-proxy, CoreDNS; images built here and imported), installs the operator from
# dist/install.yaml, applies two samples (server-everything over stdio behind mcp-bridge, and
# server-everything serving Streamable HTTP itself), waits until both are Running and
# Verified, calls the echo tool through each one's Service from a client pod (TypeScript SDK),
# puts both behind one MCPPool (two mcp-gateway replicas) and calls each one's echo through the
# pool's one endpoint, and prints what it did and how long each step took. Needs root. Idempotent: a second run
# reuses the running cluster.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[[ $(id -u) -eq 0 ]] || die "make demo runs a real node (containerd, kubelet, iptables): run it as root"
export BUILD_DIR="${BUILD_DIR:-$REPO_ROOT/build/ci}"
CLUSTER="$REPO_ROOT/hack/e2e-cluster.sh"
NS=demo
t0=$SECONDS

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. the real-node cluster (control plane + containerd $CONTAINERD_VERSION, kubelet, kube-proxy, CoreDNS)"
"$CLUSTER" up 2>&1 | grep -vE 'cgroup v1 is deprecated|^Importing' || true
"$CLUSTER" status >/dev/null || die "the cluster did not come up; logs are in ${E2E_CLUSTER_DIR:-$MCP_CACHE/e2e-cluster}/logs"
t_cluster=$((SECONDS - t0))
eval "$("$CLUSTER" env)"
eval "$("$REPO_ROOT/hack/e2e-images.sh" list)"
source "$REPO_ROOT/hack/e2e/lib.sh"
kubectl get nodes -o wide

step "2. the operator, from dist/install.yaml (image $OPERATOR_IMAGE)"
t1=$SECONDS
"$CLUSTER" deploy
kubectl -n mcp-operator-system get pods -o wide
t_operator=$((SECONDS - t1))

step "3. the samples: hack/e2e/samples/everything-{stdio,http}.yaml in namespace $NS"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl label namespace "$NS" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
if kubectl -n "$NS" get mcps everything-stdio everything-http >/dev/null 2>&1; then
  echo "(removing the samples of an earlier run first, so the timings below are real)"
  kubectl -n "$NS" delete mcpp tools --ignore-not-found --wait=true >/dev/null 2>&1 || true
  kubectl -n "$NS" delete mcps everything-stdio everything-http --ignore-not-found --wait=true >/dev/null
  kubectl -n "$NS" wait --for=delete deployment/everything-stdio deployment/everything-http --timeout=60s >/dev/null 2>&1 || true
fi
t2=$SECONDS
apply_sample "$NS" stdio
apply_sample "$NS" http
t_stdio="" t_http=""
while [[ -z $t_stdio || -z $t_http ]]; do
  if ((SECONDS - t2 > 180)); then
    kubectl -n "$NS" get mcps -o wide
    kubectl -n "$NS" describe mcps
    die "the samples were not Running and Verified after 180s"
  fi
  [[ -z $t_stdio ]] && mcps_verified "$NS" everything-stdio && t_stdio=$((SECONDS - t2))
  [[ -z $t_http ]] && mcps_verified "$NS" everything-http && t_http=$((SECONDS - t2))
  sleep 0.25
done
kubectl -n "$NS" get mcps -o wide

step "4. a client pod calls the echo tool through each server's Service (status.url)"
for s in stdio http; do
  url=$(kubectl -n "$NS" get mcps "everything-$s" -o jsonpath='{.status.url}')
  echo "everything-$s  $url"
  run_client "$NS" "demo-client-$s" "$url" --message "hello from the demo to the $s server" | sed 's/^/  /' ||
    die "the client could not call everything-$s"
done

step "5. what the operator found (status.serverInfo, status.tools)"
kubectl -n "$NS" get mcps -o jsonpath='{range .items[*]}{.metadata.name}: {.status.serverInfo.name} {.status.serverInfo.version}, {.status.toolCount} tools: {.status.tools}{"\n"}{end}'

step "6. one endpoint for both: the MCPPool hack/e2e/samples/pool.yaml (two mcp-gateway replicas)"
kubectl -n "$NS" label mcps everything-stdio everything-http --overwrite pool=demo >/dev/null
t3=$SECONDS
kubectl -n "$NS" apply -f "$REPO_ROOT/hack/e2e/samples/pool.yaml" >/dev/null
until [[ $(kubectl -n "$NS" get mcpp tools -o jsonpath='{.status.phase} {.status.conditions[?(@.type=="Verified")].status}') == "Running True" ]]; do
  if ((SECONDS - t3 > 180)); then
    kubectl -n "$NS" get mcpp tools -o wide
    kubectl -n "$NS" describe mcpp tools
    die "the pool was not Running and Verified after 180s"
  fi
  sleep 0.25
done
t_pool=$((SECONDS - t3))
kubectl -n "$NS" get mcpp -o wide
pool_url=$(kubectl -n "$NS" get mcpp tools -o jsonpath='{.status.url}')
for s in stdio http; do
  echo "everything-${s}_echo through $pool_url"
  run_client "$NS" "demo-pool-client-$s" "$pool_url" --tool "everything-${s}_echo" \
    --message "hello through the pool to the $s server" | sed 's/^/  /' || die "the client could not call everything-${s}_echo through the pool"
done
kubectl -n "$NS" get mcpp tools -o jsonpath='{.status.toolCount} tools, members: {range .status.members[*]}{.name} (ready={.ready}, {.toolCount} tools) {end}{"\n"}'

step "7. memory, from the kubelet's stats (/api/v1/nodes/<node>/proxy/stats/summary)"
kubectl get --raw "/api/v1/nodes/$(kubectl get nodes -o jsonpath='{.items[0].metadata.name}')/proxy/stats/summary" |
  python3 -c '
import json, sys
for p in json.load(sys.stdin)["pods"]:
    ns, name = p["podRef"]["namespace"], p["podRef"]["name"]
    if ns in ("mcp-operator-system", "'"$NS"'"):
        for c in p.get("containers", []):
            ws = c.get("memory", {}).get("workingSetBytes", 0)
            cname = c["name"]
            print(f"  {ns}/{name} {cname}: working set {ws / 2**20:.1f} MiB")'

cat <<EOM

Timings: cluster ${t_cluster}s, operator ${t_operator}s, apply -> Running+Verified: stdio ${t_stdio}s, http ${t_http}s, pool ${t_pool}s; total $((SECONDS - t0))s.

Poke at it:
  eval "\$(make -s e2e-cluster-env)"
  kubectl -n $NS get mcps -o wide                 # kubectl is $TOOLS_BIN/kubectl
  kubectl -n $NS describe mcpserver everything-stdio
  kubectl -n $NS get mcpp tools -o yaml           # the pool: members, tools, conflicts
  kubectl -n $NS scale mcpserver/everything-stdio --replicas=2
  kubectl -n mcp-operator-system logs deploy/mcp-operator-controller-manager
  crictl ps                                       # the node's containers (crictl is in $TOOLS_BIN)
Tear down:
  make e2e-cluster-down                           # every process, container, mount, rule and route
EOM
