#!/usr/bin/env bash
# MCPPools against the real apiserver, the operator running as a process under the config/rbac
# ServiceAccount token (least privilege: it creates each gateway's Role only because it holds
# what the Role grants). kwok runs no container, so verification is off and the gateway's own
# view (/pool) is not asked: members' readiness comes from their MCPServers.
# Usage: pool_test.sh <case>; the environment comes from CTest (MCP_INTEGRATION_ENV).
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
source "$(dirname "$0")/op.sh"
source "$(dirname "$0")/cases.sh"

server() {  # server <name> [labels as {k: v}]
  kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: $1, labels: ${2:-{\}}}
spec: {image: example.invalid/mcp:1}
EOF
}
# The keyring's entries as "name:bytes" (sorted), and its current entry.
ring() {
  kubectl -n "$NS" get secret "$1" -o json | python3 -c '
import base64, json, sys
d = json.load(sys.stdin)["data"]
print(" ".join(sorted(k + ":" + str(len(base64.b64decode(v))) for k, v in d.items() if k != "current")))'
}
current() { kubectl -n "$NS" get secret "$1" -o jsonpath='{.data.current}' | base64 -d; }

case "$1" in
  gateway_objects_and_keyring)
    # A pool gets its gateway's ServiceAccount, a read-only Role without any Secret rule, its
    # RoleBinding, Deployment (keyring and tokens mounted), Service and a keyring Secret the
    # gateway can read, each controlled by the pool; KeyringCreated says so.
    new_namespace pool-objects
    start_operator pool-objects
    server everything
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPPool
metadata: {name: tools}
spec:
  members:
  - name: everything
  - name: docs
    url: https://docs.example.invalid/mcp
    bearerTokenSecretRef: {name: docs-token, key: token}
EOF
    uid=$(jp mcppool/tools '{.metadata.uid}')
    for o in serviceaccount/tools-gateway role/tools-gateway rolebinding/tools-gateway deployment/tools-gateway \
             service/tools secret/tools-keyring; do
      wait_until 10 "$o" jp "$o" '{.metadata.name}'
      expect "$o" '{.metadata.ownerReferences[0].uid}' "$uid"
      expect "$o" '{.metadata.ownerReferences[0].controller}' true
      expect "$o" '{.metadata.labels.app\.kubernetes\.io/managed-by}' mcp-operator
    done
    expect role/tools-gateway '{.rules[*].resources[*]}' "mcppools mcpservers endpointslices"
    expect role/tools-gateway '{.rules[0].resourceNames[0]}' tools
    expect rolebinding/tools-gateway '{.subjects[0].name}' tools-gateway
    d=deployment/tools-gateway
    c='{.spec.template.spec.containers[0]'
    expect $d "$c.image}" mcp-gateway:test
    expect $d "$c.args}" '["--host","0.0.0.0","--port","8080","--path","/mcp","--pool","tools","--namespace","'"$NS"'","--keyring-dir","/var/run/mcp-gateway/keyring","--member-token-dir","/var/run/mcp-gateway/members"]'
    expect $d "$c.volumeMounts[1].mountPath}" /var/run/mcp-gateway/members/docs
    expect $d '{.spec.template.spec.volumes[0].secret.secretName}' tools-keyring
    expect $d '{.spec.template.spec.volumes[1].secret.items[0].key}' token
    expect $d '{.spec.template.spec.serviceAccountName}' tools-gateway
    expect service/tools '{.spec.sessionAffinity}' None
    # The gateway's format: one key of 32 bytes, current naming it, nothing else.
    [[ "$(ring tools-keyring)" == "k1:32" ]] || fail "keyring entries: $(ring tools-keyring)"
    [[ "$(current tools-keyring)" == k1 ]] || fail "current: $(current tools-keyring)"
    expect secret/tools-keyring '{.type}' Opaque
    [[ -n "$(jp secret/tools-keyring '{.metadata.annotations.mcp\.v2dy\.io/keyring-rotated-at}')" ]] ||
      fail "no rotation time"
    events=$(kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.reason} {.note}{"\n"}{end}')
    grep -q "^KeyringCreated Secret tools-keyring: created current k1$" <<<"$events" || fail "no KeyringCreated: $events"
    # The gateway may read no Secret at all, through its own identity.
    who="system:serviceaccount:$NS:tools-gateway"
    [[ $(kubectl -n "$NS" auth can-i get secrets/tools-keyring --as "$who") == no ]] || fail "the gateway may read Secrets"
    [[ $(kubectl -n "$NS" auth can-i list mcpservers.mcp.v2dy.io --as "$who") == yes ]] || fail "the gateway may not list MCPServers"
    # Nothing refused in this namespace (the operator sees all: other cases' namespaces being
    # deleted refuse its events there).
    if grep -i forbidden "$OP_DIR/pool-objects.log" | grep -q "$NS"; then
      fail "Forbidden in the log: $(grep -i forbidden "$OP_DIR/pool-objects.log" | grep "$NS" | head -2)"
    fi
    ;;

  status_reports_members)
    # Listed members first, then selected ones by name, each with its MCPServer's readiness
    # and URL; a listed MCPServer that does not exist makes the pool Degraded naming it, and
    # creating it makes the pool Running. The gateway's replicas and URL are reported.
    new_namespace pool-status
    start_operator pool-status
    server zeta '{pool: tools}'
    server alpha '{pool: tools}'
    server other '{pool: elsewhere}'
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPPool
metadata: {name: tools}
spec:
  selector: {matchLabels: {pool: tools}}
  members:
  - name: mem
    server: memory
  - name: zeta
  replicas: 2
EOF
    wait_until 20 "tools Degraded" eq mcppool/tools '{.status.phase}' Degraded
    expect mcppool/tools '{.status.members[*].name}' "mem zeta alpha"
    msg=$(jp mcppool/tools '{.status.conditions[?(@.type=="Degraded")].message}')
    grep -q "mem: MCPServer memory not found" <<<"$msg" || fail "Degraded does not name the missing member: $msg"
    expect mcppool/tools '{.status.members[0].lastError}' "MCPServer memory not found"
    warned() { kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.type}/{.reason}{"\n"}{end}' | grep -q Warning/MembersFailing; }
    wait_until 10 "MembersFailing event" warned
    server memory
    wait_until 30 "tools Running" eq mcppool/tools '{.status.phase}' Running
    expect mcppool/tools '{.status.readyMembers}' 3/3
    expect mcppool/tools '{.status.members[0].server}' memory
    expect mcppool/tools '{.status.members[0].ready}' true
    expect mcppool/tools '{.status.members[0].url}' "http://memory.$NS.svc.cluster.local:3000/mcp"
    expect mcppool/tools '{.status.url}' "http://tools.$NS.svc.cluster.local:8080/mcp"
    expect mcppool/tools '{.status.readyReplicas}' 2
    expect mcppool/tools '{.status.ready}' 2/2
    expect mcppool/tools '{.status.conditions[?(@.type=="Ready")].status}' True
    expect mcppool/tools '{.status.conditions[?(@.type=="Verified")].reason}' VerificationOff
    expect mcppool/tools '{.status.observedGeneration}' "$(jp mcppool/tools '{.metadata.generation}')"
    # A server whose labels stop matching leaves the pool.
    kubectl -n "$NS" label mcpserver/alpha pool=elsewhere --overwrite >/dev/null
    wait_until 10 "alpha left" eq mcppool/tools '{.status.members[*].name}' "mem zeta"
    header=$(kubectl -n "$NS" get mcpp); header=${header%%$'\n'*}
    for col in NAME PHASE MEMBERS TOOLS URL AGE; do grep -qw "$col" <<<"$header" || fail "no $col column: $header"; done
    ;;

  keyring_rotates_in_two_phases)
    # With a short rotation period a new key is staged first (current unchanged), then made
    # current after the staging delay, and only it and the key before it are kept.
    new_namespace pool-rotation
    start_operator pool-rotation --gateway-key-rotation=4s --gateway-key-stage-delay=4s
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPPool
metadata: {name: rot}
spec: {members: [{name: a, url: "https://a.example.invalid/mcp"}]}
EOF
    wait_until 10 "keyring" jp secret/rot-keyring '{.metadata.name}'
    [[ "$(current rot-keyring)" == k1 ]] || fail "first current: $(current rot-keyring)"
    staged() { [[ "$(ring rot-keyring)" == "k1:32 k2:32" ]]; }
    wait_until 15 "k2 staged" staged
    [[ "$(current rot-keyring)" == k1 ]] || fail "k2 sealed before it was staged everywhere"
    [[ -n "$(jp secret/rot-keyring '{.metadata.annotations.mcp\.v2dy\.io/keyring-staged-at}')" ]] || fail "no staging time"
    is_current() { [[ "$(current rot-keyring)" == "$1" ]]; }
    wait_until 15 "k2 current" is_current k2
    [[ "$(ring rot-keyring)" == "k1:32 k2:32" ]] || fail "after the first switch: $(ring rot-keyring)"
    wait_until 25 "k3 current" is_current k3
    [[ "$(ring rot-keyring)" == "k2:32 k3:32" ]] || fail "more than the current key and the one before: $(ring rot-keyring)"
    events=$(kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.reason} {.note}{"\n"}{end}')
    grep -q "^KeyringRotated Secret rot-keyring: staged k2 (current stays k1)$" <<<"$events" || fail "no staging event: $events"
    grep -q "^KeyringRotated Secret rot-keyring: current k2 " <<<"$events" || fail "no switch event: $events"
    ;;

  without_gateway_image_failed)
    # An operator without --gateway-image cannot run a gateway: the pool is Failed, naming the flag.
    new_namespace pool-noimage
    [[ -f "$OP_DIR/operator.kubeconfig" ]] ||
      op_kubeconfig mcp-operator-controller-manager mcp-operator-system "$OP_DIR/operator.kubeconfig"
    "$OP_BIN" --kubeconfig "$OP_DIR/operator.kubeconfig" --health-probe-bind-address=0 --metrics-bind-address=0 \
      --bridge-image=mcp-bridge:test --log-format=json >>"$OP_DIR/pool-noimage.log" 2>&1 &
    echo $! > "$OP_DIR/pool-noimage.pid"
    CLEANUP=("op_stop pool-noimage" "${CLEANUP[@]}")
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPPool
metadata: {name: noimage}
spec: {members: [{name: a}]}
EOF
    wait_until 10 "noimage Failed" eq mcppool/noimage '{.status.phase}' Failed
    msg=$(jp mcppool/noimage '{.status.conditions[?(@.type=="Ready")].message}')
    grep -q -- "--gateway-image" <<<"$msg" || fail "message does not name the fix: $msg"
    [[ -z "$(kubectl -n "$NS" get deployment noimage-gateway -o name 2>/dev/null)" ]] || fail "a gateway without image"
    ;;

  deleting_pool_removes_its_objects)
    # Garbage collection removes everything the pool owned, the keyring included.
    new_namespace pool-delete
    start_operator pool-delete
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPPool
metadata: {name: gone}
spec: {members: [{name: a, url: "https://a.example.invalid/mcp"}]}
EOF
    objects="serviceaccount/gone-gateway role/gone-gateway rolebinding/gone-gateway deployment/gone-gateway service/gone secret/gone-keyring"
    for o in $objects; do wait_until 10 "$o" jp "$o" '{.metadata.name}'; done
    kubectl -n "$NS" delete mcppool/gone --wait=true >/dev/null
    absent() { ! kubectl -n "$NS" get "$1" -o name >/dev/null 2>&1; }
    for o in $objects; do wait_until 30 "$o removed" absent "$o"; done
    ;;

  *) fail "unknown case $1" ;;
esac
echo "ok: $1"
