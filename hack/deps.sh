#!/usr/bin/env bash
# Installs what building and testing need, and nothing that is already there:
#   apt     Debian packages (compilers' libraries, container tooling, openssl, curl)
#   tools   the pinned test Kubernetes, etcd, kwok, helm, kustomize (hack/build-tools.sh)
#   peers   real MCP peers from npm and PyPI (test/peers), cached by lockfile hash
# Usage: hack/deps.sh [apt|tools|peers]...   (default: all)
# Only the registries' ordinary clients (apt-get, go, npm, pip) download anything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config clang clang-format clang-tidy libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev zlib1g-dev libyaml-cpp-dev libspdlog-dev libfmt-dev prometheus-cpp-dev libcli11-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  openssl curl ca-certificates python3 python3-venv python3-yaml iproute2 procps psmisc
  buildah containerd runc file binutils
  containernetworking-plugins iptables libseccomp-dev
)

deps_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

deps_tools() {
  command -v go >/dev/null || die "Go is required to build the test Kubernetes (go 1.26 or newer)"
  "$REPO_ROOT/hack/build-tools.sh"
}

deps_peers() {
  local dir="$REPO_ROOT/test/peers"
  [[ -f "$dir/package-lock.json" ]] || return 0
  local dest; dest=$(peers_dir)
  if [[ -f "$dest/.complete" ]]; then
    return 0
  fi
  log "installing MCP test peers into $dest"
  rm -rf "$dest" && mkdir -p "$dest"
  cp "$dir/package.json" "$dir/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error)
  if [[ -f "$dir/requirements.txt" ]]; then
    python3 -m venv "$dest/venv"
    "$dest/venv/bin/pip" install -q --disable-pip-version-check -r "$dir/requirements.txt"
  fi
  touch "$dest/.complete"
}

steps=("$@")
[[ ${#steps[@]} -gt 0 ]] || steps=(apt tools peers)
for s in "${steps[@]}"; do
  case $s in
    apt) deps_apt ;;
    tools) deps_tools ;;
    peers) deps_peers ;;
    *) die "unknown dependency step: $s" ;;
  esac
done
