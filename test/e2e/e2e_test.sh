#!/usr/bin/env bash
# End-to-end tier (CTest label `e2e`): MCP servers as real pods on the real-node cluster
# (hack/e2e-cluster.sh), installed the way users install the operator (dist/install.yaml),
# reached by real MCP clients (the TypeScript SDK in a pod). Needs root.
#
#   e2e_test.sh setup              cluster up, images imported, operator deployed (fixture)
#   e2e_test.sh <case>             one test (below)
#   e2e_test.sh teardown           cluster down; fails if anything is left behind (fixture)
#
# Environment (from test/e2e/CMakeLists.txt): E2E_CLUSTER_DIR, BUILD_DIR, TOOLS_BIN.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$REPO_ROOT/hack/lib.sh"
CLUSTER="$REPO_ROOT/hack/e2e-cluster.sh"
export KUBECONFIG="$E2E_CLUSTER_DIR/kubeconfig"
NS=e2e
STATE=/run/mcp-e2e

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "--- $*"; }

load_env() {
  eval "$("$REPO_ROOT/hack/e2e-images.sh" list)"
  source "$REPO_ROOT/hack/e2e/lib.sh"
}

# eventually <seconds> <what> <command...>
eventually() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "not within ${secs}s: $what"
    sleep 0.5
  done
}

# eventually_quiet <seconds> <command...>: like eventually, but returns 1 instead of failing.
eventually_quiet() {
  local secs=$1; shift
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

crictl_() { "$TOOLS_BIN/crictl" --runtime-endpoint "unix://$STATE/containerd.sock" "$@"; }

# host_pid <namespace> <pod> <container>: the container's main process, seen from the host.
host_pid() {
  local id
  id=$(crictl_ ps -q --label "io.kubernetes.pod.namespace=$1" --label "io.kubernetes.pod.name=$2" --name "^$3\$" |
    head -1)
  [[ -n $id ]] || return 1
  crictl_ inspect -o go-template --template '{{.info.pid}}' "$id"
}

# children_running <pid> <pattern>: PIDs of the process's children whose command line matches.
children_matching() {
  local pid=$1 pattern=$2 c
  for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    tr '\0' ' ' < "/proc/$c/cmdline" 2>/dev/null | grep -q -- "$pattern" && echo "$c"
  done
  return 0
}

mcps_field_is() {  # mcps_field_is <name> <jsonpath> <value>
  [[ $(kubectl -n "$NS" get mcps "$1" -o jsonpath="$2") == "$3" ]]
}
client_holding() { kubectl -n "$NS" logs "$1" 2>/dev/null | grep -q holding; }
at_least_children() {  # at_least_children <pid> <pattern> <n>
  (($(children_matching "$1" "$2" | wc -l) >= $3))
}
at_most_children() {  # at_most_children <pid> <pattern> <n>
  (($(children_matching "$1" "$2" | wc -l) <= $3))
}
restarted() { (($(kubectl -n "$NS" get pod "$1" -o jsonpath='{.status.containerStatuses[0].restartCount}') >= 1)); }
operator_pod_ready_other_than() {  # a Ready operator pod that is not $1
  local ready
  ready=$(kubectl -n mcp-operator-system get pods -l control-plane=controller-manager \
    -o jsonpath='{range .items[?(@.status.containerStatuses[0].ready==true)]}{.metadata.name}{"\n"}{end}')
  [[ -n $ready && $ready != *"$1"* ]]
}
leads() { kubectl -n mcp-operator-system logs "$1" | grep -q 'caches synced'; }

pod_of() {  # pod_of <mcpserver>: the name of one of its Running pods
  kubectl -n "$NS" get pods -l "app.kubernetes.io/instance=$1" --field-selector=status.phase=Running \
    -o jsonpath='{.items[0].metadata.name}'
}

owned_counts() {  # what the operator made for the two samples, one line per kind
  local k
  for k in deployments services serviceaccounts replicasets; do
    printf '%s=%s ' "$k" "$(kubectl -n "$NS" get "$k" -l app.kubernetes.io/managed-by=mcp-operator -o name 2>/dev/null | wc -l)"
  done
}

# ---------------------------------------------------------------- fixture

cmd_setup() {
  "$CLUSTER" up
  "$CLUSTER" deploy
}

cmd_teardown() {
  local before_netns
  "$CLUSTER" down
  # Nothing of the cluster may outlive it.
  local left=""
  pgrep -f "$E2E_CLUSTER_DIR/" >/dev/null && left+=" processes"
  pgrep -f "containerd-shim-runc-v2 .*$STATE" >/dev/null && left+=" shims"
  grep -qE " ($E2E_CLUSTER_DIR|$STATE|$MCP_CACHE/e2e-containerd)" /proc/self/mountinfo && left+=" mounts"
  { iptables-save; ip6tables-save; } 2>/dev/null | grep -qE 'KUBE-|mcp-e2e' && left+=" iptables-rules"
  ip link show mcpe2e0 >/dev/null 2>&1 && left+=" bridge"
  ip link show mcpe2e-host >/dev/null 2>&1 && left+=" host-interface"
  ip route | grep -qE '^(blackhole )?10\.(245|97)\.' && left+=" routes"
  [[ -d $STATE ]] && left+=" state-dir($STATE)"
  local d
  for d in /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods; do [[ -d $d ]] && left+=" cgroup($d)"; done
  before_netns=$(ip netns list 2>/dev/null | grep -c '^cni-' || true)
  ((before_netns == 0)) || left+=" netns"
  [[ -z $left ]] || fail "left behind after down:$left"
  note "nothing left: no processes, shims, mounts, iptables rules, interfaces, routes, netns or cgroups"
}

# ---------------------------------------------------------------- cases

# No packet for the pod or Service ranges can leave the machine.
cmd_network_local() {
  local uplink; uplink=$(ip route show default | awk '{for (i=1;i<NF;i++) if ($i=="dev") print $(i+1)}' | head -1)
  local addr out
  for addr in 10.245.0.9 10.245.0.254 10.97.0.1 10.97.0.10 10.97.255.254; do
    out=$(ip route get "$addr")
    echo "$addr: $out" | head -1
    [[ $out == *" dev mcpe2e0 "* || $out == *" dev mcpe2e-host "* ]] || fail "$addr is not routed to a local interface"
  done
  for addr in 10.245.1.1 10.245.255.254; do
    # Outside the node's /24: a blackhole, so `ip route get` itself refuses.
    if out=$(ip route get "$addr" 2>&1); then
      fail "$addr is routable: $out"
    fi
    echo "$addr: blackhole ($out)"
  done
  [[ -z $uplink ]] || ! ip route get 10.97.0.1 | grep -q " dev $uplink " || fail "Service range leaves through $uplink"
  iptables -C FORWARD -i mcpe2e0 -j DROP -m comment --comment mcp-e2e || fail "no drop rule for pod egress"
  note "pod and Service ranges stay on mcpe2e0/mcpe2e-host; pods may not forward anywhere else"
}

# Both samples reach Running and Verified=True, with serverInfo and tools from the operator;
# a client pod (TypeScript SDK) calls echo through status.url.
cmd_samples_verified() {
  load_env
  kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl label namespace "$NS" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
  local t0=$SECONDS s
  for s in stdio http; do apply_sample "$NS" "$s"; done
  local t_stdio="" t_http=""
  local deadline=$((SECONDS + 180))
  while [[ -z $t_stdio || -z $t_http ]]; do
    ((SECONDS < deadline)) || { kubectl -n "$NS" get mcps -o yaml >&2; fail "samples not Running+Verified in 180s"; }
    [[ -z $t_stdio ]] && mcps_verified "$NS" everything-stdio && t_stdio=$((SECONDS - t0))
    [[ -z $t_http ]] && mcps_verified "$NS" everything-http && t_http=$((SECONDS - t0))
    sleep 0.25
  done
  note "apply -> Verified: stdio ${t_stdio}s, http ${t_http}s"
  kubectl -n "$NS" get mcps -o wide
  for s in stdio http; do
    local name=everything-$s info tools url
    info=$(kubectl -n "$NS" get mcps "$name" -o jsonpath='{.status.serverInfo.name}')
    tools=$(kubectl -n "$NS" get mcps "$name" -o jsonpath='{.status.tools}')
    url=$(kubectl -n "$NS" get mcps "$name" -o jsonpath='{.status.url}')
    [[ $info == mcp-servers/everything ]] || fail "$name: serverInfo.name is '$info'"
    [[ $tools == *'"echo"'* ]] || fail "$name: tools do not list echo: $tools"
    [[ $url == "http://$name.$NS.svc.cluster.local:"*/mcp ]] || fail "$name: url is $url"
    local out
    out=$(run_client "$NS" "client-$s" "$url" --message "ping $s") || fail "$name: client failed: $out"
    echo "$out"
    grep -q "\"text\":\"Echo: ping $s #0\"" <<<"$out" || fail "$name: no echo through $url"
  done
}

# The stdio pod runs the bridge the init container copied; 3 concurrent sessions get 3
# different child processes inside that pod.
cmd_stdio_sessions() {
  load_env
  local pod; pod=$(pod_of everything-stdio)
  [[ -n $pod ]] || fail "no running everything-stdio pod"
  local init_exit cmd
  init_exit=$(kubectl -n "$NS" get pod "$pod" -o jsonpath='{.status.initContainerStatuses[0].name}={.status.initContainerStatuses[0].state.terminated.exitCode}')
  [[ $init_exit == install-mcp-bridge=0 ]] || fail "init container: $init_exit"
  local pid; pid=$(host_pid "$NS" "$pod" mcp-server) || fail "no mcp-server container for $pod"
  cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline")
  [[ $cmd == /opt/mcp-bridge/mcp-bridge* ]] || fail "the server container runs '$cmd', not the copied bridge"
  note "pod $pod: init container install-mcp-bridge exited 0; PID $pid runs: $cmd"

  local pattern=server-everything/dist/index.js
  local before; before=$(children_matching "$pid" "$pattern" | wc -l)
  local url; url=$(kubectl -n "$NS" get mcps everything-stdio -o jsonpath='{.status.url}')
  start_client "$NS" client-sessions "$url" --sessions 3 --hold 15
  eventually 60 "3 sessions open" client_holding client-sessions
  # The warm spare (there was one before) goes to the first session and is replaced a moment
  # later: 3 children for the sessions plus the new spare.
  if ! eventually_quiet 10 at_least_children "$pid" "$pattern" $((before + 3)); then
    fail "3 sessions did not get 3 child processes besides the warm spare ($before -> $(children_matching "$pid" "$pattern" | wc -l))"
  fi
  local during; during=$(children_matching "$pid" "$pattern" | sort -u)
  local n; n=$(wc -l <<<"$during")
  note "bridge children: $before before (the warm spare), $n with 3 sessions open: $(tr '\n' ' ' <<<"$during")"
  local sessions; sessions=$(kubectl -n "$NS" logs client-sessions | grep -o '"sessionId":"[^"]*"' | sort -u | wc -l)
  ((sessions == 3)) || fail "expected 3 distinct session ids, got $sessions"
  wait_client "$NS" client-sessions 60 >/dev/null || fail "the sessions client failed"
  kubectl -n "$NS" delete pod client-sessions --wait=false >/dev/null
  # Ending the sessions (DELETE) ends their children.
  eventually 30 "children of the 3 ended sessions gone" at_most_children "$pid" "$pattern" "$before"
  note "after the sessions ended: $(children_matching "$pid" "$pattern" | wc -l) children"
}

# kubectl scale on the MCPServer gives 2 real Ready pods; both serve.
cmd_scale() {
  load_env
  kubectl -n "$NS" scale mcpserver/everything-stdio --replicas=2
  eventually 120 "2/2 ready" mcps_field_is everything-stdio '{.status.ready} {.status.phase}' '2/2 Running'
  local ips; ips=$(kubectl -n "$NS" get pods -l app.kubernetes.io/instance=everything-stdio \
    -o jsonpath='{range .items[?(@.status.podIP)]}{.status.podIP}{"\n"}{end}')
  [[ $(wc -l <<<"$ips") -eq 2 ]] || fail "expected 2 pod IPs, got: $ips"
  local ip i=0
  for ip in $ips; do
    local out
    out=$(run_client "$NS" "client-pod-$i" "http://$ip:3000/mcp" --message "pod $ip") || fail "pod $ip: $out"
    grep -q "Echo: pod $ip" <<<"$out" || fail "pod $ip did not echo: $out"
    note "pod $ip serves"
    i=$((i + 1))
  done
  kubectl -n "$NS" get mcps everything-stdio
  kubectl -n "$NS" scale mcpserver/everything-stdio --replicas=1
  eventually 120 "back to 1/1" mcps_field_is everything-stdio '{.status.ready} {.status.phase}' '1/1 Running'
}

# Killing the server process in its pod: the kubelet restarts it, the MCPServer shows it
# (Degraded, or the restart noted in Ready's message) and goes back to Running; no duplicates.
cmd_kill_server() {
  load_env
  local name=everything-http pod pid before
  pod=$(pod_of "$name")
  pid=$(host_pid "$NS" "$pod" mcp-server) || fail "no mcp-server container in $pod"
  before=$(owned_counts)
  local log; log=$(mktemp)
  kubectl -n "$NS" get mcps "$name" --watch -o jsonpath='{.status.phase} {.status.conditions[?(@.type=="Ready")].message}{"\n"}' >"$log" 2>&1 &
  local watcher=$!
  sleep 1
  note "kill -KILL $pid (node server-everything, PID 1 of pod $pod)"
  kill -KILL "$pid"
  eventually 60 "container restarted" restarted "$pod"
  eventually 90 "back to Running with the restart noted" grep -q '^Running .*1 container restart' "$log"
  kill "$watcher" 2>/dev/null || true
  cat "$log"
  grep -qE '^Degraded|container restart' "$log" || fail "the restart was not visible in the MCPServer's status"
  rm -f "$log"
  [[ $(kubectl -n "$NS" get pods -l "app.kubernetes.io/instance=$name" -o name | wc -l) -eq 1 ]] || fail "pods duplicated"
  [[ $(owned_counts) == "$before" ]] || fail "owned objects changed: $before -> $(owned_counts)"
  local url; url=$(kubectl -n "$NS" get mcps "$name" -o jsonpath='{.status.url}')
  run_client "$NS" client-after-kill "$url" --message "after kill" | grep -q "Echo: after kill" || fail "no echo after the restart"
  note "restarted, Running again, serving; objects unchanged: $before"
}

# writes_to_converged: write requests (POST/PUT/PATCH/DELETE/APPLY) the apiserver counted for
# the kinds the operator owns and for MCPServers (status included).
writes_to_converged() {
  kubectl get --raw /metrics | awk '
    /^apiserver_request_total\{/ {
      if ($0 !~ /verb="(POST|PUT|PATCH|DELETE|APPLY)"/) next
      if ($0 ~ /resource="mcpservers"/ || ($0 ~ /resource="(deployments|services|serviceaccounts|poddisruptionbudgets|networkpolicies|ingresses)"/ && $0 ~ /subresource=""/)) n += $NF
    }
    END { print n + 0 }'
}

# Deleting the operator pod: its Deployment restarts it and it resumes without writing to
# the converged objects (apiserver_request_total, before and after).
cmd_operator_restart() {
  load_env
  local ns=mcp-operator-system old new
  eventually 60 "samples Verified" mcps_verified "$NS" everything-stdio
  eventually 60 "samples Verified" mcps_verified "$NS" everything-http
  old=$(kubectl -n "$ns" get pods -l control-plane=controller-manager -o jsonpath='{.items[0].metadata.name}')
  local rv_before; rv_before=$(kubectl -n "$NS" get mcps,deployments,services,serviceaccounts -o jsonpath='{range .items[*]}{.metadata.resourceVersion} {end}')
  local w0; w0=$(writes_to_converged)
  kubectl -n "$ns" delete pod "$old" --wait=false
  eventually 120 "a new operator pod Ready" operator_pod_ready_other_than "$old"
  new=$(kubectl -n "$ns" get pods -l control-plane=controller-manager \
    -o jsonpath='{range .items[?(@.status.containerStatuses[0].ready==true)]}{.metadata.name}{"\n"}{end}' | grep -v "^$old\$" | head -1)
  eventually 60 "the new pod leads" leads "$new"
  sleep 10  # a full resync's worth of reconciles after the new leader started
  local w1; w1=$(writes_to_converged)
  local rv_after; rv_after=$(kubectl -n "$NS" get mcps,deployments,services,serviceaccounts -o jsonpath='{range .items[*]}{.metadata.resourceVersion} {end}')
  note "operator pod $old -> $new; writes to MCPServers and owned kinds: $w0 -> $w1"
  ((w1 == w0)) || fail "the restarted operator wrote $((w1 - w0)) times to converged objects"
  [[ $rv_after == "$rv_before" ]] || fail "resourceVersions changed: $rv_before -> $rv_after"
  mcps_verified "$NS" everything-stdio && mcps_verified "$NS" everything-http || fail "samples no longer Running+Verified"
}

# hostile_mcpserver <namespace> <mode>: an HTTP MCPServer running test/mcp/fixtures/hostile_server.mjs
# (from the ConfigMap hostile-server) in the server-everything image's node.
hostile_mcpserver() {
  kubectl -n "$1" apply -f - >/dev/null <<YAML
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata:
  name: hostile-$2
spec:
  image: "$SERVER_EVERYTHING_IMAGE"
  imagePullPolicy: IfNotPresent
  protocol: http
  command: ["/usr/local/bin/node"]
  args: ["/hostile/hostile_server.mjs", "$2", "3000"]
  port: 3000
  path: /mcp
  resources:
    requests: {cpu: 10m, memory: 32Mi}
    limits: {memory: 256Mi}
  volumes:
  - name: hostile
    configMap: {name: hostile-server}
  volumeMounts:
  - {name: hostile, mountPath: /hostile, readOnly: true}
YAML
}

verified_reason_is() {  # verified_reason_is <namespace> <name> <status reason>
  [[ $(kubectl -n "$1" get mcps "$2" -o jsonpath='{.status.conditions[?(@.type=="Verified")].status} {.status.conditions[?(@.type=="Verified")].reason}') == "$3" ]]
}

# The bound on the operator pod's memory (its container's cgroup, memory.current sampled every
# 0.5 s, and memory.peak where the kernel has it) while six hostile servers are probed.
HOSTILE_MEMORY_BOUND_MIB=48

# A tenant's hostile MCP servers (each answer of test/mcp/fixtures/hostile_server.mjs) in
# tenant-a: each gets its bounded Verified result, the operator's memory stays under the bound
# and it never restarts, while another tenant's server (everything-http in tenant-b) reaches
# Running+Verified meanwhile.
cmd_hostile_tenants() {
  load_env
  local ns ops=mcp-operator-system
  for ns in tenant-a tenant-b; do
    kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
    kubectl label namespace "$ns" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
  done
  kubectl -n tenant-a create configmap hostile-server \
    --from-file=hostile_server.mjs="$REPO_ROOT/test/mcp/fixtures/hostile_server.mjs" --dry-run=client -o yaml |
    kubectl -n tenant-a apply -f - >/dev/null
  local op pid cg
  op=$(kubectl -n "$ops" get pods -l control-plane=controller-manager -o jsonpath='{.items[0].metadata.name}')
  pid=$(host_pid "$ops" "$op" manager) || fail "no manager container in $op"
  # cgroup v2 (memory.current, memory.peak) or v1 (memory.usage_in_bytes, max_usage_in_bytes,
  # as on this project's test VM); v1's usage counts the page cache too, so it over-states.
  local cur_file peak_file
  cg=/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")
  if [[ -r $cg/memory.current ]]; then
    cur_file=$cg/memory.current; peak_file=$cg/memory.peak
  else
    cg=/sys/fs/cgroup/memory$(awk -F: '$2 == "memory" {print $3}' "/proc/$pid/cgroup")
    cur_file=$cg/memory.usage_in_bytes; peak_file=$cg/memory.max_usage_in_bytes
  fi
  [[ -r $cur_file ]] || fail "no memory cgroup file for the operator ($cur_file)"
  local restarts0; restarts0=$(kubectl -n "$ops" get pod "$op" -o jsonpath='{.status.containerStatuses[0].restartCount}')
  local before=$(( $(cat "$cur_file") >> 10 ))

  local -A want=([huge-sse]="False InitializeFailed" [sse-events]="False InitializeFailed" [oversize]="False InitializeFailed"
                 [many-tools]="True Verified" [slow-drip]="False Timeout" [garbage]="False InitializeFailed")
  local mode
  for mode in "${!want[@]}"; do hostile_mcpserver tenant-a "$mode"; done
  apply_sample tenant-b http
  local t0=$SECONDS peak=0 cur pending t_good=""
  local deadline=$((SECONDS + 240))
  while :; do
    cur=$(( $(cat "$cur_file") >> 10 ))
    ((cur > peak)) && peak=$cur
    pending=""
    for mode in "${!want[@]}"; do
      verified_reason_is tenant-a "hostile-$mode" "${want[$mode]}" || pending+=" $mode"
    done
    [[ -z $t_good ]] && mcps_verified tenant-b everything-http && t_good=$((SECONDS - t0))
    [[ -z $pending && -n $t_good ]] && break
    ((SECONDS < deadline)) || { kubectl -n tenant-a get mcps -o yaml >&2; fail "not within 240s: still pending:${pending:- none}; tenant-b Verified after: ${t_good:-not yet}"; }
    sleep 0.5
  done
  # Two more re-check rounds of the failing ones (every second, five times) while sampling.
  local until=$((SECONDS + 20))
  while ((SECONDS < until)); do
    cur=$(( $(cat "$cur_file") >> 10 ))
    ((cur > peak)) && peak=$cur
    sleep 0.5
  done
  [[ -r $peak_file ]] && { cur=$(( $(cat "$peak_file") >> 10 )); ((cur > peak)) && peak=$cur; }
  kubectl -n tenant-a get mcps -o custom-columns='NAME:.metadata.name,VERIFIED:.status.conditions[?(@.type=="Verified")].reason,MESSAGE:.status.conditions[?(@.type=="Verified")].message'
  local size
  for mode in "${!want[@]}"; do
    size=$(kubectl -n tenant-a get mcps "hostile-$mode" -o jsonpath='{.status}' | wc -c)
    ((size < 20480)) || fail "hostile-$mode: status is $size bytes"
  done
  local restarts; restarts=$(kubectl -n "$ops" get pod "$op" -o jsonpath='{.status.containerStatuses[0].restartCount}')
  note "operator memory (cgroup): ${before} KiB before, peak ${peak} KiB (bound ${HOSTILE_MEMORY_BOUND_MIB} MiB); restarts ${restarts0} -> ${restarts}; tenant-b Verified after ${t_good}s"
  ((restarts == restarts0)) || fail "the operator restarted"
  ((peak < HOSTILE_MEMORY_BOUND_MIB * 1024)) || fail "operator memory peaked at ${peak} KiB"
  kubectl delete namespace tenant-a tenant-b --wait=false >/dev/null
}

# An http server fronted by mcp-bridge (spec.bridge.enabled) on the real node: two containers,
# the bridge (the bridge image itself, restricted) running --upstream to the server over the
# pod's loopback; Running + Verified through the bridge; a client pod calls echo through
# status.url (the Service's port is still spec.port); the bridge serves every session.
cmd_http_bridged() {
  load_env
  local ns=e2e-bridged
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl label namespace "$ns" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
  local t0=$SECONDS
  apply_sample "$ns" http-bridged
  eventually 180 "everything-http-bridged Running + Verified" mcps_verified "$ns" everything-http-bridged
  note "apply -> Verified: $((SECONDS - t0))s"
  local pod containers url
  pod=$(kubectl -n "$ns" get pods -l app.kubernetes.io/instance=everything-http-bridged \
    --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}')
  containers=$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.spec.containers[*].name}')
  [[ $containers == "mcp-server mcp-bridge" ]] || fail "containers: $containers"
  local pid cmd
  pid=$(host_pid "$ns" "$pod" mcp-bridge) || fail "no mcp-bridge container in $pod"
  cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline")
  [[ $cmd == "/mcp-bridge "*"--upstream http://127.0.0.1:3001/mcp"* ]] || fail "the bridge runs '$cmd'"
  note "pod $pod: containers $containers; the bridge (PID $pid) runs: $cmd"
  [[ $(kubectl -n "$ns" get svc everything-http-bridged -o jsonpath='{.spec.ports[0].port}/{.spec.ports[0].targetPort}') == 3001/mcp ]] ||
    fail "the Service does not target the bridge's port"
  url=$(kubectl -n "$ns" get mcps everything-http-bridged -o jsonpath='{.status.url}')
  [[ $url == "http://everything-http-bridged.$ns.svc.cluster.local:3001/mcp" ]] || fail "url is $url"
  local out
  out=$(run_client "$ns" client-bridged "$url" --sessions 3 --message "ping bridged") || fail "client failed: $out"
  echo "$out"
  grep -q '"text":"Echo: ping bridged #0"' <<<"$out" || fail "no echo through the bridge"
  grep -q '"text":"Echo: ping bridged #2"' <<<"$out" || fail "the third session got no echo"
  kubectl delete namespace "$ns" --wait=false >/dev/null
}

# ---------------------------------------------------------------- MCPPool

pool_phase_is() {  # pool_phase_is <ns> <pool> <phase> [verified]
  local out
  out=$(kubectl -n "$1" get mcpp "$2" -o jsonpath='{.status.phase} {.status.conditions[?(@.type=="Verified")].status}')
  [[ $out == "$3${4:+ $4}"* ]]
}
pool_degraded_naming() {  # pool_degraded_naming <ns> <pool> <member>
  local msg
  msg=$(kubectl -n "$1" get mcpp "$2" -o jsonpath='{.status.conditions[?(@.type=="Degraded")].status} {.status.conditions[?(@.type=="Degraded")].message}')
  [[ $msg == True* && $msg == *"$3"* ]]
}
pool_member_field() {  # pool_member_field <ns> <pool> <member> <field>
  kubectl -n "$1" get mcpp "$2" -o jsonpath="{.status.members[?(@.name==\"$3\")].$4}"
}
ready_pods_are() {  # ready_pods_are <ns> <instance> <n>
  local n
  n=$(kubectl -n "$1" get pods -l "app.kubernetes.io/instance=$2" \
    -o jsonpath='{range .items[*]}{.status.containerStatuses[*].ready}{"\n"}{end}' | grep -c -v false || true)
  ((n == $3))
}
pool_clients() { MCP_PEERS_DIR=$(peers_dir) node "$REPO_ROOT/test/e2e/pool/clients.mjs" "$@"; }
# The same in the background, as the process $! names (so the test can stop it).
pool_clients_bg() { (MCP_PEERS_DIR=$(peers_dir) exec node "$REPO_ROOT/test/e2e/pool/clients.mjs" "$@") & }
slice_ready_addresses_are() {  # slice_ready_addresses_are <ns> <service> <n>
  local n
  n=$(kubectl -n "$1" get endpointslices -l "kubernetes.io/service-name=$2" \
    -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{"\n"}{end}' | sort -u | grep -c . || true)
  ((n == $3))
}

# A pool of three different real servers in pods (server-everything over stdio behind the
# bridge, server-everything serving HTTP itself, server-memory from npm over stdio) and one
# remote member (a bridge on the host, behind a bearer token), with two gateway replicas:
# prefixed tools and include/exclude in tools/list and status, a call to each member from the
# TypeScript and Python SDKs and from a pod through status.url; a gateway pod deleted under 20
# sessions (0 lost); a member pod killed (its calls fail fast naming it, the others answer, the
# pool Degraded naming it, then Running again); a member scaled to 3 (sessions spread, each on
# its pod); priority resolution in tools/list and status.conflicts.
cmd_pool() {
  load_env
  local ns=e2e-pool work="$E2E_CLUSTER_DIR/pool"
  rm -rf "$work" && mkdir -p "$work"
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl label namespace "$ns" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
  # The remote member: outside the cluster (on the host, at the node's address), token required.
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$work/token"
  "$BUILD_DIR/apps/mcp-bridge/mcp-bridge" --host 10.98.255.1 --port 0 --token-file "$work/token" --session-mode shared \
    -- "$(peers_dir)/node_modules/.bin/mcp-server-everything" stdio 2>"$work/remote.log" &
  local remote=$!
  trap "kill $remote 2>/dev/null || true" EXIT
  eventually 20 "the remote member listens" grep -q 'msg=listening' "$work/remote.log"
  local rport; rport=$(sed -n 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' "$work/remote.log" | head -1)
  kubectl -n "$ns" create secret generic docs-token --from-file=token="$work/token" >/dev/null
  # Every client session of the pool opens a session on every member: 30-odd sessions here,
  # so the stdio servers share one child each (shared mode) instead of a Node process per
  # session on this 2-core node.
  sed "s|@SERVER_EVERYTHING_IMAGE@|$SERVER_EVERYTHING_IMAGE|" "$REPO_ROOT/hack/e2e/samples/everything-stdio.yaml" |
    sed -e 's/name: everything-stdio/name: everything\n  labels: {pool: tools}/' -e 's/sessionMode: per-session/sessionMode: shared/' |
    kubectl -n "$ns" apply -f - >/dev/null
  sed "s|@SERVER_EVERYTHING_IMAGE@|$SERVER_EVERYTHING_IMAGE|" "$REPO_ROOT/hack/e2e/samples/everything-http.yaml" |
    sed -e 's/name: everything-http/name: everything-http\n  labels: {pool: tools}/' | kubectl -n "$ns" apply -f - >/dev/null
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata:
  name: memory
spec:
  image: "$SERVER_EVERYTHING_IMAGE"
  imagePullPolicy: IfNotPresent
  protocol: stdio
  command: ["/usr/local/bin/node"]
  args: ["/app/node_modules/@modelcontextprotocol/server-memory/dist/index.js"]
  port: 3000
  bridge: {sessionMode: shared}
  env:
  - {name: MEMORY_FILE_PATH, value: /data/memory.jsonl}
  volumes:
  - {name: data, emptyDir: {}}
  volumeMounts:
  - {name: data, mountPath: /data}
  resources:
    requests: {cpu: 20m, memory: 64Mi}
    limits: {memory: 512Mi}
---
apiVersion: mcp.v2dy.io/v1
kind: MCPPool
metadata:
  name: tools
spec:
  selector:
    matchLabels: {pool: tools}
  members:
  - name: memory
    include: ["read_*", "search_*", "open_*"]
    exclude: ["open_nodes"]
  - name: docs
    url: http://10.98.255.1:$rport/mcp
    bearerTokenSecretRef: {name: docs-token, key: token}
  replicas: 2
YAML
  local t0=$SECONDS
  eventually 240 "MCPPool tools Running + Verified" pool_phase_is "$ns" tools Running True
  note "apply -> pool Running + Verified: $((SECONDS - t0))s"
  kubectl -n "$ns" get mcpp tools -o wide
  [[ $(kubectl -n "$ns" get mcpp tools -o jsonpath='{.status.readyMembers}') == 4/4 ]] || fail "readyMembers: $(kubectl -n "$ns" get mcpp tools -o jsonpath='{.status.readyMembers}')"
  local m
  for m in memory docs everything everything-http; do
    [[ $(pool_member_field "$ns" tools "$m" ready) == true ]] || fail "member $m not ready in status"
  done
  [[ $(pool_member_field "$ns" tools memory toolCount) == 2 ]] || fail "memory's toolCount after include/exclude: $(pool_member_field "$ns" tools memory toolCount)"

  local ip url tools
  ip=$(kubectl -n "$ns" get svc tools -o jsonpath='{.spec.clusterIP}')
  url="http://$ip:8080/mcp"
  tools=$(pool_clients tools "$url") || fail "tools/list through the pool"
  for m in everything_echo everything-http_echo docs_echo memory_read_graph memory_search_nodes; do
    grep -qx "$m" <<<"$tools" || fail "tools/list lacks $m: $(tr '\n' ' ' <<<"$tools")"
  done
  for m in memory_open_nodes memory_create_entities; do
    ! grep -qx "$m" <<<"$tools" || fail "tools/list has $m, which include/exclude leave out"
  done
  [[ $(kubectl -n "$ns" get mcpp tools -o jsonpath='{.status.toolCount}') == $(wc -l <<<"$tools") ]] || fail "status.toolCount differs from tools/list"
  for m in everything everything-http docs; do
    [[ $(pool_clients call "$url" "${m}_echo" "{\"message\":\"to $m\"}") == "Echo: to $m" ]] || fail "${m}_echo through the pool"
  done
  pool_clients call "$url" memory_read_graph '{}' | grep -q entities || fail "memory_read_graph through the pool"
  note "TypeScript SDK: $(wc -l <<<"$tools") tools; a call to each of the four members answered"
  "$(peers_dir)/venv/bin/python" "$REPO_ROOT/test/e2e/pool/python_client.py" "$url" everything-http_echo >"$work/python.out" ||
    fail "Python client: $(cat "$work/python.out")"
  grep -q 'called everything-http_echo: Echo: from python' "$work/python.out" || fail "Python client: $(cat "$work/python.out")"
  note "Python SDK: listed $(grep -c _ "$work/python.out") tools and called everything-http_echo"
  local status_url; status_url=$(kubectl -n "$ns" get mcpp tools -o jsonpath='{.status.url}')
  [[ $status_url == "http://tools.$ns.svc.cluster.local:8080/mcp" ]] || fail "status.url is $status_url"
  local out
  for m in docs everything everything-http; do
    out=$(run_client "$ns" "pool-client-$m" "$status_url" --sessions 2 --tool "${m}_echo" --message "via status.url") ||
      fail "client pod through status.url, ${m}_echo: $out"
    grep -q '"text":"Echo: via status.url #1"' <<<"$out" || fail "no ${m}_echo through status.url: $out"
  done
  note "a client pod called docs_echo, everything_echo and everything-http_echo through status.url"

  # Two gateway replicas, 20 sessions, one gateway pod deleted: every session's next call answers.
  eventually 60 "two gateway pods Ready" ready_pods_are "$ns" tools 2
  rm -f "$work/go"
  pool_clients_bg hold "$url" 20 "$work/go" --tool everything_echo >"$work/hold.out" 2>"$work/hold.err"
  local holder=$!
  eventually 120 "20 sessions open" grep -q ready "$work/hold.out"
  # The gateway pod holding most of the sessions (a client's keep-alive connection sticks to one).
  local victim="" most=-1 gp gip held
  for gp in $(kubectl -n "$ns" get pods -l app.kubernetes.io/instance=tools -o jsonpath='{.items[*].metadata.name}'); do
    gip=$(kubectl -n "$ns" get pod "$gp" -o jsonpath='{.status.podIP}')
    held=$(curl -s --max-time 5 "http://$gip:8080/metrics" | sed -n 's/^mcp_bridge_active_sessions \([0-9]*\)/\1/p')
    note "gateway pod $gp holds ${held:-?} sessions"
    if ((${held:-0} > most)); then most=${held:-0}; victim=$gp; fi
  done
  ((most >= 10)) || fail "no gateway pod holds most of the 20 sessions (most: $most)"
  kubectl -n "$ns" delete pod "$victim" --wait=true --timeout=60s >/dev/null
  touch "$work/go"
  wait "$holder" || fail "sessions lost after gateway pod $victim was deleted: $(cat "$work/hold.out" "$work/hold.err")"
  note "gateway pod $victim deleted under 20 sessions: $(tail -1 "$work/hold.out")"

  # A member pod killed (the node cordoned, so no replacement starts until the test allows it):
  # a call to it fails at once naming it, the others answer, the pool is Degraded naming it.
  eventually 60 "two gateway pods Ready again" ready_pods_are "$ns" tools 2
  local member_pod node
  member_pod=$(kubectl -n "$ns" get pods -l app.kubernetes.io/instance=everything-http \
    --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}')
  node=$(kubectl -n "$ns" get pod "$member_pod" -o jsonpath='{.spec.nodeName}')
  kubectl cordon "$node" >/dev/null
  trap "kill $remote 2>/dev/null || true; '$TOOLS_BIN/kubectl' uncordon $node >/dev/null 2>&1 || true" EXIT
  kubectl -n "$ns" delete pod "$member_pod" --grace-period=0 --force >/dev/null 2>&1
  local t1=$SECONDS answer ms
  ms=$(date +%s%3N)
  answer=$(pool_clients call "$url" everything-http_echo '{"message":"x"}' 2>&1) && fail "the killed member answered: $answer"
  ms=$(($(date +%s%3N) - ms))
  grep -q 'everything-http' <<<"$answer" || fail "the error does not name the member: $answer"
  note "a call to the killed member failed in $ms ms (a whole client run): $answer"
  [[ $(pool_clients call "$url" everything_echo '{"message":"alive"}') == "Echo: alive" ]] || fail "everything_echo while everything-http is down"
  [[ $(pool_clients call "$url" docs_echo '{"message":"alive"}') == "Echo: alive" ]] || fail "docs_echo while everything-http is down"
  eventually 60 "Degraded names everything-http" pool_degraded_naming "$ns" tools everything-http
  note "member pod killed: Degraded named it after $((SECONDS - t1))s; the other members answered"
  kubectl uncordon "$node" >/dev/null
  trap "kill $remote 2>/dev/null || true" EXIT
  eventually 180 "the pool Running again" pool_phase_is "$ns" tools Running
  [[ $(pool_clients call "$url" everything-http_echo '{"message":"back"}') == "Echo: back" ]] || fail "everything-http_echo after recovery"
  note "recovered: Running $((SECONDS - t1))s after the kill"

  # A member scaled to 3: sessions spread over its pods, each staying on its pod (a session's
  # calls to a pod it was not opened on would be refused by that pod's bridge).
  kubectl -n "$ns" scale mcps everything --replicas=3 >/dev/null
  eventually 180 "everything has 3 Ready pods" ready_pods_are "$ns" everything 3
  # What the gateways route by: the Service's EndpointSlices, 3 ready addresses.
  eventually 60 "everything's EndpointSlices list 3 ready pods" slice_ready_addresses_are "$ns" everything 3
  sleep 1  # the gateways take a change 100 ms after it reaches their watch
  local pips pip before=() sessions busy=0 i=0
  pips=$(kubectl -n "$ns" get pods -l app.kubernetes.io/instance=everything -o jsonpath='{.items[*].status.podIP}')
  bridge_sessions() { curl -s --max-time 5 "http://$1:3000/metrics" | sed -n 's/^mcp_bridge_active_sessions \([0-9]*\)/\1/p'; }
  for pip in $pips; do before+=("$(bridge_sessions "$pip")"); done
  pool_clients_bg spread "$url" 9 everything_echo >"$work/spread.out" 2>"$work/spread.err"
  local spreader=$!
  eventually 120 "9 sessions opened with 3 calls each" grep -q ready "$work/spread.out"
  for pip in $pips; do
    sessions=$(bridge_sessions "$pip")
    note "pod $pip: ${before[$i]:-?} -> ${sessions:-?} sessions"
    ((${sessions:-0} - ${before[$i]:-0} >= 2)) && busy=$((busy + 1))
    i=$((i + 1))
  done
  kill "$spreader" 2>/dev/null || true
  ((busy == 3)) || fail "sessions did not spread over the 3 pods"

  # Priority: names unprefixed, the first member keeps a shared name, status.conflicts says so.
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: mcp.v2dy.io/v1
kind: MCPPool
metadata:
  name: prio
spec:
  members: [{name: everything}, {name: everything-http}]
  conflictResolution: priority
  replicas: 1
YAML
  eventually 180 "MCPPool prio Running" pool_phase_is "$ns" prio Running
  ip=$(kubectl -n "$ns" get svc prio -o jsonpath='{.spec.clusterIP}')
  # Running as soon as its pod is Ready; kube-proxy routes the Service a moment later.
  eventually 30 "the prio Service routes" pool_clients tools "http://$ip:8080/mcp"
  tools=$(pool_clients tools "http://$ip:8080/mcp") || fail "tools/list through prio"
  grep -qx echo <<<"$tools" || fail "prio: no unprefixed echo: $(tr '\n' ' ' <<<"$tools")"
  [[ $(grep -cx echo <<<"$tools") == 1 ]] || fail "prio: echo listed twice"
  eventually 30 "status.conflicts names echo" bash -c "[[ \$('$TOOLS_BIN/kubectl' -n $ns get mcpp prio -o jsonpath='{.status.conflicts[?(@.name==\"echo\")].kept}') == everything ]]"
  [[ $(kubectl -n "$ns" get mcpp prio -o jsonpath='{.status.conflicts[?(@.name=="echo")].dropped[0]}') == everything-http ]] ||
    fail "prio: conflicts: $(kubectl -n "$ns" get mcpp prio -o jsonpath='{.status.conflicts}')"
  note "priority: one echo (everything's), conflicts: $(kubectl -n "$ns" get mcpp prio -o jsonpath='{.status.conflicts[0]}')"

  kill "$remote" 2>/dev/null || true
  trap - EXIT
  kubectl delete namespace "$ns" --wait=false >/dev/null
}

# forking_mcpserver <namespace> <launcher>: a stdio MCPServer whose command is a launcher that
# forks (test/e2e/forking/<launcher>.mjs, from the ConfigMap forking) around the small server
# test/e2e/forking/server.mjs, in the server-everything image's node; two warm children.
forking_mcpserver() {
  kubectl -n "$1" apply -f - >/dev/null <<YAML
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata:
  name: forking-$2
spec:
  image: "$SERVER_EVERYTHING_IMAGE"
  imagePullPolicy: IfNotPresent
  protocol: stdio
  command: ["/usr/local/bin/node"]
  args: ["/forking/$2.mjs", "/usr/local/bin/node", "/forking/server.mjs"]
  port: 3000
  resources:
    requests: {cpu: 10m, memory: 32Mi}
    limits: {memory: 512Mi}
  bridge:
    sessionMode: per-session
    warmPoolSize: 2
    maxSessions: 8
  volumes:
  - name: forking
    configMap: {name: forking}
  volumeMounts:
  - {name: forking, mountPath: /forking, readOnly: true}
YAML
}

# PID 1 duties on a real pod: 1,000 sessions opened and ended (initialize, a tools/call, DELETE)
# against a server started through a launcher that waits for its child, and 1,000 through one
# that daemonizes it (the orphaned server is reparented to the bridge, the container's PID 1):
# 0 zombies and the same process count as before, staying so (test/e2e/forking/churn.mjs,
# from the host against the pod IP, with the bridge's process tree read from the host).
# E2E_FORKING_SESSIONS (default 1000) sets the count.
cmd_forking_launchers() {
  load_env
  local ns=e2e-forking launcher
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl label namespace "$ns" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
  kubectl -n "$ns" create configmap forking --from-file="$REPO_ROOT/test/e2e/forking" --dry-run=client -o yaml |
    kubectl -n "$ns" apply -f - >/dev/null
  for launcher in waits daemonizes; do forking_mcpserver "$ns" "$launcher"; done
  for launcher in waits daemonizes; do
    eventually 180 "forking-$launcher Running + Verified" mcps_verified "$ns" "forking-$launcher"
  done
  local pod ip pid reaped
  for launcher in waits daemonizes; do
    pod=$(kubectl -n "$ns" get pods -l "app.kubernetes.io/instance=forking-$launcher" --field-selector=status.phase=Running \
      -o jsonpath='{.items[0].metadata.name}')
    ip=$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.status.podIP}')
    pid=$(host_pid "$ns" "$pod" mcp-server) || fail "no mcp-server container in $pod"
    [[ $(tr '\0' ' ' < "/proc/$pid/cmdline") == /opt/mcp-bridge/mcp-bridge* ]] || fail "PID $pid of $pod is not the bridge"
    [[ $(awk '/^NSpid:/ {print $NF}' "/proc/$pid/status") == 1 ]] || fail "the bridge is not PID 1 of its container"
    note "forking-$launcher: pod $pod ($ip), the bridge is host PID $pid, PID 1 in the pod"
    node "$REPO_ROOT/test/e2e/forking/churn.mjs" --name "forking-$launcher" --url "http://$ip:3000/mcp" --pid "$pid" \
      --baseline 4 --sessions "${E2E_FORKING_SESSIONS:-1000}" --workers 3 --budget-ms 400000 ||
      fail "forking-$launcher: session churn"
    reaped=$(curl -sf "http://$ip:3000/metrics" | awk '/^mcp_bridge_orphans_reaped_total/ {print $2}')
    note "forking-$launcher: mcp_bridge_orphans_reaped_total ${reaped:-missing}"
    if [[ $launcher == daemonizes ]]; then
      ((${reaped%.*} >= ${E2E_FORKING_SESSIONS:-1000})) || fail "the bridge reaped ${reaped:-no} orphans, fewer than the sessions"
    fi
    [[ $(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.status.containerStatuses[0].restartCount}') == 0 ]] ||
      fail "$pod restarted"
  done
  kubectl delete namespace "$ns" --wait=false >/dev/null
}

case "${1:-}" in
  setup) cmd_setup ;;
  teardown) cmd_teardown ;;
  network_local | samples_verified | stdio_sessions | scale | kill_server | operator_restart | hostile_tenants | http_bridged | forking_launchers | pool) "cmd_$1" ;;
  *) echo "usage: $0 setup|teardown|network_local|samples_verified|stdio_sessions|scale|kill_server|operator_restart|hostile_tenants|http_bridged|forking_launchers|pool" >&2; exit 2 ;;
esac
