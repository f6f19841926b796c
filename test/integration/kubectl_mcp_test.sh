#!/usr/bin/env bash
# kubectl-mcp against the real apiserver of the test cluster (kwok nodes: no pod runs, so the
# status the operator would write is written here through the status subresource, as admin).
# Usage: kubectl_mcp_test.sh <case>; KUBECONFIG, TOOLS_BIN, MCP_BINARY_DIR come from CTest.
#   get_and_describe     get (table, -o name/json/yaml, -A, one name) and describe (conditions,
#                        members, events) show what the objects hold
#   not_ready_or_unknown tools/call refuse a server that is not Ready (exit 4) and an unknown
#                        name (exit 3), each with one line naming it
#   rbac_decides_call    a ServiceAccount that may read MCPServers but not services/proxy is
#                        refused by call (exit 5, the missing permission named); granted it, the
#                        call reaches the service proxy (no endpoint here: exit 6)
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
: "${KUBECONFIG:?}" "${TOOLS_BIN:?}" "${MCP_BINARY_DIR:?}"
kubectl() { "$TOOLS_BIN/kubectl" "$@"; }
PLUGIN="$MCP_BINARY_DIR/apps/kubectl-mcp/kubectl-mcp"
fail() { echo "FAIL: $*" >&2; exit 1; }
NS="kmcp-${1//_/-}"
kubectl delete namespace "$NS" --ignore-not-found --wait=true >/dev/null
kubectl create namespace "$NS" >/dev/null
ERRF=$(mktemp)
trap 'rm -f "$ERRF"; kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true' EXIT

# run <expected-status> <args...>: runs the plugin, keeps stdout in $out and stderr in $err.
run() {
  local want=$1 rc=0; shift
  out=$("$PLUGIN" "$@" 2>"$ERRF") || rc=$?
  err=$(cat "$ERRF")
  [[ $rc == "$want" ]] || fail "kubectl-mcp $* exited $rc, expected $want; stdout: $out; stderr: $err"
}

server() {  # server <name> <phase> <ready> <Ready status> [url]
  kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: $1}
spec: {image: "mcp/everything:1", protocol: stdio, command: [mcp-server-everything], port: 8080}
EOF
  local now url=${5:-}
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local avail=$4
  kubectl -n "$NS" patch mcpserver "$1" --subresource=status --type=merge -p "{\"status\": {
    \"phase\": \"$2\", \"ready\": \"$3\", \"toolCount\": 13, \"selector\": \"app.kubernetes.io/instance=$1\",
    ${url:+\"url\": \"$url\",}
    \"serverInfo\": {\"name\": \"example-servers/everything\", \"version\": \"1.0.0\", \"protocolVersion\": \"2025-06-18\"},
    \"conditions\": [
      {\"type\": \"Ready\", \"status\": \"$4\", \"reason\": \"R\", \"message\": \"$3 replicas ready\", \"lastTransitionTime\": \"$now\"},
      {\"type\": \"Available\", \"status\": \"$avail\", \"reason\": \"A\", \"message\": \"\", \"lastTransitionTime\": \"$now\"},
      {\"type\": \"Verified\", \"status\": \"True\", \"reason\": \"Verified\", \"message\": \"ok\", \"lastTransitionTime\": \"$now\"}]}}" >/dev/null
}

case "$1" in
  get_and_describe)
    server echo Running 1/1 True "http://echo.$NS.svc.cluster.local:8080/mcp"
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPPool
metadata: {name: tools}
spec: {members: [{name: echo}]}
EOF
    kubectl -n "$NS" patch mcppool tools --subresource=status --type=merge -p '{"status": {"phase": "Degraded",
      "ready": "0/1", "readyMembers": "1/1", "members": [{"name": "echo", "server": "echo", "ready": true, "toolCount": 13,
      "url": "http://echo:8080/mcp"}]}}' >/dev/null
    uid=$(kubectl -n "$NS" get mcpserver echo -o jsonpath='{.metadata.uid}')
    kubectl -n "$NS" create -f - >/dev/null <<EOF
apiVersion: v1
kind: Event
metadata: {name: echo.verified}
involvedObject: {apiVersion: mcp.v2dy.io/v1, kind: MCPServer, name: echo, namespace: $NS, uid: $uid}
type: Normal
reason: Verified
message: initialize and tools/list succeeded
source: {component: mcp-operator}
lastTimestamp: "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
EOF
    run 0 get -n "$NS"
    head -1 <<<"$out" | grep -qE '^KIND +NAME +PHASE +READY +TOOLS +VERIFIED +URL +AGE$' || fail "header: $out"
    grep -qE "^MCPServer +echo +Running +1/1 +13 +True +http://echo\.$NS\.svc\.cluster\.local:8080/mcp +[0-9]+s$" <<<"$out" ||
      fail "server row: $out"
    grep -qE '^MCPPool +tools +Degraded +0/1 +<none> +<none> +<none>' <<<"$out" || fail "pool row: $out"
    run 0 get -o name --namespace "$NS"
    [[ "$out" == $'mcpserver.mcp.v2dy.io/echo\nmcppool.mcp.v2dy.io/tools' ]] || fail "-o name: $out"
    run 0 get echo -n "$NS" -o json
    [[ "$(python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["kind"] + "/" + o["metadata"]["name"] + " " + o["status"]["url"])' <<<"$out")" == "MCPServer/echo http://echo.$NS.svc.cluster.local:8080/mcp" ]] ||
      fail "-o json: $out"
    run 0 get -A -o yaml
    grep -q "^kind: List" <<<"$out" && grep -q "namespace: $NS" <<<"$out" || fail "-A -o yaml: $out"
    run 0 get -A
    grep -qE "^$NS +MCPServer +echo" <<<"$out" || fail "-A: $out"
    # kubectl's namespace from the context when no -n is given: an empty default namespace.
    run 0 get
    grep -q "No resources found in default namespace" <<<"$err" || fail "default namespace: $out $err"
    run 0 describe echo -n "$NS"
    for want in "Kind: +MCPServer" "Phase: +Running" "Server: +example-servers/everything 1.0.0 \(protocol 2025-06-18\)" \
                "Verified +True +Verified" "protocol: +stdio" "Normal +Verified +[0-9]+s +mcp-operator +initialize and tools/list succeeded" \
                "Pods: +<none>"; do
      grep -qE "$want" <<<"$out" || fail "describe lacks /$want/: $out"
    done
    run 0 describe tools -n "$NS"
    grep -qE "Kind: +MCPPool" <<<"$out" && grep -qE "^  echo +echo +true +13 +http://echo:8080/mcp" <<<"$out" ||
      fail "pool describe: $out"
    ;;
  not_ready_or_unknown)
    server pending Pending 0/1 False
    run 4 call pending echo --arg message=hi -n "$NS"
    [[ "$err" == "error: mcpserver \"pending\" is not Ready (phase Pending, ready 0/1): 0/1 replicas ready" ]] || fail "$err"
    run 4 tools pending -n "$NS"
    run 3 call nothing echo -n "$NS"
    [[ "$err" == "error: no MCPServer or MCPPool \"nothing\" in namespace \"$NS\"" ]] || fail "$err"
    run 3 describe nothing -n "$NS"
    run 2 call pending
    grep -q "kubectl mcp call --help" <<<"$err" || fail "usage: $err"
    ;;
  rbac_decides_call)
    server echo Running 1/1 True "http://echo.$NS.svc.cluster.local:8080/mcp"
    kubectl -n "$NS" create service clusterip echo --tcp=8080:8080 >/dev/null
    kubectl -n "$NS" create serviceaccount caller >/dev/null
    kubectl -n "$NS" create role mcp-reader --verb=get,list --resource=mcpservers.mcp.v2dy.io,mcppools.mcp.v2dy.io >/dev/null
    kubectl -n "$NS" create rolebinding caller-reads --role=mcp-reader --serviceaccount="$NS:caller" >/dev/null
    kc="$MCP_BINARY_DIR/$NS.kubeconfig"
    server_url=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
    ca=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
    token=$(kubectl -n "$NS" create token caller --duration=10m)
    cat >"$kc" <<EOK
apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "$server_url", certificate-authority-data: "$ca"}}]
users: [{name: caller, user: {token: "$token"}}]
contexts: [{name: caller, context: {cluster: test, user: caller, namespace: $NS}}]
current-context: caller
EOK
    chmod 600 "$kc"
    trap 'rm -f "$kc" "$ERRF"; kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true' EXIT
    run 0 get --kubeconfig "$kc"  # the context's namespace
    grep -q "^MCPServer   echo" <<<"$out" || fail "get as caller: $out"
    run 5 call echo echo --arg message=hi --kubeconfig "$kc"
    grep -q "Error from server (Forbidden): " <<<"$err" && grep -q "system:serviceaccount:$NS:caller" <<<"$err" &&
      grep -q 'cannot create resource "services/proxy"' <<<"$err" &&
      grep -q "needs the verb create on services/proxy in namespace \"$NS\"" <<<"$err" || fail "refusal: $err"
    [[ $(wc -l <<<"$err") == 1 ]] || fail "more than one line: $err"
    run 5 tools echo --kubeconfig "$kc"
    KUBECONFIG="$kc" run 5 call echo echo  # $KUBECONFIG is honoured as kubectl does
    kubectl -n "$NS" create role mcp-caller --verb=create --resource=services/proxy >/dev/null
    kubectl -n "$NS" create rolebinding caller-calls --role=mcp-caller --serviceaccount="$NS:caller" >/dev/null
    # RBAC now lets the call through to the Service, which has no endpoint on kwok nodes.
    deadline=$((SECONDS + 20))
    until "$PLUGIN" call echo echo --kubeconfig "$kc" 2>"$ERRF"; rc=$?; ((rc != 5)); do
      ((SECONDS < deadline)) || fail "still refused after the grant: $(cat "$ERRF")"
      sleep 0.5
    done
    [[ $rc == 6 ]] || fail "exit $rc after the grant: $(cat "$ERRF")"
    grep -qiE "no endpoints available|unavailable|error trying to reach" "$ERRF" || fail "after the grant: $(cat "$ERRF")"
    ;;
  *)
    fail "unknown case $1"
    ;;
esac
echo "ok: $1"
