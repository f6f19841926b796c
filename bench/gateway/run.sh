#!/usr/bin/env bash
# The gateway benchmark: mcp-gateway against IBM ContextForge and FastMCP's proxy/mount
# composition, side by side on this machine, each in front of the same members and driven by
# the same load generator (build/ci/bench/bridge/mcp-bench-loadgen, Streamable HTTP).
#
#   bench/gateway/run.sh [--quick] --out <dir>      writes <dir>/gateway.json
#   bench/gateway/report.py <dir>                   turns it into <dir>/gateway.md
#
# Members: two instances of @modelcontextprotocol/server-everything in its streamableHttp mode
# (ev1, ev2) on 127.0.0.1, started afresh for every gateway and round, so every gateway meets
# members in the same state. Each gateway exposes both; the load calls ev1's `echo` under the
# name the gateway gives it, found through tools/list (discover.py, which also checks one call).
# The baseline ("direct") is the same load generator calling ev1's `echo` with no gateway, in
# the same round; added latency = gateway p50 - direct p50 of that round.
#
# For every gateway, one after another (never two at once: a 2-core machine): time until it
# serves the members' tools; resident memory of its process tree (the process and its
# descendants; members excluded; RSS and PSS) idle and while 64 sessions are open (sampled every 0.5 s,
# the peak), so per session; tools/call latency and calls/s at 1, 8 and 64 concurrent sessions
# (closed loop, one call in flight per session); the CPU the gateway process spends per call.
# Rounds interleave the gateways; the report takes the median over rounds. A full run takes about
# 12 minutes; --quick runs one short round in 2 to 3 (a third of it ContextForge's start-up, which
# migrates a fresh database), once the peers are installed. Traffic goes to 127.0.0.1
# only; every request and wait is bounded; every process started here is stopped, with its
# children, on exit.
#
# Environment: GATEWAY_BENCH_PEERS="mcp-gateway fastmcp ..." runs only those gateways;
# BUILD_LOCK (default /tmp/mcp-build.lock) serializes the build with other builds on the machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

QUICK=0
OUT=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) QUICK=1 ;;
    --out) OUT=${2:?--out needs a directory}; shift ;;
    *) die "usage: bench/gateway/run.sh [--quick] --out <dir>" ;;
  esac
  shift
done
[[ -n $OUT ]] || die "usage: bench/gateway/run.sh [--quick] --out <dir>"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

HERE="$REPO_ROOT/bench/gateway"
BUILD_DIR="${BUILD_DIR:-$REPO_ROOT/build/ci}"
GATEWAY="$BUILD_DIR/apps/mcp-gateway/mcp-gateway"
LOADGEN="$BUILD_DIR/bench/bridge/mcp-bench-loadgen"
BUILD_LOCK="${BUILD_LOCK:-/tmp/mcp-build.lock}"
MEMBERS=(ev1 ev2)
# The revision the load generator speaks, to the gateways and to the member directly alike: the
# newest handshake revision, which mcp-gateway speaks to its members and the Python SDK under
# ContextForge and FastMCP offers by default (server-everything answers a 2025-11-25 session's
# calls about 2 ms slower than a 2025-06-18 one's, so the direct baseline must speak it too for
# "added latency" to be the gateway's).
REVISION=2025-11-25
TARGET_MEMBER=ev1   # the member whose echo every load calls

LEVELS=(1 8 64)
if [[ $QUICK == 1 ]]; then
  ROUNDS=1; WARMUP=0.3; WINDOW=1; SETTLE=0.5
else
  ROUNDS=3; WARMUP=1; WINDOW=4; SETTLE=2
fi
COUNT_CALLS=$((QUICK ? 1 : 3))  # calls per session when a level falls back to a fixed count
LOAD_TIMEOUT=60     # s, one request (ContextForge at 64 sessions takes tens of seconds a call)
START_TIMEOUT=120   # s, a gateway until it serves the members' tools (ContextForge migrates its database first)

# --- build and peers --------------------------------------------------------------------------
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  log "configuring $BUILD_DIR (cmake --preset ci)"
  (cd "$REPO_ROOT" && flock "$BUILD_LOCK" cmake --preset ci >/dev/null)
fi
log "building mcp-gateway and mcp-bench-loadgen (under $BUILD_LOCK)"
flock "$BUILD_LOCK" cmake --build "$BUILD_DIR" --target mcp-gateway mcp-bench-loadgen >/dev/null

# A Python that ContextForge 1.1.0 accepts (>= 3.12, < 3.14), or nothing.
contextforge_python() {
  local c v
  for c in python3.13 python3.12 "$HOME"/.pyenv/versions/3.13*/bin/python3.13 "$HOME"/.pyenv/versions/3.12*/bin/python3.12; do
    command -v "$c" >/dev/null 2>&1 || [[ -x $c ]] || continue
    v=$("$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    [[ $v == 3.12 || $v == 3.13 ]] && { command -v "$c"; return 0; }
  done
  return 1
}

# Installed like hack/deps.sh peers: a cache dir keyed by the lockfile and requirements, npm and
# pip clients only. ContextForge and FastMCP each get their own venv (their pins differ).
PEERS_KEY=$(cat "$HERE/peers/package-lock.json" "$HERE/peers/contextforge.txt" "$HERE/peers/fastmcp.txt" | sha256sum | cut -c1-16)
PEERS="$MCP_CACHE/bench-gateway-peers-$PEERS_KEY"
if [[ ! -f "$PEERS/.complete" ]]; then
  log "installing the gateway benchmark's peers into $PEERS"
  rm -rf "$PEERS" && mkdir -p "$PEERS"
  cp "$HERE/peers/package.json" "$HERE/peers/package-lock.json" "$PEERS/"
  (cd "$PEERS" && npm ci --no-audit --no-fund --loglevel=error >&2)
  python3 -m venv "$PEERS/venv-fastmcp"
  "$PEERS/venv-fastmcp/bin/python" -m pip install -q --disable-pip-version-check -r "$HERE/peers/fastmcp.txt" >&2
  if CF_PY=$(contextforge_python); then
    "$CF_PY" -m venv "$PEERS/venv-contextforge"
    if ! "$PEERS/venv-contextforge/bin/python" -m pip install -q --disable-pip-version-check \
      -r "$HERE/peers/contextforge.txt" >"$PEERS/contextforge-install.log" 2>&1; then
      echo "pip install -r bench/gateway/peers/contextforge.txt failed with $CF_PY: $(tail -3 "$PEERS/contextforge-install.log" | tr '\n' ' ')" >"$PEERS/contextforge-unavailable"
    fi
  else
    echo "ContextForge 1.1.0 requires Python >= 3.12 and < 3.14; none found on this machine (tried python3.13, python3.12 and pyenv's versions)" >"$PEERS/contextforge-unavailable"
  fi
  touch "$PEERS/.complete"
fi
NODE="$PEERS/node_modules/.bin/node"
EVERYTHING="$PEERS/node_modules/.bin/mcp-server-everything"

WORK=$(mktemp -d /tmp/bench-gateway.XXXXXX)
COMMANDS="$WORK/commands.txt"
: >"$COMMANDS"
STARTED=()  # pids of everything started here that may still run
RUN_START=$(date +%s.%N)

# --- processes ---------------------------------------------------------------------------------
descendants() {  # every process below $1, from one ps snapshot
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2; pids[NR] = $1 }
    END { for (i in pids) { p = pids[i]; q = parent[p]
            while (q != "" && q != 0 && q != 1) { if (q == root) { print p; break }; q = parent[q] } } }'
}
stop_tree() {  # SIGTERM, SIGKILL after 10 s, then any of its descendants still alive
  local pid=$1 kids i k
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do running "$pid" || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for k in $kids; do kill -KILL "$k" 2>/dev/null || true; done
}
stop_all() {
  local pid
  for pid in "${STARTED[@]}"; do stop_tree "$pid"; done
  STARTED=()
}
cleanup() {
  [[ -n ${SAMPLER_PID:-} ]] && kill "$SAMPLER_PID" 2>/dev/null
  stop_all
  # The gateways' and members' logs of the last round, for a failure's cause.
  mkdir -p "$OUT/gateway-logs" && cp "$WORK"/*.log "$OUT/gateway-logs/" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
record() {  # the command line, bearer tokens left out
  local a out=()
  for a in "$@"; do [[ $a == "Authorization: Bearer "* ]] && a="Authorization: Bearer <token>"; out+=("$a"); done
  printf '%q ' "${out[@]}" >>"$COMMANDS"; echo >>"$COMMANDS"
}
tree_rss_kib() {  # RSS of $1 and its descendants, KiB
  local pids; pids=$({ echo "$1"; descendants "$1"; } | paste -sd,)
  ps -o rss= -p "$pids" 2>/dev/null | awk '{s += $1} END {print s + 0}'
}
tree_pss_kib() {  # proportional set size of $1 and its descendants, KiB: pages shared between
  # them (a forked worker's copy-on-write heap, shared libraries) counted once, not per process
  local p
  for p in "$1" $(descendants "$1"); do awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null; done |
    awk '{s += $1} END {print s + 0}'
}
running() {  # $1 alive: neither gone nor a zombie waiting for this shell to reap it
  kill -0 "$1" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}
tree_count() { echo "$1" $(descendants "$1") | wc -w; }

# Samples the tree RSS and PSS of $1 every 0.5 s until killed; writes the peaks to $2.rss and $2.pss.
sampler() {
  local pid=$1 out=$2 peak=0 peak_pss=0 v
  while kill -0 "$pid" 2>/dev/null; do
    v=$(tree_rss_kib "$pid")
    ((v > peak)) && peak=$v && echo "$peak" >"$out.rss"
    v=$(tree_pss_kib "$pid")
    ((v > peak_pss)) && peak_pss=$v && echo "$peak_pss" >"$out.pss"
    sleep 0.5
  done
}

loadgen() {  # loadgen <out.json> <args...>, bounded
  local out=$1; shift
  record "$LOADGEN" "$@"
  timeout --foreground 300 "$LOADGEN" "$@" >"$out"
}

# load_level <out.json> <sessions> <pid> <target args...>: one concurrency level. The calls of a
# measured window are those that start in it, so a gateway whose calls take longer than the
# warm-up plus the window yields too few of them. Such a level is measured with a fixed count of
# calls per session instead, every one measured ("mode": "count" in the JSON; no warm-up, calls/s
# over the elapsed time, no CPU figure): when the previous level's p50 scaled by the rise in
# sessions predicts calls longer than half the window, or when the window run made fewer than
# two calls per session. PREV_P50_MS and PREV_SESSIONS carry the previous level (reset per target).
load_level() {
  local out=$1 c=$2 pid=$3; shift 3
  local ok=-1
  if [[ -z $PREV_P50_MS ]] || python3 -c 'import sys; p, c0, c, w = map(float, sys.argv[1:]); sys.exit(p * c / c0 > w * 500)' \
    "$PREV_P50_MS" "$PREV_SESSIONS" "$c" "$WINDOW"; then
    loadgen "$out" load "$@" --revision "$REVISION" --sessions "$c" --warmup "$WARMUP" --duration "$WINDOW" \
      --settle "$SETTLE" --rss-pid "$pid" --timeout "$LOAD_TIMEOUT" || true
    ok=$(python3 -c 'import json,sys
try: print(json.load(open(sys.argv[1]))["calls"]["outcomes"]["ok"])
except Exception: print(0)' "$out")
  fi
  if ((ok < 2 * c)); then
    log "  calls slower than the window at $c sessions: $COUNT_CALLS measured calls per session instead"
    loadgen "$out" load "$@" --revision "$REVISION" --sessions "$c" --calls "$COUNT_CALLS" --settle "$SETTLE" \
      --rss-pid "$pid" --timeout "$LOAD_TIMEOUT" || true
    python3 -c 'import json,sys
try: d = json.load(open(sys.argv[1]))
except Exception: sys.exit(0)
d.update(mode="count", calls_per_session=int(sys.argv[2]), window_calls_ok=None if sys.argv[3] == "-1" else int(sys.argv[3]))
json.dump(d, open(sys.argv[1], "w"))' "$out" "$COUNT_CALLS" "$ok"
  fi
  PREV_SESSIONS=$c
  PREV_P50_MS=$(python3 -c 'import json,sys
try:
    d = json.load(open(sys.argv[1]))
    print(d["calls"]["ok_ms"]["p50"] if d["calls"]["outcomes"]["ok"] else "")
except Exception: print("")' "$out")
}
PREV_P50_MS=""; PREV_SESSIONS=""

# Starts the members afresh; sets MEMBER_URL[name] and MEMBER_PID[name]. A member whose port was
# taken in the meantime (it reports listening before it binds) is started again on another.
declare -A MEMBER_URL MEMBER_PID
start_member() {
  local m=$1 port log i
  port=$(free_port)
  log="$WORK/member-$m.log"
  record env PORT="$port" "$NODE" "$EVERYTHING" streamableHttp
  PORT=$port "$NODE" "$EVERYTHING" streamableHttp </dev/null >"$log" 2>&1 &
  MEMBER_PID[$m]=$!
  STARTED+=("$!")
  MEMBER_URL[$m]="http://127.0.0.1:$port/mcp"
  for ((i = 0; i < 200; i++)); do
    grep -q 'listening on port' "$log" && break
    running "${MEMBER_PID[$m]}" || return 1
    sleep 0.1
  done
  timeout 30 python3 "$HERE/discover.py" --revision "$REVISION" --url "${MEMBER_URL[$m]}" --wait 10 >/dev/null 2>&1 &&
    running "${MEMBER_PID[$m]}"  # the answer was its own, not another server's on that port
}
start_members() {
  local m try
  for m in "${MEMBERS[@]}"; do
    for try in 1 2 3; do
      start_member "$m" && continue 2
      stop_tree "${MEMBER_PID[$m]}"
    done
    die "member $m does not start: $(tail -3 "$WORK/member-$m.log" | tr '\n' ' ')"
  done
}

# --- the gateways ------------------------------------------------------------------------------
# Each start_<name> starts the gateway in front of the running members and sets GW_PID, GW_URL
# and GW_HEADERS (extra request headers), or sets SKIP_REASON. Start-up ends once discover.py
# found the target member's echo through it.
GW_PID=""; GW_URL=""; GW_HEADERS=(); SKIP_REASON=""

start_mcp-gateway() {
  local port; port=$(free_port)
  mkdir -p "$WORK/keyring"
  head -c 32 /dev/urandom >"$WORK/keyring/k1"
  printf k1 >"$WORK/keyring/current"
  local cmd=("$GATEWAY" --host 127.0.0.1 --port "$port" --keyring-dir "$WORK/keyring")
  local m
  for m in "${MEMBERS[@]}"; do cmd+=(--member "$m=${MEMBER_URL[$m]}"); done
  record "${cmd[@]}"
  echo "${cmd[*]}" >"$DIR/command.txt"
  "${cmd[@]}" </dev/null >"$WORK/mcp-gateway.log" 2>&1 &
  GW_PID=$!
  STARTED+=("$GW_PID")
  GW_URL="http://127.0.0.1:$port/mcp"
  GW_HEADERS=()
}

start_fastmcp() { start_fastmcp_mode; }
start_fastmcp-shared() { start_fastmcp_mode --shared-session; }
start_fastmcp_mode() {
  local port; port=$(free_port)
  local cmd=("$PEERS/venv-fastmcp/bin/python" "$HERE/peers/fastmcp_proxy.py" --port "$port" "$@")
  local m
  for m in "${MEMBERS[@]}"; do cmd+=(--member "$m=${MEMBER_URL[$m]}"); done
  record "${cmd[@]}"
  echo "${cmd[*]}" >"$DIR/command.txt"
  "${cmd[@]}" </dev/null >"$WORK/$NAME.log" 2>&1 &
  GW_PID=$!
  STARTED+=("$GW_PID")
  GW_URL="http://127.0.0.1:$port/mcp"
  GW_HEADERS=()
}

# ContextForge: its CLI (uvicorn, one process) on 127.0.0.1 with a fresh SQLite database, JWT
# auth on (its default): an admin token made with its own create_jwt_token, sent by the load
# generator as a bearer token. Members registered as gateways, one virtual server with all
# their tools. Settings changed from its defaults, and why: secrets and passwords (it refuses
# weak ones), SSRF_ALLOW_LOCALHOST (the members are on loopback), RATE_LIMITING_ENABLED=false
# (100 MCP requests a minute per user otherwise), DB_MAX_OVERFLOW=100 (it caps SQLite's pool at 50
# connections and a call holds one: with the default overflow of 10, 64 concurrent calls wait for
# a connection and fail after 30 s), no admin UI, LOG_LEVEL=ERROR.
start_contextforge() {
  if [[ -f "$PEERS/contextforge-unavailable" ]]; then
    SKIP_REASON=$(cat "$PEERS/contextforge-unavailable")
    return
  fi
  local port; port=$(free_port)
  local dir="$WORK/contextforge"
  rm -rf "$dir" && mkdir -p "$dir"
  rnd() { head -c 32 /dev/urandom | base64 | tr -d '=+/\n'; }
  local env=(DATABASE_URL="sqlite:///$dir/mcp.db" JWT_SECRET_KEY="$(rnd)" AUTH_ENCRYPTION_SECRET="$(rnd)"
    PLATFORM_ADMIN_EMAIL=admin@example.com PLATFORM_ADMIN_PASSWORD="$(rnd)Aa1!" BASIC_AUTH_PASSWORD="$(rnd)Aa1!"
    DEFAULT_USER_PASSWORD="$(rnd)Aa1!" SSRF_ALLOW_LOCALHOST=true RATE_LIMITING_ENABLED=false DB_MAX_OVERFLOW=100
    MCPGATEWAY_UI_ENABLED=false MCPGATEWAY_ADMIN_API_ENABLED=false LOG_LEVEL=ERROR HOST=127.0.0.1 PORT="$port")
  local cmd=("$PEERS/venv-contextforge/bin/mcpgateway" --host 127.0.0.1 --port "$port")
  record env "DATABASE_URL=sqlite:///$dir/mcp.db" "JWT_SECRET_KEY=<random>" "(passwords: <random>)" \
    SSRF_ALLOW_LOCALHOST=true RATE_LIMITING_ENABLED=false DB_MAX_OVERFLOW=100 MCPGATEWAY_UI_ENABLED=false LOG_LEVEL=ERROR "${cmd[@]}"
  echo "${cmd[*]}" >"$DIR/command.txt"
  (cd "$dir" && exec env "${env[@]}" "${cmd[@]}") </dev/null >"$WORK/contextforge.log" 2>&1 &
  GW_PID=$!
  STARTED+=("$GW_PID")
  local i
  for ((i = 0; i < START_TIMEOUT * 4; i++)); do
    curl -sf -m 2 "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    running "$GW_PID" || { SKIP_REASON="mcpgateway exited: $(tail -3 "$WORK/contextforge.log" | tr '\n' ' ')"; return; }
    sleep 0.25
  done
  local secret token setup
  secret=$(printf '%s\n' "${env[@]}" | sed -n 's/^JWT_SECRET_KEY=//p')
  token=$(cd "$dir" && env "${env[@]}" timeout 60 "$PEERS/venv-contextforge/bin/python" -m mcpgateway.utils.create_jwt_token \
    -u admin@example.com --admin -e 600 -s "$secret" 2>/dev/null | tail -1)
  record "$PEERS/venv-contextforge/bin/python" -m mcpgateway.utils.create_jwt_token -u admin@example.com --admin -e 600 -s "<JWT_SECRET_KEY>"
  local margs=() m
  for m in "${MEMBERS[@]}"; do margs+=(--member "$m=${MEMBER_URL[$m]}"); done
  record "$HERE/peers/contextforge_setup.py" --base "http://127.0.0.1:$port" "${margs[@]}"
  setup=$(CF_TOKEN=$token timeout 120 python3 "$HERE/peers/contextforge_setup.py" --base "http://127.0.0.1:$port" "${margs[@]}") ||
    { SKIP_REASON="registering the members failed: $setup"; return; }
  GW_URL=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$setup")
  GW_HEADERS=(--header "Authorization: Bearer $token")
}

# One gateway through one round; results in $WORK/<name>/, one file per round.
bench_gateway() {
  NAME=$1
  local round=$2 c
  DIR="$WORK/$NAME"
  mkdir -p "$DIR"
  log "$NAME (round $round/$ROUNDS): members, start-up"
  start_members
  # A gateway that exits before it serves (a port taken between free_port and its bind) is
  # started again, at most three times; one that runs but does not serve is not.
  local t0 found try
  for try in 1 2 3; do
    GW_PID=""; GW_URL=""; GW_HEADERS=(); SKIP_REASON=""
    t0=$(date +%s.%N)
    "start_$NAME"
    if [[ -z $SKIP_REASON ]] && found=$(timeout $((START_TIMEOUT + 30)) python3 "$HERE/discover.py" \
      --revision "$REVISION" --url "$GW_URL" --member "$TARGET_MEMBER" --wait "$START_TIMEOUT" --pid "$GW_PID" \
      "${GW_HEADERS[@]}" 2>&1); then
      break
    fi
    [[ -z $SKIP_REASON ]] && SKIP_REASON="no usable tool through it: $found; its log: $(tail -5 "$WORK/$NAME.log" 2>/dev/null | tr '\n' ' ')"
    if [[ -n $GW_PID ]] && ! running "$GW_PID" && ((try < 3)); then
      log "$NAME exited before serving (try $try): $SKIP_REASON"
      stop_tree "$GW_PID"
      continue
    fi
    echo "$SKIP_REASON" >"$DIR/skip.r$round"
    log "$NAME: could not run: $SKIP_REASON"
    stop_all
    return
  done
  python3 -c 'import json,sys,time; d=json.loads(sys.argv[1]); d["ready_s"]=round(time.time()-float(sys.argv[2]),2); print(json.dumps(d))' \
    "$found" "$t0" >"$DIR/discover.r$round.json"
  local tool; tool=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tool"])' "$DIR/discover.r$round.json")
  sleep "$SETTLE"
  tree_rss_kib "$GW_PID" >"$DIR/rss_idle_kib.r$round"
  tree_pss_kib "$GW_PID" >"$DIR/pss_idle_kib.r$round"
  tree_count "$GW_PID" >"$DIR/processes.r$round"
  PREV_P50_MS=""; PREV_SESSIONS=""
  for c in "${LEVELS[@]}"; do
    log "$NAME (round $round/$ROUNDS): $c concurrent sessions, tools/call $tool"
    if ((c == LEVELS[-1])); then
      sampler "$GW_PID" "$DIR/peak_kib.r$round" &
      SAMPLER_PID=$!
    fi
    load_level "$DIR/load-$c.r$round.json" "$c" "$GW_PID" --url "$GW_URL" --tool "$tool" "${GW_HEADERS[@]}"
    if [[ -n ${SAMPLER_PID:-} ]]; then
      kill "$SAMPLER_PID" 2>/dev/null || true
      wait "$SAMPLER_PID" 2>/dev/null || true
      SAMPLER_PID=""
    fi
  done
  stop_all
}

# The same load straight at member ev1: the baseline of the round.
bench_direct() {
  local round=$1 c dir="$WORK/direct"
  mkdir -p "$dir"
  start_members
  PREV_P50_MS=""; PREV_SESSIONS=""
  for c in "${LEVELS[@]}"; do
    log "direct (round $round/$ROUNDS): $c concurrent sessions on member $TARGET_MEMBER"
    load_level "$dir/load-$c.r$round.json" "$c" "${MEMBER_PID[$TARGET_MEMBER]}" --url "${MEMBER_URL[$TARGET_MEMBER]}" --tool echo
  done
  stop_all
}

# --- run --------------------------------------------------------------------------------------
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
NAMES=(mcp-gateway contextforge fastmcp fastmcp-shared)
[[ -z ${GATEWAY_BENCH_PEERS:-} ]] || read -r -a NAMES <<<"$GATEWAY_BENCH_PEERS"
for ((round = 1; round <= ROUNDS; round++)); do
  bench_direct "$round"
  for name in "${NAMES[@]}"; do
    bench_gateway "$name" "$round"
  done
done
LOAD_END=$(cut -d' ' -f1 /proc/loadavg)
RUN_END=$(date +%s.%N)

# --- gateway.json ------------------------------------------------------------------------------
LEVELS_CSV=$(IFS=,; echo "${LEVELS[*]}")
NAMES_CSV=$(IFS=,; echo "${NAMES[*]}")
export WORK PEERS GATEWAY REPO_ROOT QUICK ROUNDS RUN_START RUN_END LOAD_START LOAD_END WARMUP WINDOW SETTLE \
  LOAD_TIMEOUT LEVELS_CSV NAMES_CSV TARGET_MEMBER REVISION
python3 - "$OUT/gateway.json" <<'EOF'
import json, os, subprocess, sys
E = os.environ
work, peers = E["WORK"], E["PEERS"]
levels = [int(c) for c in E["LEVELS_CSV"].split(",")]
rounds_n = int(E["ROUNDS"])

def out(*cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (r.stdout + r.stderr).strip().splitlines()[-1]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"

def pkg(name):
    with open(os.path.join(peers, "node_modules", name, "package.json")) as f:
        return json.load(f)["version"]

def pip_version(venv, name):
    return out(os.path.join(peers, venv, "bin/python"), "-c", f"import importlib.metadata as m; print(m.version({name!r}))")

def load(path):
    try:
        with open(path) as f:
            return json.load(f) if path.endswith(".json") else f.read().strip()
    except (FileNotFoundError, ValueError):  # absent, or a load generator that failed (empty)
        return None

def rounds(d, stem, ext):
    return [load(os.path.join(d, f"{stem}.r{r}{ext}")) for r in range(1, rounds_n + 1)]

versions = {
    "mcp-gateway": out(E["GATEWAY"], "--version").split()[-1],
    "server-everything": pkg("@modelcontextprotocol/server-everything"),
    "node": out(os.path.join(peers, "node_modules/.bin/node"), "--version"),
    "git": out("git", "-C", E["REPO_ROOT"], "describe", "--always", "--dirty"),
}
versions["fastmcp"] = versions["fastmcp-shared"] = pip_version("venv-fastmcp", "fastmcp")
versions["python (FastMCP)"] = out(os.path.join(peers, "venv-fastmcp/bin/python"), "--version")
if os.path.exists(os.path.join(peers, "venv-contextforge/bin/python")):
    versions["contextforge"] = pip_version("venv-contextforge", "mcp-contextforge-gateway")
    versions["python (ContextForge)"] = out(os.path.join(peers, "venv-contextforge/bin/python"), "--version")
else:
    versions["contextforge"] = "1.1.0 (pinned; not installed)"
modes = {
    "mcp-gateway": "C++, one process; an upstream session per member for each client session, sealed session ids (--keyring-dir)",
    "contextforge": "Python (uvicorn, one worker), SQLite; members registered as gateways, one virtual server; JWT bearer auth (its default)",
    "fastmcp": "Python; create_proxy(url) of each member mounted under its name (FastMCP's default: a fresh upstream session per forwarded request)",
    "fastmcp-shared": "Python; the same composition, each proxy on one connected Client (one upstream session per member shared by all clients)",
}
peers_out = []
for name in E["NAMES_CSV"].split(","):
    d = os.path.join(work, name)
    skips = [s for s in rounds(d, "skip", "") if s]
    entry = {"name": name, "version": versions.get(name, "?"), "mode": modes.get(name, ""),
             "command": load(os.path.join(d, "command.txt"))}
    loads = {str(c): [r for r in rounds(d, f"load-{c}", ".json") if r] for c in levels}
    if skips and not any(loads.values()):
        entry.update(status="could not run", reason=skips[0])
    else:
        entry.update(status="ok", skipped_rounds=skips,
                     discover=rounds(d, "discover", ".json"),
                     rss_idle_tree_kib=[int(v) if v else None for v in rounds(d, "rss_idle_kib", "")],
                     rss_peak_tree_kib=[int(v) if v else None for v in rounds(d, "peak_kib", ".rss")],
                     pss_idle_tree_kib=[int(v) if v else None for v in rounds(d, "pss_idle_kib", "")],
                     pss_peak_tree_kib=[int(v) if v else None for v in rounds(d, "peak_kib", ".pss")],
                     processes=[int(v) if v else None for v in rounds(d, "processes", "")],
                     load={k: rounds(d, f"load-{k}", ".json") for k in loads})
    peers_out.append(entry)
with open(os.path.join(work, "commands.txt")) as f:
    commands = [l.strip() for l in f if l.strip()]
result = {
    "schema": 1,
    "quick": E["QUICK"] == "1",
    "wall_s": round(float(E["RUN_END"]) - float(E["RUN_START"]), 1),
    "machine": {"nproc": os.cpu_count(), "kernel": os.uname().release,
                "loadavg_start": float(E["LOAD_START"]), "loadavg_end": float(E["LOAD_END"])},
    "settings": {"levels": levels, "rounds": rounds_n, "warmup_s": float(E["WARMUP"]), "window_s": float(E["WINDOW"]),
                 "settle_s": float(E["SETTLE"]), "request_timeout_s": float(E["LOAD_TIMEOUT"]),
                 "revision": E["REVISION"]},
    "members": {"names": ["ev1", "ev2"], "server": "@modelcontextprotocol/server-everything",
                "version": versions["server-everything"], "transport": "streamableHttp",
                "called": f"{E['TARGET_MEMBER']}: tools/call echo"},
    "versions": versions,
    "direct": {"load": {str(c): rounds(os.path.join(work, "direct"), f"load-{c}", ".json") for c in levels}},
    "peers": peers_out,
    "commands": commands,
}
with open(sys.argv[1], "w") as f:
    json.dump(result, f, indent=1)
EOF
log "wrote $OUT/gateway.json"
