#!/usr/bin/env bash
# A local Kubernetes cluster with one REAL node, for end-to-end tests and `make demo`:
# the control plane of hack/cluster.sh (etcd, apiserver, controller-manager, scheduler; no
# kwok) plus containerd 2 (CRI, cgroupfs), runc, CNI (bridge + host-local + loopback +
# portmap), kubelet, kube-proxy (iptables) and CoreDNS as a pod. Every image is built here
# (hack/e2e-images.sh) and imported into containerd: nothing is pulled.
#
#   hack/e2e-cluster.sh up       start (idempotent: a healthy cluster is left as it is)
#   hack/e2e-cluster.sh down     stop everything; remove containers, mounts, network
#                                namespaces, iptables rules, routes, interfaces and cgroups
#   hack/e2e-cluster.sh deploy   install the operator from dist/install.yaml (local image tags,
#                                imagePullPolicy IfNotPresent) and wait until it is Ready
#   hack/e2e-cluster.sh env      print `export KUBECONFIG=<path>`
#   hack/e2e-cluster.sh status   say whether it runs, and where
#
# Needs root. Addresses (none of them leaves the machine):
#   10.98.255.1/32  E2E_HOST_IP on mcpe2e-host, a bridge with no ports (the kernel has no dummy): the node's InternalIP and
#                   the apiserver's only listening address (pods reach it through the bridge)
#   10.245.0.0/24   pods, on the bridge mcpe2e0; the rest of 10.245.0.0/16 is a blackhole
#   10.97.0.0/16    Services, routed to mcpe2e-host (kube-proxy DNATs what has endpoints);
#                   10.97.0.10 is cluster DNS
# Pods cannot send anything out of the bridge except to the host itself and to other pods
# (a FORWARD drop rule), and CoreDNS answers only for cluster.local: it forwards nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

export CLUSTER_DIR="${E2E_CLUSTER_DIR:-$MCP_CACHE/e2e-cluster}"
export NODES=0 REAL_NODE="mcp-e2e-node" BLACKHOLE_ROUTES=0
export E2E_HOST_IP=10.98.255.1
export API_HOST=$E2E_HOST_IP ADVERTISE_ADDRESS=$E2E_HOST_IP
export POD_CIDR=10.245.0.0/16 SERVICE_CIDR=10.97.0.0/16
NODE_POD_SUBNET=10.245.0.0/24
CLUSTER_DNS=10.97.0.10
HOST_IF=mcpe2e-host
BRIDGE_IF=mcpe2e0
NODE="$CLUSTER_DIR/node"
RUN="$CLUSTER_DIR/run"                          # hack/cluster.sh: kubeconfigs, control plane
NODE_RUN="$CLUSTER_DIR/node-run"                # this script: pids, sysctls to restore
LOGS="$CLUSTER_DIR/logs"
PKI="$CLUSTER_DIR/pki"
KUBECONFIG_PATH="$CLUSTER_DIR/kubeconfig"
STATE=/run/mcp-e2e                              # containerd state, sockets, network namespaces
CONTAINERD_ROOT="$MCP_CACHE/e2e-containerd"     # content and snapshots: kept, so images stay
CONTAINERD_SOCK="$STATE/containerd.sock"
CNI_BIN=/usr/lib/cni
IPT_COMMENT="mcp-e2e"
NODE_COMPONENTS=(containerd kubelet kube-proxy)

kubectl_() { "$TOOLS_BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }
crictl_() { "$TOOLS_BIN/crictl" --runtime-endpoint "unix://$CONTAINERD_SOCK" --image-endpoint "unix://$CONTAINERD_SOCK" "$@"; }
pid_alive() { [[ -f "$NODE_RUN/$1.pid" ]] && kill -0 "$(cat "$NODE_RUN/$1.pid")" 2>/dev/null; }
start() {  # start <name> <binary> args...
  local name=$1; shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$NODE_RUN/$name.pid"
}
wait_for() {  # wait_for <what> <seconds> <command...>
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${secs}s waiting for $what; logs are in $LOGS"
      return 1
    fi
    for c in "${NODE_COMPONENTS[@]}"; do
      if [[ -f "$NODE_RUN/$c.pid" ]] && ! pid_alive "$c"; then
        log "$c exited while waiting for $what; last lines of $LOGS/$c.log:"
        tail -n 30 "$LOGS/$c.log" >&2 || true
        return 1
      fi
    done
    sleep 0.3
  done
}

check_prerequisites() {
  [[ $(id -u) -eq 0 ]] || die "the real-node cluster needs root (containerd, kubelet, iptables, routes)"
  local missing=()
  for b in kubelet kube-proxy kubectl containerd containerd-shim-runc-v2 ctr runc crictl coredns; do
    [[ -x "$TOOLS_BIN/$b" ]] || missing+=("$b")
  done
  [[ ${#missing[@]} -eq 0 ]] || die "missing in $TOOLS_BIN: ${missing[*]} (run 'make tools')"
  for b in bridge host-local loopback portmap; do
    [[ -x "$CNI_BIN/$b" ]] || die "CNI plugin $CNI_BIN/$b is missing (run 'make deps')"
  done
  for b in iptables ip buildah; do
    command -v "$b" >/dev/null || die "$b is missing (run 'make deps')"
  done
}

# ---------------------------------------------------------------- network

sysctl_set() {  # sysctl_set <key> <value>: remembers the old value for `down`
  local key=$1 value=$2 path="/proc/sys/${1//.//}" old
  old=$(cat "$path")
  [[ $old == "$value" ]] && return 0
  echo "$key=$old" >> "$NODE_RUN/sysctls"
  echo "$value" > "$path"
}

ipt_rules() {  # the FORWARD rules this cluster adds, one per line (iptables arguments)
  echo "-i $BRIDGE_IF -o $BRIDGE_IF -j ACCEPT -m comment --comment $IPT_COMMENT"
  echo "-i $BRIDGE_IF -j DROP -m comment --comment $IPT_COMMENT"
}

network_up() {
  : > "$NODE_RUN/sysctls"
  # Remember whether some other Kubernetes node on this machine already has iptables chains:
  # only when none had do we remove the kubelet's chains at `down` (kube-proxy cleans its own).
  if iptables-save 2>/dev/null | grep -q '^:KUBE-' || ip6tables-save 2>/dev/null | grep -q '^:KUBE-'; then
    touch "$NODE_RUN/foreign-kube-chains"
  fi
  # Service traffic between pods on one bridge must cross iptables (kube-proxy's DNAT).
  sysctl_set net.bridge.bridge-nf-call-iptables 1
  sysctl_set net.ipv4.ip_forward 1
  ip link show "$HOST_IF" >/dev/null 2>&1 || ip link add "$HOST_IF" type bridge
  ip addr replace "$E2E_HOST_IP/32" dev "$HOST_IF"
  ip link set "$HOST_IF" up
  ip route replace "$SERVICE_CIDR" dev "$HOST_IF"
  ip route replace blackhole "$POD_CIDR"
  while read -r rule; do
    # shellcheck disable=SC2086
    iptables -C FORWARD $rule 2>/dev/null || iptables -I FORWARD $rule
  done < <(ipt_rules | tac)
}

remove_kubelet_chains() {  # the kubelet's own: KUBE-FIREWALL, KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT
  [[ -f "$NODE_RUN/foreign-kube-chains" ]] && return 0
  local ipt t
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    while $ipt -t filter -D INPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    while $ipt -t filter -D OUTPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    $ipt -t filter -F KUBE-FIREWALL 2>/dev/null && $ipt -t filter -X KUBE-FIREWALL 2>/dev/null
    for t in mangle nat filter; do
      $ipt -t "$t" -F KUBE-KUBELET-CANARY 2>/dev/null && $ipt -t "$t" -X KUBE-KUBELET-CANARY 2>/dev/null
    done
    $ipt -t mangle -F KUBE-IPTABLES-HINT 2>/dev/null && $ipt -t mangle -X KUBE-IPTABLES-HINT 2>/dev/null
  done
  return 0
}

network_down() {
  remove_kubelet_chains
  while read -r rule; do
    # shellcheck disable=SC2086
    while iptables -D FORWARD $rule 2>/dev/null; do :; done
  done < <(ipt_rules)
  ip route del "$SERVICE_CIDR" dev "$HOST_IF" 2>/dev/null || true
  ip route del blackhole "$POD_CIDR" 2>/dev/null || true
  ip link del "$HOST_IF" 2>/dev/null || true
  ip link del "$BRIDGE_IF" 2>/dev/null || true
  if [[ -f "$NODE_RUN/sysctls" ]]; then
    while IFS='=' read -r key value; do
      echo "$value" > "/proc/sys/${key//.//}"
    done < <(tac "$NODE_RUN/sysctls")
  fi
}

write_cni_config() {
  mkdir -p "$NODE/cni/net.d" "$NODE/cni/ipam"
  cat > "$NODE/cni/net.d/10-mcp-e2e.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "mcp-e2e",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE_IF",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$NODE/cni/ipam",
        "ranges": [[{"subnet": "$NODE_POD_SUBNET"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
}

# ---------------------------------------------------------------- containerd

write_containerd_config() {
  mkdir -p "$NODE" "$CONTAINERD_ROOT" "$STATE"
  cat > "$NODE/containerd.toml" <<EOF
version = 3
root = "$CONTAINERD_ROOT"
state = "$STATE/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.erofs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$STATE/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$PAUSE_IMAGE"

[plugins.'io.containerd.cri.v1.runtime']
  netns_mounts_under_state_dir = true
  # This VM withholds CAP_SYS_RESOURCE even from root, so no process may lower its OOM score:
  # clamp what the kubelet asks for (e.g. -998 for the pause container) to containerd's own.
  restrict_oom_score_adj = true
  enable_unprivileged_ports = false
  enable_unprivileged_icmp = false
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$TOOLS_BIN/runc"
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["$CNI_BIN"]
    conf_dir = "$NODE/cni/net.d"

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
EOF
}

containerd_up() {
  write_containerd_config
  log "starting containerd $CONTAINERD_VERSION ($CONTAINERD_SOCK)"
  start containerd env PATH="$TOOLS_BIN:$PATH" "$TOOLS_BIN/containerd" --config "$NODE/containerd.toml"
  wait_for containerd 30 "$TOOLS_BIN/ctr" --address "$CONTAINERD_SOCK" version
}

# ---------------------------------------------------------------- kubelet, kube-proxy

kubelet_up() {
  mkdir -p "$NODE/kubelet" "$NODE/pod-logs"
  read -r KUBELET_PORT KUBELET_HEALTHZ_PORT < <(free_ports 2)
  cat > "$NODE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This VM mounts cgroup v1; the pinned kubelet refuses it unless told otherwise.
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
address: $E2E_HOST_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
clusterDNS: [$CLUSTER_DNS]
resolvConf: ""
podLogsDir: $NODE/pod-logs
failSwapOn: false
maxPods: 110
registerNode: true
serializeImagePulls: false
imageGCHighThresholdPercent: 100
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
protectKernelDefaults: false
makeIPTablesUtilChains: false
EOF
  log "starting kubelet (node $REAL_NODE, $E2E_HOST_IP:$KUBELET_PORT)"
  start kubelet "$TOOLS_BIN/kubelet" --config="$NODE/kubelet.yaml" \
    --kubeconfig="$RUN/kubelet.kubeconfig" --root-dir="$NODE/kubelet" --cert-dir="$NODE/kubelet/pki" \
    --hostname-override="$REAL_NODE" --node-ip="$E2E_HOST_IP" \
    --node-labels="mcp.v2dy.io/e2e-node=true"
  wait_for "node $REAL_NODE Ready" 120 node_ready
}

node_ready() {
  [[ $(kubectl_ get node "$REAL_NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]
}

kube_proxy_up() {
  read -r KP_HEALTHZ_PORT KP_METRICS_PORT < <(free_ports 2)
  cat > "$NODE/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $RUN/kube-proxy.kubeconfig}
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $REAL_NODE
bindAddress: $E2E_HOST_IP
healthzBindAddress: 127.0.0.1:$KP_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$KP_METRICS_PORT
nodePortAddresses: ["$E2E_HOST_IP/32"]
iptables: {localhostNodePorts: false}
# Leave the machine's conntrack settings alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  log "starting kube-proxy (iptables)"
  start kube-proxy "$TOOLS_BIN/kube-proxy" --config="$NODE/kube-proxy.yaml"
  wait_for kube-proxy 60 curl -fsS --max-time 2 "http://127.0.0.1:$KP_HEALTHZ_PORT/healthz"
}

# ---------------------------------------------------------------- cluster DNS

dns_up() {
  log "starting CoreDNS $COREDNS_VERSION at $CLUSTER_DNS"
  sed -e "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|g" -e "s|@CLUSTER_DNS@|$CLUSTER_DNS|g" \
    "$REPO_ROOT/hack/e2e/coredns.yaml" | kubectl_ apply -f - >/dev/null
  wait_for "CoreDNS Ready" 120 kubectl_ -n kube-system rollout status deployment/coredns --timeout=2s
}

# ---------------------------------------------------------------- teardown

stop_pid() {  # stop_pid <name>: TERM, 10 s, KILL; waits until gone
  pid_alive "$1" || return 0
  local pid; pid=$(cat "$NODE_RUN/$1.pid")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$NODE_RUN/$1.pid"
}

# Mount points under our directories, deepest first.
our_mounts() {
  awk '{print $5}' /proc/self/mountinfo | grep -E "^($NODE|$STATE|$CONTAINERD_ROOT)(/|$)" | sort -r || true
}

remove_cgroups() {  # the kubepods hierarchy the kubelet made in every v1 controller (and v2)
  local d
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/unified/kubepods; do
    [[ -d $d ]] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

cmd_down() {
  # Pods first, while containerd runs: stop the kubelet so it does not restart them, then
  # remove every sandbox (CNI tears the network down, runc the containers and cgroups).
  stop_pid kubelet
  if pid_alive containerd; then
    crictl_ rmp --all --force >/dev/null 2>&1 || true
    "$TOOLS_BIN/ctr" --address "$CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null | while read -r t; do
      "$TOOLS_BIN/ctr" --address "$CONTAINERD_SOCK" -n k8s.io tasks kill -s KILL "$t" 2>/dev/null || true
    done
  fi
  stop_pid containerd
  # Any shim that outlived containerd (they are in their own session).
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" 2>/dev/null || true
  stop_pid kube-proxy
  if [[ -x "$TOOLS_BIN/kube-proxy" ]]; then
    "$TOOLS_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  fi
  local m
  while read -r m; do [[ -n $m ]] && umount -l "$m" 2>/dev/null || true; done < <(our_mounts)
  remove_cgroups
  network_down
  "$REPO_ROOT/hack/cluster.sh" down
  rm -rf "$STATE" "$NODE" "$NODE_RUN"
  log "real-node cluster down (logs kept in $LOGS)"
}

# ---------------------------------------------------------------- up

healthy() {
  for c in "${NODE_COMPONENTS[@]}"; do pid_alive "$c" || return 1; done
  "$REPO_ROOT/hack/cluster.sh" status >/dev/null 2>&1 || return 1
  node_ready
}

check_owner() {  # one real-node cluster per machine: it owns $STATE, the interfaces, iptables
  if [[ -f "$STATE/owner" && "$(cat "$STATE/owner")" != "$CLUSTER_DIR" ]]; then
    die "another real-node cluster ($(cat "$STATE/owner")) holds $STATE and the mcpe2e interfaces: stop it first (E2E_CLUSTER_DIR=$(cat "$STATE/owner") $0 down)"
  fi
}

cmd_up() {
  check_prerequisites
  check_owner
  if healthy; then
    log "real-node cluster already up"
    print_usage
    return 0
  fi
  if [[ -d "$RUN" || -d "$NODE_RUN" || -d "$STATE" ]]; then
    log "found a partial real-node cluster in $CLUSTER_DIR; cleaning it up first"
    cmd_down
  fi
  local t0=$SECONDS
  eval "$("$REPO_ROOT/hack/e2e-images.sh" list)"
  "$REPO_ROOT/hack/e2e-images.sh" build
  local t_images=$((SECONDS - t0))
  mkdir -p "$NODE_RUN" "$LOGS" "$NODE"
  mkdir -p "$STATE" && echo "$CLUSTER_DIR" > "$STATE/owner"
  network_up
  "$REPO_ROOT/hack/cluster.sh" up >/dev/null
  write_cni_config
  containerd_up
  "$REPO_ROOT/hack/e2e-images.sh" import "$CONTAINERD_SOCK"
  kubelet_up
  kube_proxy_up
  dns_up
  log "real-node cluster up in $((SECONDS - t0))s (images ${t_images}s)"
  print_usage
}

print_usage() {
  cat <<EOF
Real-node cluster is up: Kubernetes $K8S_VERSION, node $REAL_NODE (containerd $CONTAINERD_VERSION,
runc $("$TOOLS_BIN/runc" --version | awk 'NR==1{print $3}'), CNI bridge $NODE_POD_SUBNET, kube-proxy iptables, CoreDNS $COREDNS_VERSION)
  kubeconfig: $KUBECONFIG_PATH
  logs:       $LOGS
  use it:     export KUBECONFIG=$KUBECONFIG_PATH   (or: eval "\$(make -s e2e-cluster-env)")
  crictl:     $TOOLS_BIN/crictl --runtime-endpoint unix://$CONTAINERD_SOCK ps
  stop it:    make e2e-cluster-down
EOF
}

# dist/install.yaml as released, with the images pointed at the local tags hack/e2e-images.sh
# imported (the manifest already says imagePullPolicy: IfNotPresent).
cmd_deploy() {
  eval "$("$REPO_ROOT/hack/e2e-images.sh" list)"
  local version; version=$(cat "$REPO_ROOT/VERSION")
  grep -q "image: mcp-operator:$version" "$REPO_ROOT/dist/install.yaml" ||
    die "dist/install.yaml does not use mcp-operator:$version (run 'make build-installer')"
  log "installing the operator from dist/install.yaml ($OPERATOR_IMAGE, bridge $BRIDGE_IMAGE, gateway $GATEWAY_IMAGE)"
  sed -e "s|image: mcp-operator:$version|image: $OPERATOR_IMAGE|" \
      -e "s|--bridge-image=mcp-bridge:$version|--bridge-image=$BRIDGE_IMAGE|" \
      -e "s|--gateway-image=mcp-gateway:$version|--gateway-image=$GATEWAY_IMAGE|" "$REPO_ROOT/dist/install.yaml" |
    kubectl_ apply --server-side --force-conflicts -f - >/dev/null
  kubectl_ -n mcp-operator-system rollout status deployment/mcp-operator-controller-manager --timeout=120s >/dev/null ||
    { kubectl_ -n mcp-operator-system describe pods >&2; die "the operator did not become Ready"; }
  log "operator Ready: $(kubectl_ -n mcp-operator-system get pods -o name | head -1)"
}

cmd_env() {
  [[ -f "$KUBECONFIG_PATH" ]] || die "no real-node cluster in $CLUSTER_DIR (run 'make e2e-cluster-up')"
  echo "export KUBECONFIG=$KUBECONFIG_PATH"
  echo "export CONTAINER_RUNTIME_ENDPOINT=unix://$CONTAINERD_SOCK"
}

cmd_status() {
  if healthy; then
    print_usage
  else
    echo "no healthy real-node cluster in $CLUSTER_DIR"
    return 1
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) [[ $(id -u) -eq 0 ]] || die "needs root"; check_owner; cmd_down ;;
  deploy) cmd_deploy ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|deploy|env|status" >&2; exit 2 ;;
esac
