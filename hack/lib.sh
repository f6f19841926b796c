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
COREDNS_VERSION="v1.15.0"
MCP_CACHE="${MCP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-operator}"
TOOLS_BIN="${TOOLS_BIN:-$MCP_CACHE/k8s-$K8S_VERSION/bin}"
# Cluster state (pki, kubeconfig, etcd data, logs) for `make cluster-up`.
CLUSTER_DIR="${CLUSTER_DIR:-$MCP_CACHE/cluster}"

# Where `hack/deps.sh peers` installs the MCP test peers (test/peers), keyed by the hash of
# the lockfiles so a changed pin gets a fresh directory. The mcp test tier finds them here too.
peers_dir() {
  local dir="$REPO_ROOT/test/peers"
  local key; key=$(cat "$dir/package-lock.json" "$dir/requirements.txt" 2>/dev/null | sha256sum | cut -c1-16)
  echo "$MCP_CACHE/peers-$key"
}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
