#!/usr/bin/env bash
# Drives the test cluster's kube-apiserver for the restart tests (CLUSTER_DIR from the
# integration environment):
#   apiserver.sh stop-first      stop the cluster's apiserver, remembering its command line
#   apiserver.sh start-first     start it again with the same command line; wait until ready
#   apiserver.sh start-second    run a second apiserver on the same etcd; prints its port
#   apiserver.sh stop-second     stop the second one
#   apiserver.sh compact         compact etcd at its current revision (forces 410 for older versions)
# Every wait is bounded; nothing but 127.0.0.1 is contacted.
set -euo pipefail
RUN="$CLUSTER_DIR/run"
PKI="$CLUSTER_DIR/pki"
# shellcheck disable=SC1091
source "$RUN/ports.env"

ready() {  # ready <port>
  curl -fsS --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$1/readyz" >/dev/null 2>&1
}

wait_ready() {  # wait_ready <port>
  for _ in $(seq 1 300); do
    ready "$1" && return 0
    sleep 0.2
  done
  echo "apiserver on port $1 not ready after 60 s" >&2
  return 1
}

stop_pid_file() {  # stop_pid_file <file>
  [[ -f "$1" ]] || return 0
  local pid; pid=$(cat "$1")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

start_with() {  # start_with <pid file> <log> args...
  local pidfile=$1 logfile=$2; shift 2
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

case "${1:-}" in
  stop-first)
    tr '\0' '\n' <"/proc/$(cat "$RUN/kube-apiserver.pid")/cmdline" >"$RUN/kube-apiserver.cmdline"
    stop_pid_file "$RUN/kube-apiserver.pid"
    ;;
  start-first)
    mapfile -t args <"$RUN/kube-apiserver.cmdline"
    start_with "$RUN/kube-apiserver.pid" "$CLUSTER_DIR/logs/kube-apiserver.log" "${args[@]}"
    wait_ready "$API_PORT"
    ;;
  start-second)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    mapfile -t args < <(tr '\0' '\n' <"/proc/$(cat "$RUN/kube-apiserver.pid")/cmdline")
    args=("${args[@]/--secure-port=*/--secure-port=$port}")
    start_with "$RUN/kube-apiserver-2.pid" "$CLUSTER_DIR/logs/kube-apiserver-2.log" "${args[@]}"
    wait_ready "$port"
    echo "$port"
    ;;
  stop-second)
    stop_pid_file "$RUN/kube-apiserver-2.pid"
    rm -f "$RUN/kube-apiserver-2.pid"
    ;;
  compact)
    rev=$(curl -fsS --max-time 5 -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/range" -d '{"key":"AA=="}' |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
    curl -fsS --max-time 30 -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/compaction" \
      -d "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null
    echo "$rev"
    ;;
  *) echo "usage: $0 stop-first|start-first|start-second|stop-second|compact" >&2; exit 2 ;;
esac
