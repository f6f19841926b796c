#!/usr/bin/env bash
# A complete local Kubernetes control plane on loopback, for integration tests and demos:
# etcd, kube-apiserver (TLS, RBAC, service-account tokens), kube-controller-manager,
# kube-scheduler and kwok simulating NODES nodes, so Deployments get Running/Ready pods.
#
#   hack/cluster.sh up       start (idempotent: a healthy cluster is left as it is)
#   hack/cluster.sh down     stop every process, free every port, remove all state but logs
#   hack/cluster.sh env      print `export KUBECONFIG=<path>` and nothing else on stdout
#   hack/cluster.sh status   say whether it runs, and where
#   hack/cluster.sh restart-apiserver
#                            kill -9 the kube-apiserver of a running cluster and start it again
#                            with the same flags, port and certificates (the soak test's fault)
#
# Settings (environment): CLUSTER_DIR (state; default ~/.cache/mcp-operator/cluster),
# NODES (3; 0 runs no kwok: the real-node cluster adds its own node), NODE_PODS (110 pods per
# node), TOOLS_BIN (binaries from hack/build-tools.sh), KUBE_BIN (where kube-apiserver,
# kube-controller-manager, kube-scheduler and kubectl come from; default TOOLS_BIN: the
# integration tests' second cluster sets K8S_OLDEST_BIN), POD_CIDR and SERVICE_CIDR (10.244.0.0/16,
# 10.96.0.0/16), API_HOST (127.0.0.1: the one address the apiserver listens on),
# BLACKHOLE_ROUTES (1: route both ranges to a blackhole while the cluster runs), REAL_NODE (a
# node name: also make certificates and kubeconfigs for its kubelet and kube-proxy).
# Everything listens on API_HOST (loopback by default) only, on ports picked free at start.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NODES="${NODES:-3}"
NODE_PODS="${NODE_PODS:-110}"
PKI="$CLUSTER_DIR/pki"
LOGS="$CLUSTER_DIR/logs"
RUN="$CLUSTER_DIR/run"
KUBECONFIG_PATH="$CLUSTER_DIR/kubeconfig"
API_HOST="${API_HOST:-127.0.0.1}"
POD_CIDR="${POD_CIDR:-10.244.0.0/16}"
SERVICE_CIDR="${SERVICE_CIDR:-10.96.0.0/16}"
BLACKHOLE_ROUTES="${BLACKHOLE_ROUTES:-1}"
KUBE_BIN="${KUBE_BIN:-$TOOLS_BIN}"
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler)
((NODES == 0)) || COMPONENTS+=(kwok)

# first_service_ip 10.96.0.0/16 -> 10.96.0.1 (the `kubernetes` Service's address)
first_service_ip() { python3 -c 'import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1])[1])' "$1"; }
# node_ip 10.244.0.0/16 -> 10.244.255.254: the kwok nodes' address, inside the blackholed pod range
node_ip() { python3 -c 'import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1])[-2])' "$1"; }

kubectl_() { "$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

pid_alive() { [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

port_in_use() { python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
EOF
}

check_binaries() {
  local missing=()
  for b in etcd kwok; do
    [[ -x "$TOOLS_BIN/$b" ]] || missing+=("$TOOLS_BIN/$b")
  done
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    [[ -x "$KUBE_BIN/$b" ]] || missing+=("$KUBE_BIN/$b")
  done
  [[ ${#missing[@]} -eq 0 ]] || die "missing: ${missing[*]} (run 'make tools' to build them)"
  [[ -f "$TOOLS_BIN/../kwok-stages.yaml" ]] || die "missing $TOOLS_BIN/../kwok-stages.yaml (run 'make tools')"
  command -v openssl >/dev/null || die "openssl is not installed (run 'make deps')"
}

# ---------------------------------------------------------------- certificates

gen_cert() { pki_cert "$PKI" "$@"; }

make_pki() {
  mkdir -p "$PKI"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=mcp-operator-test-ca" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$PKI/ca.crt" 2>/dev/null
  local client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  gen_cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$API_HOST,IP:$(first_service_ip "$SERVICE_CIDR"),DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  gen_cert admin "/O=system:masters/CN=kubernetes-admin" "$client"
  gen_cert controller-manager "/CN=system:kube-controller-manager" "$client"
  gen_cert scheduler "/CN=system:kube-scheduler" "$client"
  gen_cert kwok "/O=system:masters/CN=kwok" "$client"
  # For logs, exec and port-forward on real nodes (system:kubelet-api-admin is bound to it).
  gen_cert apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client" "$client"
  if [[ -n ${REAL_NODE:-} ]]; then
    # The real node's kubelet (client and serving) and kube-proxy (hack/e2e-cluster.sh).
    gen_cert kubelet "/O=system:nodes/CN=system:node:$REAL_NODE" "$client"
    gen_cert kubelet-serving "/CN=$REAL_NODE" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$API_HOST,DNS:$REAL_NODE"
    gen_cert kube-proxy "/CN=system:kube-proxy" "$client"
  fi
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key" 2>/dev/null
  openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 600 "$PKI"/*.key
}

write_kubeconfig() {  # write_kubeconfig <file> <cert name> <user>
  local file=$1 cert=$2 user=$3
  cat > "$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mcp-local
  cluster:
    server: https://$API_HOST:$API_PORT
    certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 < "$PKI/$cert.crt")
    client-key-data: $(base64 -w0 < "$PKI/$cert.key")
contexts:
- name: $user@mcp-local
  context: {cluster: mcp-local, user: $user}
current-context: $user@mcp-local
EOF
  chmod 600 "$file"
}

# ---------------------------------------------------------------- processes

start() {  # start <name> <binary> args...
  local name=$1; shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
}

wait_for() {  # wait_for <what> <seconds> <command...>
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${secs}s waiting for $what; logs are in $LOGS"
      return 1
    fi
    for c in "${COMPONENTS[@]}"; do
      if [[ -f "$RUN/$c.pid" ]] && ! pid_alive "$c"; then
        log "$c exited while waiting for $what; last lines of $LOGS/$c.log:"
        tail -n 20 "$LOGS/$c.log" >&2 || true
        return 1
      fi
    done
    sleep 0.2
  done
}

https_ok() {  # https_ok <port> <path>: GET with the admin certificate
  curl -fsS --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://$API_HOST:$1$2"
}

healthy() {
  for c in "${COMPONENTS[@]}"; do pid_alive "$c" || return 1; done
  [[ -f "$RUN/ports.env" ]] || return 1
  # shellcheck disable=SC1091
  source "$RUN/ports.env"
  https_ok "$API_PORT" /readyz
}

stop_all() {
  local pids=()
  for c in mcp-operator kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    if pid_alive "$c"; then
      local pid; pid=$(cat "$RUN/$c.pid")
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  local deadline=$((SECONDS + 5))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  done
}

# ---------------------------------------------------------------- routes

# kwok pods and Services get addresses from these ranges, but nothing answers there. So that
# no packet for them can leave the machine (an apiserver proxy request, a verification probe),
# they are routed to a blackhole while the cluster runs. Recorded so `down` removes only ours.
# (The real-node cluster routes both ranges to its own local interfaces instead.)
add_blackholes() {
  : > "$RUN/routes"
  [[ $BLACKHOLE_ROUTES == 1 ]] || return 0
  [[ $(id -u) -eq 0 ]] || { log "not root: cannot add blackhole routes for $POD_CIDR and $SERVICE_CIDR"; return 0; }
  for cidr in "$POD_CIDR" "$SERVICE_CIDR"; do
    if ! ip route show "$cidr" | grep -q .; then
      ip route add blackhole "$cidr" && echo "$cidr" >> "$RUN/routes"
    fi
  done
}

remove_blackholes() {
  [[ -f "$RUN/routes" ]] || return 0
  while read -r cidr; do
    ip route del blackhole "$cidr" 2>/dev/null || true
  done < "$RUN/routes"
}

# ---------------------------------------------------------------- nodes

create_nodes() {
  local manifest=""
  for ((i = 0; i < NODES; i++)); do
    manifest+="---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    node.alpha.kubernetes.io/ttl: \"0\"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: \"\"
    type: kwok
status:
  allocatable: {cpu: \"32\", memory: 256Gi, pods: \"$NODE_PODS\"}
  capacity: {cpu: \"32\", memory: 256Gi, pods: \"$NODE_PODS\"}
"
  done
  printf '%s' "$manifest" | kubectl_ apply -f - >/dev/null
}

nodes_ready() {
  local ready
  ready=$(kubectl_ get nodes -l type=kwok \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$')
  [[ "$ready" -ge "$NODES" ]]
}

# ---------------------------------------------------------------- commands

cmd_up() {
  check_binaries
  if healthy; then
    log "cluster already up (apiserver https://$API_HOST:$API_PORT)"
    print_usage
    return 0
  fi
  if [[ -d "$RUN" ]]; then
    log "found a partial cluster in $CLUSTER_DIR; cleaning it up first"
    cmd_down
  fi
  local t0=$SECONDS
  rm -rf "$LOGS"
  mkdir -p "$RUN" "$LOGS" "$CLUSTER_DIR/etcd"
  read -r ETCD_PORT ETCD_PEER_PORT API_PORT KCM_PORT SCHED_PORT KWOK_PORT < <(free_ports 6)
  for p in "$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT" "$KCM_PORT" "$SCHED_PORT" "$KWOK_PORT"; do
    port_in_use "$p" && die "port $p on 127.0.0.1 is already taken"
  done
  cat > "$RUN/ports.env" <<EOF
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
API_PORT=$API_PORT
KCM_PORT=$KCM_PORT
SCHED_PORT=$SCHED_PORT
KWOK_PORT=$KWOK_PORT
EOF
  add_blackholes
  make_pki
  write_kubeconfig "$KUBECONFIG_PATH" admin kubernetes-admin
  write_kubeconfig "$RUN/controller-manager.kubeconfig" controller-manager system:kube-controller-manager
  write_kubeconfig "$RUN/scheduler.kubeconfig" scheduler system:kube-scheduler
  write_kubeconfig "$RUN/kwok.kubeconfig" kwok kwok
  if [[ -n ${REAL_NODE:-} ]]; then
    write_kubeconfig "$RUN/kubelet.kubeconfig" kubelet "system:node:$REAL_NODE"
    write_kubeconfig "$RUN/kube-proxy.kubeconfig" kube-proxy system:kube-proxy
  fi

  log "starting etcd on 127.0.0.1:$ETCD_PORT"
  start etcd "$TOOLS_BIN/etcd" --name=mcp-local --data-dir="$CLUSTER_DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="mcp-local=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --quota-backend-bytes=8589934592
  wait_for etcd 30 curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

  start_apiserver
  wait_for kube-apiserver 90 https_ok "$API_PORT" /readyz

  log "starting kube-controller-manager and kube-scheduler"
  start kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
    --kubeconfig="$RUN/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$RUN/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$RUN/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$RUN/kcm-certs" \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --leader-elect=false --profiling=false
  start kube-scheduler "$KUBE_BIN/kube-scheduler" \
    --kubeconfig="$RUN/scheduler.kubeconfig" \
    --authentication-kubeconfig="$RUN/scheduler.kubeconfig" \
    --authorization-kubeconfig="$RUN/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --cert-dir="$RUN/scheduler-certs" \
    --leader-elect=false --profiling=false

  ((NODES == 0)) || start_kwok
  wait_for kube-controller-manager 60 curl -fsSk --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"
  wait_for kube-scheduler 60 curl -fsSk --max-time 2 "https://127.0.0.1:$SCHED_PORT/healthz"
  if ((NODES > 0)); then
    create_nodes
    wait_for "$NODES Ready nodes" 60 nodes_ready
  fi
  wait_for "the default ServiceAccount" 60 kubectl_ get serviceaccount default -n default
  # kube-apiserver-kubelet-client may read node logs/exec/port-forward, as on kubeadm clusters.
  kubectl_ create clusterrolebinding kube-apiserver-kubelet-client --clusterrole=system:kubelet-api-admin \
    --user=kube-apiserver-kubelet-client --dry-run=client -o yaml | kubectl_ apply -f - >/dev/null
  log "cluster up in $((SECONDS - t0))s"
  print_usage
}

# start_apiserver: kube-apiserver on API_PORT against etcd on ETCD_PORT (both from ports.env),
# with the certificates in PKI; `up` and `restart-apiserver` start it the same way.
start_apiserver() {
  # The apiserver refuses to publish a loopback address as the `kubernetes` Service's
  # endpoint; with no node to reach it from, no endpoint is needed (the real-node cluster
  # sets ADVERTISE_ADDRESS to an address of its own local interface instead).
  local advertise=(--advertise-address=127.0.0.1 --endpoint-reconciler-type=none)
  if [[ -n "${ADVERTISE_ADDRESS:-}" ]]; then
    advertise=(--advertise-address="$ADVERTISE_ADDRESS")
  fi
  # Opt-in audit log, off by default: AUDIT_POLICY=<policy file> writes $LOGS/audit.log (the
  # benchmark counts each operator's requests with it).
  local audit=()
  if [[ -n "${AUDIT_POLICY:-}" ]]; then
    audit=(--audit-policy-file="$AUDIT_POLICY" --audit-log-path="$LOGS/audit.log" --audit-log-format=json)
  fi
  log "starting kube-apiserver on https://$API_HOST:$API_PORT"
  start kube-apiserver "$KUBE_BIN/kube-apiserver" "${audit[@]}" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address="$API_HOST" --secure-port="$API_PORT" "${advertise[@]}" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --cert-dir="$PKI" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction,ServiceAccount,OwnerReferencesPermissionEnforcement \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --allow-privileged=true --profiling=false
}

start_kwok() {
  log "starting kwok with $NODES simulated nodes"
  "$REPO_ROOT/hack/kwok-stages.py" "$TOOLS_BIN/../kwok-stages.yaml" "$REPO_ROOT/hack/kwok" > "$RUN/kwok-stages.yaml"
  start kwok "$TOOLS_BIN/kwok" --kubeconfig="$RUN/kwok.kubeconfig" \
    --config="$RUN/kwok-stages.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --manage-nodes-with-label-selector= \
    --cidr="$POD_CIDR" --node-ip="$(node_ip "$POD_CIDR")" \
    --node-lease-duration-seconds=40 \
    --server-address="127.0.0.1:$KWOK_PORT"
}

print_usage() {
  cat <<EOF
Local cluster is up: Kubernetes $("$KUBE_BIN/kube-apiserver" --version | awk '{print $2}'), $NODES kwok nodes, apiserver https://$API_HOST:$API_PORT
  kubeconfig: $KUBECONFIG_PATH
  logs:       $LOGS
  use it:     export KUBECONFIG=$KUBECONFIG_PATH   (or: eval "\$(make -s cluster-env)")
  kubectl:    $KUBE_BIN/kubectl (matches the server version)
  stop it:    make cluster-down
EOF
}

cmd_down() {
  stop_all
  remove_blackholes
  # Keep the logs for debugging; remove everything else the cluster wrote.
  rm -rf "$RUN" "$PKI" "$CLUSTER_DIR/etcd" "$KUBECONFIG_PATH"
  log "cluster down (logs kept in $LOGS)"
}

cmd_env() {
  [[ -f "$KUBECONFIG_PATH" ]] || die "no cluster in $CLUSTER_DIR (run 'make cluster-up')"
  echo "export KUBECONFIG=$KUBECONFIG_PATH"
}

cmd_restart_apiserver() {
  check_binaries
  healthy || die "no healthy cluster in $CLUSTER_DIR (run 'make cluster-up')"
  local pid t0=$SECONDS n=1
  pid=$(cat "$RUN/kube-apiserver.pid")
  log "killing kube-apiserver (pid $pid) with SIGKILL"
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  # Keep the old process's log beside the new one.
  while [[ -e "$LOGS/kube-apiserver.log.$n" ]]; do n=$((n + 1)); done
  mv "$LOGS/kube-apiserver.log" "$LOGS/kube-apiserver.log.$n"
  start_apiserver
  wait_for kube-apiserver 90 https_ok "$API_PORT" /readyz
  log "kube-apiserver restarted in $((SECONDS - t0))s"
}

cmd_status() {
  if healthy; then
    print_usage
  else
    echo "no healthy cluster in $CLUSTER_DIR"
    return 1
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  env) cmd_env ;;
  status) cmd_status ;;
  restart-apiserver) cmd_restart_apiserver ;;
  *) echo "usage: $0 up|down|env|status|restart-apiserver" >&2; exit 2 ;;
esac
