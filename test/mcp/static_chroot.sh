#!/usr/bin/env bash
# mcp-bridge is fully static: ldd calls it "not a dynamic executable", and it starts and
# serves /healthz inside a root filesystem that holds nothing but itself. /readyz must say
# 503 there, because no MCP server can be started in an empty root.
set -euo pipefail
bin=${MCP_BRIDGE_BIN:?}
ldd_out=$(ldd "$bin" 2>&1 || true)
if [[ $ldd_out != *"not a dynamic executable"* ]]; then
  echo "FAIL ldd says: $ldd_out" >&2
  exit 1
fi
root=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cleanup() {
  [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
cp "$bin" "$root/mcp-bridge"
if [[ $(id -u) -eq 0 ]]; then
  chroot "$root" /mcp-bridge --port "$port" -- /no-such-server 2>"$root.log" &
else
  unshare --user --map-root-user chroot "$root" /mcp-bridge --port "$port" -- /no-such-server 2>"$root.log" &
fi
pid=$!
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
  [[ $code == 200 ]] && break
  sleep 0.05
done
if [[ $code != 200 ]]; then
  echo "FAIL /healthz in an empty root answered '$code'" >&2
  cat "$root.log" >&2
  rm -f "$root.log"
  exit 1
fi
ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")
rm -f "$root.log"
if [[ $ready != 503 ]]; then
  echo "FAIL /readyz answered $ready with no server to start" >&2
  exit 1
fi
echo "PASS static mcp-bridge serves /healthz from an empty root"
