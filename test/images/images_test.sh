#!/usr/bin/env bash
# The operator and bridge images: `make docker-build CONTAINER_TOOL=buildah` builds both, each is
# imported into containerd (`ctr images import`) and run with `ctr run` under runc.
# Everything is private to this test: buildah storage, and a containerd of its own (root, state
# and socket in a temporary directory, CRI plugin off), stopped and removed at the end.
# The bridge runs on the host network but binds 127.0.0.1 only.
# Usage: images_test.sh <case>; MCP_SOURCE_DIR and MCP_BINARY_DIR come from CTest.
# Needs root (containerd, runc), buildah, containerd and runc (hack/deps.sh installs them).
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
: "${MCP_SOURCE_DIR:?}" "${MCP_BINARY_DIR:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || fail "needs root to run containerd and runc"
for t in buildah containerd ctr runc curl; do command -v "$t" >/dev/null || fail "$t is missing: run 'make deps'"; done

version=$(cat "$MCP_SOURCE_DIR/VERSION")
work=$(mktemp -d /tmp/mcp-images-test.XXXXXX)
containerd_pid=""
cleanup() {
  set +e
  if [[ -n $containerd_pid ]]; then
    # Deleting each task (running or stopped) is what ends its shim; a shim outlives containerd.
    for c in $(ctr_ containers ls -q 2>/dev/null); do
      ctr_ tasks kill -s SIGKILL "$c" >/dev/null 2>&1
      ctr_ tasks delete -f "$c" >/dev/null 2>&1
      ctr_ containers delete "$c" >/dev/null 2>&1
    done
    kill "$containerd_pid" 2>/dev/null
    wait "$containerd_pid" 2>/dev/null
    # Any shim still holding this test's socket path was started by this test.
    for p in /proc/[0-9]*; do
      if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "-address $work/"; then kill -KILL "${p#/proc/}" 2>/dev/null; fi
    done
  fi
  # runc or the snapshotter may leave a mount behind when a step failed half-way.
  grep -o " $work[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

buildah_=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
ctr_() { ctr --address "$work/containerd/containerd.sock" "$@"; }
img="mcp-operator:$version-test"
bridge_img="mcp-bridge:$version-test"

build_images() {
  make -C "$MCP_SOURCE_DIR" --no-print-directory docker-build PRESET="$(basename "$MCP_BINARY_DIR")" \
    CONTAINER_TOOL="${buildah_[*]}" IMG="$img" BRIDGE_IMG="$bridge_img" >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; fail "make docker-build failed"; }
}

start_containerd() {
  mkdir -p "$work/containerd"
  cat >"$work/containerd/config.toml" <<TOML
version = 2
root = "$work/containerd/root"
state = "$work/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$work/containerd/containerd.sock"
[ttrpc]
  address = "$work/containerd/containerd.sock.ttrpc"
TOML
  containerd --config "$work/containerd/config.toml" >"$work/containerd/log" 2>&1 &
  containerd_pid=$!
  for _ in $(seq 100); do ctr_ version >/dev/null 2>&1 && return 0; sleep 0.1; done
  cat "$work/containerd/log" >&2
  fail "containerd did not start"
}

# import <image>: buildah -> docker-archive -> ctr images import; prints the stored reference.
import() {
  local tar="$work/${1%%:*}.tar"
  "${buildah_[@]}" push -q "localhost/$1" "docker-archive:$tar" >/dev/null
  ctr_ images import --snapshotter native "$tar" >/dev/null
  ctr_ images ls -q | grep -x "localhost/$1" || fail "$1 not in containerd after import: $(ctr_ images ls -q)"
}

label() { "${buildah_[@]}" inspect -t image -f "{{index .OCIv1.Config.Labels \"$2\"}}" "localhost/$1"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

case "$1" in
  build_and_run)
    build_images
    for i in "$img" "$bridge_img"; do
      [[ $(label "$i" org.opencontainers.image.version) == "$version" ]] || fail "$i: version label is not $version"
      [[ -n $(label "$i" org.opencontainers.image.source) ]] || fail "$i: no source label"
      [[ -n $(label "$i" org.opencontainers.image.revision) ]] || fail "$i: no revision label"
      user=$("${buildah_[@]}" inspect -t image -f '{{.OCIv1.Config.User}}' "localhost/$i")
      [[ $user == 65532:65532 ]] || fail "$i runs as '$user', not 65532:65532"
      size=$("${buildah_[@]}" images --format '{{.Size}}' "localhost/$i")
      echo "image $i: $size"
    done
    start_containerd
    op_ref=$(import "$img")
    bridge_ref=$(import "$bridge_img")

    # The operator: its version, from the image's entrypoint, as the image's user.
    out=$(ctr_ run --rm --snapshotter native "$op_ref" op-version /mcp-operator --version 2>&1) ||
      fail "the operator did not run: $out"
    [[ $out == "mcp-operator $version" ]] || fail "operator --version printed '$out'"

    # The bridge: /healthz on loopback, and it runs as UID 65532.
    port=$(free_port)
    ctr_ run --rm --snapshotter native --net-host "$bridge_ref" bridge \
      /mcp-bridge --host 127.0.0.1 --port "$port" --warm-pool 0 -- /mcp-bridge >"$work/bridge.log" 2>&1 &
    bridge_run=$!
    ok=""
    for _ in $(seq 100); do
      if [[ $(curl -sS -m 2 "http://127.0.0.1:$port/healthz" 2>/dev/null) == ok ]]; then ok=1; break; fi
      sleep 0.1
    done
    [[ -n $ok ]] || { cat "$work/bridge.log" >&2; fail "the bridge did not serve /healthz on 127.0.0.1:$port"; }
    pid=$(ctr_ tasks ls | awk '$1 == "bridge" {print $2}')
    uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
    [[ $uid == 65532 ]] || fail "the bridge runs as UID $uid"
    ctr_ tasks kill bridge >/dev/null
    wait "$bridge_run" || true
    grep -q 'msg=stopped' "$work/bridge.log" || { cat "$work/bridge.log" >&2; fail "the bridge did not stop on SIGTERM"; }

    # The operator's init container: copy the bridge into a shared directory (an emptyDir in a
    # pod), as UID 65532, and the copy runs.
    mkdir -p "$work/shared" && chmod 0777 "$work/shared"
    ctr_ run --rm --snapshotter native \
      --mount "type=bind,src=$work/shared,dst=/opt/mcp-bridge,options=rbind:rw" "$bridge_ref" install \
      /mcp-bridge --copy-to /opt/mcp-bridge/mcp-bridge >"$work/copy.log" 2>&1 ||
      { cat "$work/copy.log" >&2; fail "--copy-to failed"; }
    [[ -x $work/shared/mcp-bridge ]] || fail "--copy-to left no executable: $(ls -la "$work/shared")"
    [[ $(stat -c %u "$work/shared/mcp-bridge") == 65532 ]] || fail "the copy is not owned by 65532"
    "$work/shared/mcp-bridge" --help 2>&1 | grep -q -- '--copy-to' || fail "the copied bridge does not run"
    ;;
  operator_reconciles)
    # The operator image against the test cluster, as in a pod: read-only root filesystem,
    # UID 65532, the ServiceAccount token of config/rbac (fixture operator-rbac), leader
    # election on. It gets ready, reconciles a stdio sample into a Deployment whose init
    # container is the bridge image, serves metrics, and exits 0 on SIGTERM.
    : "${KUBECONFIG:?}" "${TOOLS_BIN:?}" "${CLUSTER_DIR:?}"
    source "$MCP_SOURCE_DIR/test/integration/operator/op.sh"
    ns="images-op-$$"
    kubectl create namespace "$ns" >/dev/null
    trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1; cleanup' EXIT
    build_images
    start_containerd
    op_ref=$(import "$img")
    op_kubeconfig mcp-operator-controller-manager mcp-operator-system "$work/kubeconfig"
    chown 65532:65532 "$work/kubeconfig"
    probe=$(free_port) metrics=$(free_port)
    ctr_ run --rm --snapshotter native --net-host --read-only \
      --mount "type=bind,src=$work/kubeconfig,dst=/etc/mcp-operator/kubeconfig,options=rbind:ro" "$op_ref" operator \
      /mcp-operator --kubeconfig=/etc/mcp-operator/kubeconfig --watch-namespaces="$ns" \
      --health-probe-bind-address="127.0.0.1:$probe" --metrics-bind-address="127.0.0.1:$metrics" \
      --leader-elect --leader-election-namespace=mcp-operator-system --leader-election-id="images-test-$$" \
      --bridge-image="$bridge_img" >"$work/operator.log" 2>&1 &
    op_run=$!
    ready=""
    for _ in $(seq 300); do
      if curl -fsS -m 2 "http://127.0.0.1:$probe/readyz" >/dev/null 2>&1; then ready=1; break; fi
      kill -0 "$op_run" 2>/dev/null || break
      sleep 0.1
    done
    if [[ -z $ready ]]; then
      rc=0; kill -0 "$op_run" 2>/dev/null || wait "$op_run" || rc=$?
      echo "--- operator log (ctr run exit $rc):" >&2; cat "$work/operator.log" >&2
      echo "--- containerd log:" >&2; tail -20 "$work/containerd/log" >&2
      fail "the operator image did not become ready"
    fi
    kubectl -n "$ns" apply -f "$MCP_SOURCE_DIR/config/samples/mcp_v1_mcpserver_stdio.yaml" >/dev/null
    init=""
    for _ in $(seq 150); do
      init=$(kubectl -n "$ns" get deployment everything -o jsonpath='{.spec.template.spec.initContainers[0].image} {.spec.template.spec.initContainers[0].command}' 2>/dev/null) && break
      sleep 0.2
    done
    [[ $init == "$bridge_img "*'"/mcp-bridge","--copy-to","/opt/mcp-bridge/mcp-bridge"'* ]] ||
      { cat "$work/operator.log" >&2; fail "no Deployment with the bridge init container: '$init'"; }
    # The reconcile that created the Deployment is counted when it returns: poll.
    counted=""
    for _ in $(seq 100); do
      m=$(curl -fsS -m 2 "http://127.0.0.1:$metrics/metrics" 2>/dev/null) || m=""
      if grep -q '^controller_runtime_reconcile_total{controller="mcpserver",result="success"} [1-9]' <<<"$m"; then
        counted=1; break
      fi
      sleep 0.1
    done
    [[ -n $counted ]] || fail "no successful reconcile in the metrics: $(grep reconcile_total <<<"$m")"
    ctr_ tasks kill operator >/dev/null
    rc=0; wait "$op_run" || rc=$?
    [[ $rc == 0 ]] || { cat "$work/operator.log" >&2; fail "the operator exited $rc on SIGTERM"; }
    ;;
  *) fail "unknown case $1" ;;
esac
