#!/usr/bin/env bash
# Shared settings for the project's scripts: where cached tools and cluster state live.
# Sourced, never executed. Everything heavy is kept outside the clone, keyed by version,
# so a fresh clone on the same machine reuses it.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_VERSION="v1.37.2"
ETCD_VERSION="v3.6.16"
KWOK_VERSION="v0.8.0"
HELM_VERSION="v3.22.0"
KUSTOMIZE_VERSION="v5.8.2"
CONTAINERD_VERSION="v2.4.2"
CRICTL_VERSION="v1.37.0"
RUNC_VERSION="v1.5.2"
COREDNS_VERSION="v1.15.0"
HYDRA_VERSION="v2.3.0"
MCP_CACHE="${MCP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-operator}"
TOOLS_BIN="${TOOLS_BIN:-$MCP_CACHE/k8s-$K8S_VERSION/bin}"
# The oldest Kubernetes release the operator supports (README: "Supported Kubernetes versions"):
# its kube-apiserver, kube-controller-manager, kube-scheduler and kubectl, built from
# tools/kubernetes-oldest, run the integration tests' second cluster (etcd and kwok from TOOLS_BIN).
K8S_OLDEST_VERSION="v1.28.15"
K8S_OLDEST_BIN="${K8S_OLDEST_BIN:-$MCP_CACHE/k8s-$K8S_OLDEST_VERSION/bin}"
# Cluster state (pki, kubeconfig, etcd data, logs) for `make cluster-up`.
CLUSTER_DIR="${CLUSTER_DIR:-$MCP_CACHE/cluster}"

# Where `hack/deps.sh peers` installs the MCP test peers (test/peers), keyed by the hash of
# the lockfiles so a changed pin gets a fresh directory. The mcp test tier finds them here too.
peers_dir() {
  local dir="$REPO_ROOT/test/peers"
  local key; key=$(cat "$dir/package-lock.json" "$dir/requirements.txt" 2>/dev/null | sha256sum | cut -c1-16)
  echo "$MCP_CACHE/peers-$key"
}

# pki_cert <pki dir> <name> <subject> <extensions>: a P-256 key and a certificate signed by the
# CA in <pki dir>/ca.{crt,key}, written to <pki dir>/<name>.{key,crt}.
pki_cert() {
  local pki=$1 name=$2 subj=$3 ext=$4
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" > "$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
  chmod 600 "$pki/$name.key"
}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# free_ports <n>: n distinct free TCP ports on 127.0.0.1, on one line,
# space-separated. Picked below the kernel's ephemeral range (ip_local_port_range), so no
# outgoing connection of a starting component can take one between the pick and its bind
# (bind(0) picks from that range, and that race made a scheduler fail with "address already
# in use"). Falls back to bind(0) when the range leaves no room below it.
free_ports() {
  python3 - "$1" <<'PY'
import random, socket, sys
n = int(sys.argv[1])
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except OSError:
    lo = 32768
picked = []
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(2000):
    if len(picked) == n:
        break
    if lo > 11000:
        p = random.randint(10000, lo - 1)
    else:
        s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if p not in picked and free(p):
        picked.append(p)
if len(picked) < n:
    sys.exit("no free ports")
print(" ".join(map(str, picked)))
PY
}
