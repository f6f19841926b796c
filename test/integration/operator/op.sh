#!/usr/bin/env bash
# Runs mcp-operator as a process against the test cluster under a ServiceAccount token.
# Sourced by operator_test.sh:
#   op_setup                       install config/rbac (namespace mcp-operator-system)
#   op_kubeconfig <sa> <ns> <file> write a kubeconfig holding <sa>'s token
#   op_start <name> [flags...]     start an operator named <name> (log: $OP_DIR/<name>.log)
#   op_stop <name> [signal]        stop it (default SIGTERM; waits for exit)
: "${KUBECONFIG:?}" "${TOOLS_BIN:?}" "${MCP_BINARY_DIR:?}" "${CLUSTER_DIR:?}" "${MCP_SOURCE_DIR:?}"
OP_DIR="$CLUSTER_DIR/operator"
OP_BIN="$MCP_BINARY_DIR/apps/mcp-operator/mcp-operator"
mkdir -p "$OP_DIR"
# KUBE_BIN: the oldest supported release's kubectl for the second cluster (test/integration).
kubectl() { "${KUBE_BIN:-$TOOLS_BIN}/kubectl" "$@"; }

op_setup() {
  # A fresh suite run: no kubeconfig, pid or log of an earlier cluster survives.
  rm -f "$OP_DIR"/*.kubeconfig "$OP_DIR"/*.pid "$OP_DIR"/*.log
  kubectl apply -k "$MCP_SOURCE_DIR/test/integration/operator/rbac" >/dev/null
  # The OwnerReferencesPermissionEnforcement admission plugin refuses blockOwnerDeletion
  # references to a kind it has not discovered yet, and rediscovers every 30 s: right after the
  # CRD is installed the operator would only retry. Wait until the apiserver accepts one from
  # the operator's ServiceAccount (a server-side dry run) for each kind, so each case starts
  # from a settled cluster.
  local kind probe deadline out
  for kind in MCPServer MCPPool; do
    probe='{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"owner-probe","ownerReferences":[
      {"apiVersion":"mcp.v2dy.io/v1","kind":"'$kind'","name":"owner-probe","uid":"00000000-0000-0000-0000-000000000001",
       "controller":true,"blockOwnerDeletion":true}]}}'
    deadline=$((SECONDS + 45))
    until out=$(kubectl -n mcp-operator-system create --dry-run=server -f - \
                  --as system:serviceaccount:mcp-operator-system:mcp-operator-controller-manager <<<"$probe" 2>&1); do
      ((SECONDS < deadline)) || { echo "FAIL: blockOwnerDeletion on ${kind}s still refused after 45s: $out" >&2; return 1; }
      sleep 1
    done
  done
}

op_kubeconfig() {  # op_kubeconfig <serviceaccount> <namespace> <file>
  local token server ca
  token=$(kubectl create token "$1" -n "$2" --duration=3h)
  server=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
  cat > "$3" <<EOK
apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: $1, user: {token: "$token"}}]
contexts: [{name: $1, context: {cluster: test, user: $1}}]
current-context: $1
EOK
  chmod 600 "$3"
}

op_start() {  # op_start <name> [flags...]
  local name=$1; shift
  [[ -f "$OP_DIR/operator.kubeconfig" ]] ||
    op_kubeconfig mcp-operator-controller-manager mcp-operator-system "$OP_DIR/operator.kubeconfig"
  local metrics=(--metrics-bind-address=127.0.0.1:0)  # unless the caller picks the address
  [[ " $* " == *" --metrics-bind-address="* ]] && metrics=()
  local gateway=(--gateway-image=mcp-gateway:test)  # unless the caller sets it
  [[ " $* " == *" --gateway-image="* ]] && gateway=()
  "$OP_BIN" --kubeconfig "$OP_DIR/operator.kubeconfig" --health-probe-bind-address=127.0.0.1:0 \
    "${metrics[@]}" "${gateway[@]}" --bridge-image=mcp-bridge:test --log-format=json "$@" \
    >>"$OP_DIR/$name.log" 2>&1 &
  echo $! > "$OP_DIR/$name.pid"
}

op_stop() {  # op_stop <name> [signal]
  local pid; pid=$(cat "$OP_DIR/$1.pid" 2>/dev/null) || return 0
  kill "-${2:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$OP_DIR/$1.pid"
}
