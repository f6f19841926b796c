#!/usr/bin/env bash
# The operator and bridge images: `make docker-build CONTAINER_TOOL=buildah` builds both, each is
# imported into containerd (`ctr images import`) and run with `ctr run` under runc. The images of
# the real-node e2e cluster (pause, server-everything, CoreDNS): hack/e2e-images.sh builds and
# imports them, and each runs as it will in a pod.
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
    for ns in $(ctr_ namespaces ls -q 2>/dev/null); do
      for c in $(ctr_ -n "$ns" containers ls -q 2>/dev/null); do
        ctr_ -n "$ns" tasks kill -s SIGKILL "$c" >/dev/null 2>&1
        ctr_ -n "$ns" tasks delete -f "$c" >/dev/null 2>&1
        ctr_ -n "$ns" containers delete "$c" >/dev/null 2>&1
      done
    done
    kill "$containerd_pid" 2>/dev/null
    wait "$containerd_pid" 2>/dev/null
    # Any shim still holding this test's socket path was started by this test.
    for p in /proc/[0-9]*; do
      if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "-address $work/"; then kill -KILL "${p#/proc/}" 2>/dev/null; fi
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
  ctr_ images import "$tar" >/dev/null
  ctr_ images ls -q | grep -x "localhost/$1" || fail "$1 not in containerd after import: $(ctr_ images ls -q)"
}

label() { "${buildah_[@]}" inspect -t image -f "{{index .OCIv1.Config.Labels \"$2\"}}" "localhost/$1"; }

# task_pid <namespace> <id>: the PID of a running task, waiting up to 10 s for it to start.
task_pid() {
  local pid
  for _ in $(seq 100); do
    pid=$(ctr_ -n "$1" tasks ls 2>/dev/null | awk -v id="$2" '$1 == id && $3 == "RUNNING" {print $2}')
    [[ -n $pid ]] && { echo "$pid"; return 0; }
    sleep 0.1
  done
  fail "task $2 did not start"
}

uid_of() { awk '/^Uid:/ {print $2}' "/proc/$1/status"; }

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
    # stdout only: containerd 2's ctr warns on stderr (cgroup v1 hosts).
    out=$(ctr_ run --rm "$op_ref" op-version /mcp-operator --version 2>"$work/op-version.err") ||
      fail "the operator did not run: $out $(cat "$work/op-version.err")"
    [[ $out == "mcp-operator $version" ]] || fail "operator --version printed '$out'"

    # The bridge: /healthz on loopback, and it runs as UID 65532.
    port=$(free_port)
    ctr_ run --rm --net-host "$bridge_ref" bridge \
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
    ctr_ run --rm \
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
    ctr_ run --rm --net-host --read-only \
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
  e2e_images)
    export E2E_BUILDAH_DIR="$work/buildah" E2E_STORAGE_DRIVER=overlay BUILD_DIR="$MCP_BINARY_DIR"
    e2e=("$MCP_SOURCE_DIR/hack/e2e-images.sh")
    imgs=(pause server-everything coredns)
    "${e2e[@]}" build "${imgs[@]}" 2>"$work/e2e-images.log" || { cat "$work/e2e-images.log" >&2; fail "build failed"; }
    source <("${e2e[@]}" list)
    for i in "$PAUSE_IMAGE" "$SERVER_EVERYTHING_IMAGE" "$COREDNS_IMAGE"; do
      user=$(buildah --root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver "$E2E_STORAGE_DRIVER" \
        inspect -t image -f '{{.OCIv1.Config.User}}' "$i")
      [[ $user == 65532:65532 ]] || fail "$i runs as '$user', not 65532:65532"
    done
    cat "$work/e2e-images.log"
    start_containerd
    sock="$work/containerd/containerd.sock"
    imported=$("${e2e[@]}" import "$sock" "${imgs[@]}" 2>>"$work/e2e-images.log") ||
      { cat "$work/e2e-images.log" >&2; fail "import failed"; }
    [[ $imported == "$PAUSE_IMAGE"$'\n'"$SERVER_EVERYTHING_IMAGE"$'\n'"$COREDNS_IMAGE" ]] ||
      fail "import printed '$imported'"
    again=$("${e2e[@]}" import "$sock" "${imgs[@]}" 2>/dev/null)
    [[ -z $again ]] || fail "a second import of unchanged images imported '$again'"
    k8s=(ctr_ -n k8s.io)

    # pause: containerd's sandbox process. Runs as 65532, exits 0 within 2 s of SIGTERM.
    "${k8s[@]}" run --rm "$PAUSE_IMAGE" pause >"$work/pause.log" 2>&1 &
    pause_run=$!
    pid=$(task_pid k8s.io pause)
    [[ $(uid_of "$pid") == 65532 ]] || fail "pause runs as UID $(uid_of "$pid")"
    "${k8s[@]}" tasks kill pause >/dev/null
    for _ in $(seq 20); do kill -0 "$pause_run" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$pause_run" 2>/dev/null || fail "pause did not stop within 2 s of SIGTERM"
    rc=0; wait "$pause_run" || rc=$?
    [[ $rc == 0 ]] || { cat "$work/pause.log" >&2; fail "pause exited $rc on SIGTERM"; }

    # server-everything over stdio, the default command: answers initialize as UID 65532.
    mkfifo "$work/stdio.in"
    "${k8s[@]}" run --rm "$SERVER_EVERYTHING_IMAGE" stdio \
      <"$work/stdio.in" >"$work/stdio.out" 2>"$work/stdio.err" &
    stdio_run=$!
    exec 7>"$work/stdio.in"
    echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"images-test","version":"0"}}}' >&7
    name=""
    for _ in $(seq 300); do
      name=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    if m.get("id") == 1: print(m["result"]["serverInfo"]["name"])' "$work/stdio.out" 2>/dev/null) && [[ -n $name ]] && break
      sleep 0.1
    done
    [[ $name == mcp-servers/everything ]] ||
      { cat "$work/stdio.out" "$work/stdio.err" >&2; fail "no initialize result from server-everything: '$name'"; }
    pid=$(task_pid k8s.io stdio)
    [[ $(uid_of "$pid") == 65532 ]] || fail "server-everything runs as UID $(uid_of "$pid")"
    "${k8s[@]}" tasks kill -s SIGINT stdio >/dev/null
    exec 7>&-
    rc=0; wait "$stdio_run" || rc=$?
    [[ $rc == 0 ]] || { cat "$work/stdio.err" >&2; fail "server-everything (stdio) exited $rc on SIGINT"; }

    # server-everything over Streamable HTTP in a network namespace of its own: listens on every
    # address ([::], PORT), and a TypeScript-SDK client run from the same image talks to it.
    "${k8s[@]}" run --rm --env PORT=3001 \
      --mount "type=bind,src=$MCP_SOURCE_DIR/test/images,dst=/app/e2e,options=rbind:ro" "$SERVER_EVERYTHING_IMAGE" http \
      /usr/local/bin/node /app/node_modules/@modelcontextprotocol/server-everything/dist/index.js streamableHttp \
      >"$work/http.log" 2>&1 &
    http_run=$!
    pid=$(task_pid k8s.io http)
    listening=""
    for _ in $(seq 300); do
      # st 0A is LISTEN; 0BB9 is 3001; all zeros is the unspecified address.
      if awk '$4 == "0A" && $2 == "00000000000000000000000000000000:0BB9"' "/proc/$pid/net/tcp6" | grep -q .; then listening=1; break; fi
      sleep 0.1
    done
    [[ -n $listening ]] || { cat "$work/http.log" >&2; fail "server-everything does not listen on [::]:3001"; }
    out=$("${k8s[@]}" tasks exec --exec-id client http /usr/local/bin/node /app/e2e/sdk_client.ts http://127.0.0.1:3001/mcp 2>"$work/client.err") ||
      { cat "$work/client.err" "$work/http.log" >&2; fail "the SDK client failed"; }
    [[ $out == '{"server":"mcp-servers/everything","tools":'*'"text":"Echo: from the image"'* ]] ||
      { cat "$work/client.err" >&2; fail "the SDK client printed '$out'"; }
    "${k8s[@]}" tasks kill -s SIGINT http >/dev/null
    rc=0; wait "$http_run" || rc=$?
    [[ $rc == 0 ]] || { cat "$work/http.log" >&2; fail "server-everything (HTTP) exited $rc on SIGINT"; }

    # CoreDNS: the pinned version, from the image's entrypoint.
    out=$("${k8s[@]}" run --rm "$COREDNS_IMAGE" coredns /coredns -version 2>/dev/null) ||
      fail "coredns did not run: $out"
    [[ $(head -1 <<<"$out") == "CoreDNS-${COREDNS_IMAGE##*:v}" ]] || fail "coredns -version printed '$out'"
    ;;
  *) fail "unknown case $1" ;;
esac
