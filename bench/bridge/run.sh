#!/usr/bin/env bash
# The bridge benchmark: mcp-bridge against other stdio-to-HTTP proxies, side by side, on this
# machine, all in front of the same child (server-everything over stdio) and driven by the same
# load generator (build/ci/bench/bridge/mcp-bench-loadgen, Streamable HTTP).
#
#   bench/bridge/run.sh [--quick] --out <dir>      writes <dir>/bridge.json
#
# For every proxy, one after another (never two at once, it is a 2-core machine): start-up to
# the first usable session; resident memory of the proxy process (children excluded) idle and
# with sessions open; its CPU time per call; time to a usable session; tools/call echo latency
# and throughput at 1, 8 and 64 concurrent sessions, in rounds that interleave the proxies; a
# burst of 256 sessions (errors versus hangs, every request bounded). The same calls straight
# over stdio are the baseline. --quick runs a subset (one round, 1 and 8 sessions, no burst,
# no ToolHive build) in under a minute. Traffic goes to 127.0.0.1 only; every process started here is stopped, with
# its children, on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

QUICK=0
OUT=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) QUICK=1 ;;
    --out) OUT=${2:?--out needs a directory}; shift ;;
    *) die "usage: bench/bridge/run.sh [--quick] --out <dir>" ;;
  esac
  shift
done
[[ -n $OUT ]] || die "usage: bench/bridge/run.sh [--quick] --out <dir>"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

BENCH_BRIDGE="$REPO_ROOT/bench/bridge"
BUILD_DIR="${BUILD_DIR:-$REPO_ROOT/build/ci}"
BRIDGE="$BUILD_DIR/apps/mcp-bridge/mcp-bridge"
LOADGEN="$BUILD_DIR/bench/bridge/mcp-bench-loadgen"
# ToolHive tags to try, newest first: the newest whose go.mod accepts Go 1.26 (later ones need
# 1.27), and an older one with a different dependency set.
TOOLHIVE_TAGS=(v0.48.0 v0.40.0)

if [[ $QUICK == 1 ]]; then
  LEVELS=(1 8); ROUNDS=1; WARMUP=0.2; WINDOW=0.8; INIT_COUNT=1; INIT_PAUSE=0; SETTLE=0.5; OVERLOAD=0
else
  LEVELS=(1 8 64); ROUNDS=3; WARMUP=1; WINDOW=4; INIT_COUNT=5; INIT_PAUSE=2.5; SETTLE=2; OVERLOAD=256
fi
LOAD_TIMEOUT=30       # s, one request (64 sessions starting 64 children at once take a while)
OVERLOAD_CALLS=3      # per session in the burst
OVERLOAD_TIMEOUT=15   # s, one request in the burst: longer counts as a hang
GUARD_KIB=$((8 * 1024 * 1024))  # a proxy whose process tree passes 8 GiB in the burst is killed

# --- build and peers --------------------------------------------------------------------------
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  log "configuring $BUILD_DIR (cmake --preset ci)"
  (cd "$REPO_ROOT" && cmake --preset ci >/dev/null)
fi
log "building mcp-bridge and mcp-bench-loadgen"
cmake --build "$BUILD_DIR" --target mcp-bridge mcp-bench-loadgen >/dev/null

# Installed like hack/deps.sh peers: a cache dir keyed by the lockfiles, npm and pip clients only.
bench_peers_dir() {
  local key; key=$(cat "$BENCH_BRIDGE/peers/package-lock.json" "$BENCH_BRIDGE/peers/requirements.txt" | sha256sum | cut -c1-16)
  echo "$MCP_CACHE/bench-peers-$key"
}
PEERS=$(bench_peers_dir)
if [[ ! -f "$PEERS/.complete" ]]; then
  log "installing the benchmark peers into $PEERS"
  rm -rf "$PEERS" && mkdir -p "$PEERS"
  cp "$BENCH_BRIDGE/peers/package.json" "$BENCH_BRIDGE/peers/package-lock.json" "$PEERS/"
  (cd "$PEERS" && npm ci --no-audit --no-fund --loglevel=error >&2)
  python3 -m venv "$PEERS/venv"
  "$PEERS/venv/bin/pip" install -q --disable-pip-version-check -r "$BENCH_BRIDGE/peers/requirements.txt" >&2
  touch "$PEERS/.complete"
fi
# Node 22 from the pinned `node` package runs the child and the Node peers alike.
export PATH="$PEERS/node_modules/.bin:$PATH"
SERVER=("$PEERS/node_modules/.bin/mcp-server-everything" stdio)

WORK=$(mktemp -d /tmp/bench-bridge.XXXXXX)
COMMANDS="$WORK/commands.txt"
: >"$COMMANDS"
PROXY_PID=""  # the one proxy running (they run one at a time)
RUN_START=$(date +%s.%N)

# --- processes ---------------------------------------------------------------------------------
descendants() {  # every process below $1, from one ps snapshot
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2; pids[NR] = $1 }
    END { for (i in pids) { p = pids[i]; q = parent[p]
            while (q != "" && q != 0 && q != 1) { if (q == root) { print p; break }; q = parent[q] } } }'
}
stop_tree() {  # SIGTERM the proxy, SIGKILL it after 10 s, then any of its descendants still alive
  local pid=$1 kids i
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    local alive=0 k
    for k in $kids; do kill -0 "$k" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for k in $kids; do kill -KILL "$k" 2>/dev/null || true; done
}
cleanup() {
  [[ -n ${GUARD_PID:-} ]] && kill "$GUARD_PID" 2>/dev/null
  [[ -n $PROXY_PID ]] && stop_tree "$PROXY_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
record() { printf '%q ' "$@" >>"$COMMANDS"; echo >>"$COMMANDS"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Runs the load generator (bounded by `timeout`), its JSON to $1.
loadgen() {
  local out=$1; shift
  record "$LOADGEN" "$@"
  # --foreground: in the terminal's process group, so Ctrl-C reaches the load generator, which
  # then ends its own children (direct stdio) before it exits.
  timeout --foreground 600 "$LOADGEN" "$@" >"$out"
}

# The proxies. Each listens on 127.0.0.1:$port (supergateway has no host option: it binds every
# interface, and is only ever called on 127.0.0.1) and serves Streamable HTTP on /mcp.
proxy_cmd() {
  local name=$1 port=$2
  case $name in
    mcp-bridge) CMD=("$BRIDGE" --port "$port" -- "${SERVER[@]}") ;;
    mcp-bridge-before) CMD=("$MCP_BRIDGE_BEFORE" --port "$port" -- "${SERVER[@]}") ;;
    mcp-bridge-cold) CMD=("$BRIDGE" --port "$port" --warm-pool 0 -- "${SERVER[@]}") ;;
    mcp-bridge-shared) CMD=("$BRIDGE" --port "$port" --session-mode shared -- "${SERVER[@]}") ;;
    supergateway)
      CMD=(supergateway --stdio "${SERVER[*]}" --outputTransport streamableHttp --stateful --port "$port" --logLevel none) ;;
    mcp-proxy-npm) CMD=(mcp-proxy --host 127.0.0.1 --port "$port" --server stream -- "${SERVER[@]}") ;;
    mcp-proxy-pypi) CMD=("$PEERS/venv/bin/mcp-proxy" --host 127.0.0.1 --port "$port" --log-level WARNING "${SERVER[@]}") ;;
  esac
}

# Starts proxy $1; sets PROXY_PID, PORT, URL and STARTED_NS (realtime, just before exec).
start_proxy() {
  local name=$1
  PORT=$(free_port)
  proxy_cmd "$name" "$PORT"
  record "${CMD[@]}"
  STARTED_NS=$(date +%s%N)
  "${CMD[@]}" </dev/null >"$WORK/$name.log" 2>&1 &
  PROXY_PID=$!
  URL="http://127.0.0.1:$PORT/mcp"
}

# Samples the proxy's process tree every 0.5 s during the burst: peak tree RSS and child count;
# kills the tree when it passes GUARD_KIB (a proxy without a session limit would otherwise
# start one server per session until memory runs out).
guard() {
  local pid=$1 out=$2 peak=0 peak_kids=0 killed=0
  while kill -0 "$pid" 2>/dev/null; do
    local kids sum n
    kids=$(descendants "$pid")
    n=$(echo "$kids" | grep -c . || true)
    sum=$(ps -o rss= -p "$(echo "$pid" $kids | tr ' \n' ',,' | sed 's/,*$//')" | awk '{s += $1} END {print s + 0}')
    ((sum > peak)) && peak=$sum
    ((n > peak_kids)) && peak_kids=$n
    if ((sum > GUARD_KIB)); then
      killed=1
      kill -KILL "$pid" $kids 2>/dev/null || true
    fi
    printf '{"peak_tree_rss_kib": %d, "peak_children": %d, "killed_by_guard": %s}\n' \
      "$peak" "$peak_kids" "$([[ $killed == 1 ]] && echo true || echo false)" >"$out"
    [[ $killed == 1 ]] && break
    sleep 0.5
  done
}

# One proxy through one round of measurements; results in $WORK/$name/, one file per round.
# Every round: start-up to the first session, idle memory, the concurrency levels. The first
# round also times sessions one after another; the last one ends with the burst.
bench_proxy() {
  local name=$1 round=$2 dir="$WORK/$1" c
  mkdir -p "$dir"
  log "$name (round $round/$ROUNDS): start-up and first session"
  start_proxy "$name"
  echo "${CMD[*]}" >"$dir/command.txt"
  loadgen "$dir/startup.r$round.json" init --url "$URL" --count 1 --started-ns "$STARTED_NS" --timeout "$LOAD_TIMEOUT"
  sleep "$SETTLE"
  rss_kib "$PROXY_PID" >"$dir/rss_idle_kib.r$round"
  if ((round == 1)); then
    log "$name: time to a usable session ($INIT_COUNT sessions, one after another)"
    loadgen "$dir/init.json" init --url "$URL" --count "$INIT_COUNT" --pause "$INIT_PAUSE" --timeout "$LOAD_TIMEOUT"
  fi
  for c in "${LEVELS[@]}"; do
    log "$name (round $round/$ROUNDS): $c concurrent sessions"
    loadgen "$dir/load-$c.r$round.json" load --url "$URL" --sessions "$c" --warmup "$WARMUP" --duration "$WINDOW" \
      --rss-pid "$PROXY_PID" --timeout "$LOAD_TIMEOUT"
  done
  if ((OVERLOAD > 0 && round == ROUNDS)); then
    log "$name: burst of $OVERLOAD sessions"
    guard "$PROXY_PID" "$dir/guard.json" &
    GUARD_PID=$!
    loadgen "$dir/overload.json" load --url "$URL" --sessions "$OVERLOAD" --calls "$OVERLOAD_CALLS" \
      --rss-pid "$PROXY_PID" --settle 0 --timeout "$OVERLOAD_TIMEOUT" || true
    kill "$GUARD_PID" 2>/dev/null || true
    wait "$GUARD_PID" 2>/dev/null || true
    GUARD_PID=""
    kill -0 "$PROXY_PID" 2>/dev/null && echo true >"$dir/alive_after_overload" || echo false >"$dir/alive_after_overload"
  fi
  stop_tree "$PROXY_PID"
  PROXY_PID=""
}

# Our bridge without a warm pool: only the time to a usable session (the cold figure).
bench_cold() {
  local name=mcp-bridge-cold dir="$WORK/mcp-bridge-cold"
  mkdir -p "$dir"
  log "$name: time to a usable session without a warm pool"
  start_proxy "$name"
  echo "${CMD[*]}" >"$dir/command.txt"
  loadgen "$dir/startup.r1.json" init --url "$URL" --count 1 --started-ns "$STARTED_NS" --timeout "$LOAD_TIMEOUT"
  loadgen "$dir/init.json" init --url "$URL" --count "$INIT_COUNT" --pause 0.5 --timeout "$LOAD_TIMEOUT"
  stop_tree "$PROXY_PID"
  PROXY_PID=""
}

# The same sessions and calls straight over stdio, one child per session: no proxy at all.
bench_direct() {
  local round=$1 dir="$WORK/direct-stdio" c
  mkdir -p "$dir"
  if ((round == 1)); then
    log "direct stdio: time to a usable session"
    loadgen "$dir/init.json" init --stdio --count "$INIT_COUNT" --pause 0.5 --timeout "$LOAD_TIMEOUT" -- "${SERVER[@]}"
  fi
  for c in "${LEVELS[@]}"; do
    log "direct stdio (round $round/$ROUNDS): $c concurrent sessions"
    loadgen "$dir/load-$c.r$round.json" load --stdio --sessions "$c" --warmup "$WARMUP" --duration "$WINDOW" \
      --timeout "$LOAD_TIMEOUT" -- "${SERVER[@]}"
  done
}

# ToolHive: build `thv` in a scratch module per tag (the Go module proxy, `go` only), newest
# first, then see whether it can serve a stdio server without a container engine. A failed
# build is remembered (the `failed` stamp), so later runs reuse its log instead of retrying.
# Writes toolhive.json.
bench_toolhive() {
  local out="$WORK/toolhive.json" tried=() reason="" built="" tag dir module="github.com/stacklok/toolhive" latest
  latest=$(GOTOOLCHAIN=local timeout 60 go list -m -json "$module@latest" 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["Version"], "needs go", d.get("GoVersion", "?"))' || true)
  tried+=("latest tag: ${latest:-unknown}; this machine has $(go env GOVERSION 2>/dev/null || echo 'no go')")
  for tag in "${TOOLHIVE_TAGS[@]}"; do
    dir="$MCP_CACHE/toolhive-$tag"
    if [[ ! -x "$dir/thv" && ! -f "$dir/failed" && $QUICK == 0 ]] && command -v go >/dev/null; then
      log "toolhive: building thv $tag in $dir (at most 8 minutes)"
      mkdir -p "$dir"
      printf 'module toolhive-build\n\ngo 1.26\n' >"$dir/go.mod"
      if (cd "$dir" && GOTOOLCHAIN=local timeout 480 go get "$module/cmd/thv@$tag" &&
        GOTOOLCHAIN=local timeout 480 go build -o thv "$module/cmd/thv") >"$dir/build.log" 2>&1; then :; else
        touch "$dir/failed"
      fi
    fi
    if [[ -x "$dir/thv" ]]; then
      tried+=("go get $module/cmd/thv@$tag && go build $module/cmd/thv: built")
      built=$tag
      break
    elif [[ -f "$dir/failed" ]]; then
      # The modules the build could not get, without the addresses the go command printed.
      local missing
      missing=$(grep -E 'not available|Forbidden|Not Found' "$dir/build.log" | sed -E 's#[a-z]+://[^ ]*##g' |
        grep -oE '[A-Za-z0-9._/-]+@v[0-9][A-Za-z0-9.+-]*' | sort -u | tr '\n' ' ' | sed 's/ $//')
      tried+=("go get $module/cmd/thv@$tag && go build $module/cmd/thv: failed, these module versions cannot be downloaded or verified through the Go module proxy: ${missing:-(see $dir/build.log)}")
    else
      tried+=("thv $tag: not attempted (--quick builds nothing; a full run does)")
    fi
  done
  if [[ -n $built ]]; then
    TOOLHIVE_DIR="$MCP_CACHE/toolhive-$built"
    bench_toolhive_run tried reason
  elif [[ $QUICK == 1 && ! -f "$MCP_CACHE/toolhive-${TOOLHIVE_TAGS[0]}/failed" ]]; then
    reason="not built yet (--quick builds nothing; a full run tries)."
  else
    reason="thv does not build with Go 1.26 from the module proxy: the tags that accept Go 1.26 depend on module versions that cannot be downloaded or verified through it, and later tags need Go 1.27. Even built, it could not serve the stdio server here: by its documented design thv runs every MCP server in a container, through Docker, Podman or Colima (or in Kubernetes), and this machine has no container engine."
  fi
  python3 - "$out" "${built:-${TOOLHIVE_TAGS[0]}}" "$reason" "${tried[@]}" <<'EOF'
import json, sys
out, version, reason, *tried = sys.argv[1:]
with open(out, "w") as f:
    json.dump({"name": "toolhive", "version": version, "status": "could not run", "reason": reason, "tried": tried}, f, indent=1)
EOF
}

# thv built: ask it to serve the same server. It starts MCP servers only in containers, so with
# no container engine here it is expected to refuse; its own words go into the reason.
bench_toolhive_run() {
  local -n _tried=$1 _reason=$2
  local port; port=$(free_port)
  local cmd=("$TOOLHIVE_DIR/thv" run --transport stdio --proxy-port "$port" --foreground
             "npx://@modelcontextprotocol/server-everything@2026.8.31")
  record "${cmd[@]}"
  _tried+=("${cmd[*]}")
  local said
  said=$(HOME="$WORK/thv-home" timeout 60 "${cmd[@]}" </dev/null 2>&1 | grep -i -m 3 -E 'error|runtime|docker|podman' |
    sed -E 's#[a-z]+://[^ ]*#<url>#g' | tr '\n' ' ' || true)
  _reason="thv builds, but it runs every MCP server in a container (Docker, Podman or Colima) and there is no container engine on this machine; thv run said: ${said:-nothing within 60 s}"
}

# --- run --------------------------------------------------------------------------------------
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
# Rounds interleave the proxies, so a slow spell of the machine does not land on one proxy only;
# the report takes the median over rounds.
# BRIDGE_BENCH_PEERS (space-separated) runs only those, without the cold and ToolHive parts;
# with MCP_BRIDGE_BEFORE=<an earlier mcp-bridge binary> the peer mcp-bridge-before is that
# binary with the defaults, for before/after comparisons in one run.
PEER_NAMES=(mcp-bridge mcp-bridge-shared supergateway mcp-proxy-npm mcp-proxy-pypi)
[[ -z ${BRIDGE_BENCH_PEERS:-} ]] || read -r -a PEER_NAMES <<<"$BRIDGE_BENCH_PEERS"
for ((round = 1; round <= ROUNDS; round++)); do
  bench_direct "$round"
  for name in "${PEER_NAMES[@]}"; do
    bench_proxy "$name" "$round"
  done
done
if [[ -z ${BRIDGE_BENCH_PEERS:-} ]]; then
  bench_cold
  bench_toolhive
fi
LOAD_END=$(cut -d' ' -f1 /proc/loadavg)

RUN_END=$(date +%s.%N)

# --- bridge.json -----------------------------------------------------------------------------
export MCP_BRIDGE_BEFORE="${MCP_BRIDGE_BEFORE:-}"
export WORK PEERS BRIDGE REPO_ROOT QUICK ROUNDS RUN_START RUN_END LOAD_START LOAD_END WARMUP WINDOW INIT_COUNT INIT_PAUSE \
  LOAD_TIMEOUT OVERLOAD OVERLOAD_CALLS OVERLOAD_TIMEOUT GUARD_KIB
LEVELS_CSV=$(IFS=,; echo "${LEVELS[*]}")
export LEVELS_CSV
python3 - "$OUT/bridge.json" <<'EOF'
import json, os, subprocess, sys
E = os.environ
work, peers_dir = E["WORK"], E["PEERS"]
levels = [int(c) for c in E["LEVELS_CSV"].split(",")]

def out(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    return (r.stdout + r.stderr).strip().splitlines()[-1]

def pkg(name):
    with open(os.path.join(peers_dir, "node_modules", name, "package.json")) as f:
        return json.load(f)["version"]

def load(path):
    try:
        with open(path) as f:
            return json.load(f) if path.endswith(".json") else f.read().strip()
    except FileNotFoundError:
        return None

def rounds(d, stem, ext):
    """The per-round results <stem>.r<N><ext>, in round order."""
    return [v for v in (load(os.path.join(d, f"{stem}.r{r}{ext}")) for r in range(1, int(E["ROUNDS"]) + 1))
            if v is not None]

bridge_version = out(E["BRIDGE"], "--version").split()[-1]
versions = {
    "mcp-bridge": bridge_version, "mcp-bridge-shared": bridge_version, "mcp-bridge-cold": bridge_version,
    "supergateway": pkg("supergateway"), "mcp-proxy-npm": pkg("mcp-proxy"),
    "mcp-proxy-pypi": out(os.path.join(peers_dir, "venv/bin/mcp-proxy"), "--version").split()[-1],
    "server-everything": pkg("@modelcontextprotocol/server-everything"),
    "node": out("node", "--version"), "python": out(os.path.join(peers_dir, "venv/bin/python"), "--version"),
    "git": out("git", "-C", E["REPO_ROOT"], "describe", "--always", "--dirty"),
}
if E.get("MCP_BRIDGE_BEFORE"):
    versions["mcp-bridge-before"] = out(E["MCP_BRIDGE_BEFORE"], "--version").split()[-1] + " (" + E["MCP_BRIDGE_BEFORE"] + ")"
modes = {
    "mcp-bridge": "a child per session, warm pool of 1 (the defaults)",
    "mcp-bridge-shared": "one child for all sessions (--session-mode shared)",
    "mcp-bridge-before": "an earlier mcp-bridge binary (MCP_BRIDGE_BEFORE), the defaults",
    "supergateway": "a child per session (--stateful); no warm pool",
    "mcp-proxy-npm": "one child for all sessions, started with the proxy; no warm pool",
    "mcp-proxy-pypi": "one child for all sessions, started with the proxy; no warm pool",
    "mcp-bridge-cold": "a child per session, no warm pool (--warm-pool 0); only start-up and time to a session",
}
peers = []
for name in modes:
    d = os.path.join(work, name)
    if not os.path.isdir(d):
        continue
    alive = load(os.path.join(d, "alive_after_overload"))
    peers.append({
        "name": name, "version": versions[name], "mode": modes[name], "status": "ok",
        "command": load(os.path.join(d, "command.txt")),
        "startup": rounds(d, "startup", ".json"),
        "rss_idle_kib": [int(v) for v in rounds(d, "rss_idle_kib", "") if v],
        "init": load(os.path.join(d, "init.json")),
        "load": {str(c): rounds(d, f"load-{c}", ".json") for c in levels if rounds(d, f"load-{c}", ".json")},
        "overload": load(os.path.join(d, "overload.json")),
        "overload_guard": load(os.path.join(d, "guard.json")),
        "alive_after_overload": None if alive is None else alive == "true",
    })
if (toolhive := load(os.path.join(work, "toolhive.json"))) is not None:
    peers.append(toolhive)
direct = os.path.join(work, "direct-stdio")
with open(os.path.join(work, "commands.txt")) as f:
    commands = [l.strip() for l in f if l.strip()]
result = {
    "schema": 1,
    "quick": E["QUICK"] == "1",
    "wall_s": round(float(E["RUN_END"]) - float(E["RUN_START"]), 1),
    "machine": {"nproc": os.cpu_count(), "kernel": os.uname().release,
                "loadavg_start": float(E["LOAD_START"]), "loadavg_end": float(E["LOAD_END"])},
    "settings": {"levels": levels, "rounds": int(E["ROUNDS"]), "warmup_s": float(E["WARMUP"]), "window_s": float(E["WINDOW"]),
                 "init_count": int(E["INIT_COUNT"]), "init_pause_s": float(E["INIT_PAUSE"]),
                 "request_timeout_s": float(E["LOAD_TIMEOUT"]), "overload_sessions": int(E["OVERLOAD"]),
                 "overload_calls": int(E["OVERLOAD_CALLS"]), "overload_timeout_s": float(E["OVERLOAD_TIMEOUT"]),
                 "guard_tree_rss_kib": int(E["GUARD_KIB"])},
    "server": {"name": "@modelcontextprotocol/server-everything", "version": versions["server-everything"],
               "transport": "stdio", "call": "tools/call echo"},
    "versions": versions,
    "direct_stdio": {"init": load(os.path.join(direct, "init.json")),
                     "load": {str(c): rounds(direct, f"load-{c}", ".json") for c in levels}},
    "peers": peers,
    "commands": commands,
}
with open(sys.argv[1], "w") as f:
    json.dump(result, f, indent=1)
print(f"{result['wall_s']}")
EOF
log "wrote $OUT/bridge.json"
