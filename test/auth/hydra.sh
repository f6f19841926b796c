#!/usr/bin/env bash
# A real OAuth 2.1 authorization server for the test tier: Ory Hydra (tools/hydra, built by
# hack/build-tools.sh hydra) on 127.0.0.1, in memory, issuing JWT access tokens.
#
#   test/auth/hydra.sh start [AUDIENCE...]   start Hydra and register one client_credentials
#                                            client allowed to ask for AUDIENCE(s); prints
#                                            `export` lines (as `env` does)
#   test/auth/hydra.sh client [AUDIENCE...]  register one more client (other audiences); prints
#                                            its `export` lines (HYDRA_CLIENT_ID/SECRET)
#   test/auth/hydra.sh env                   the `export` lines of the running server and its
#                                            first client
#   test/auth/hydra.sh stop                  stop Hydra and wait for it to exit
#
# State (config, pid, client credentials, hydra.log) lives in $HYDRA_DIR (default
# $MCP_CACHE/hydra); give each concurrent user its own. Settings: HYDRA_SCOPE (the scope the
# client may ask for, default "mcp:tools"), HYDRA_ACCESS_TOKEN_TTL (default 1h), HYDRA_BIN.
#
# What a token's claims are (Hydra v2.3.0, fosite v0.49.0), for client_credentials:
#   iss    HYDRA_ISSUER, "http://127.0.0.1:PORT/" (with the trailing slash, as configured)
#   sub    the client id (there is no user); client_id the same
#   aud    exactly the `audience` form values of the token request (repeated, or one
#          space-separated value) that the client is allowed (registered audiences; a
#          requested one matches a registered one with the same scheme and host:port and the
#          same path or a sub-path); [] when the request names none. Hydra ignores RFC 8707's
#          `resource` parameter altogether, so a client that sends only `resource` (the MCP
#          SDKs do) gets a token with no audience: send `audience=<resource URI>` as well.
#   scope  the requested scopes the client is allowed, as a space-separated string (`scope`,
#          RFC 9068) and as a list (`scp`, Hydra's default); none are granted when the request
#          names none (oauth2.client_credentials.default_grant_allowed_scope stays off).
#   exp    iat + HYDRA_ACCESS_TOKEN_TTL; header: alg RS256, typ JWT, kid of a key in the JWKS.
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"

HYDRA_DIR="${HYDRA_DIR:-$MCP_CACHE/hydra}"
HYDRA_BIN="${HYDRA_BIN:-$TOOLS_BIN/hydra}"
HYDRA_SCOPE="${HYDRA_SCOPE:-mcp:tools}"
HYDRA_ACCESS_TOKEN_TTL="${HYDRA_ACCESS_TOKEN_TTL:-1h}"

# alive <pid>: the process exists and is not a zombie (start's own child is one until reaped).
alive() { [[ -r /proc/$1/stat ]] && [[ $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) != Z ]]; }
running() { [[ -f "$HYDRA_DIR/hydra.pid" ]] && alive "$(cat "$HYDRA_DIR/hydra.pid")"; }
ports() { cat "$HYDRA_DIR/ports"; }  # "<public> <admin>"

# create_client <file> [audience...]: registers a confidential client for client_credentials
# through the admin API and keeps Hydra's answer (id and generated secret) in <file>, mode 600.
create_client() {
  local out=$1; shift
  local admin; admin=$(ports | cut -d' ' -f2)
  local body
  body=$(python3 - "$HYDRA_SCOPE" "$@" <<'PY'
import json, sys
print(json.dumps({
    "client_name": "mcp-test-client",
    "grant_types": ["client_credentials"],
    "response_types": ["token"],
    "token_endpoint_auth_method": "client_secret_basic",
    "scope": sys.argv[1],
    "audience": sys.argv[2:],
    "access_token_strategy": "jwt",
}))
PY
)
  (umask 077 && curl -fsS --max-time 10 -H 'Content-Type: application/json' -d "$body" \
    "http://127.0.0.1:$admin/admin/clients" > "$out.tmp")
  mv "$out.tmp" "$out"
}

# exports_of <client file>: `export` lines for one client.
client_exports() {
  python3 - "$1" <<'PY'
import json, shlex, sys
c = json.load(open(sys.argv[1]))
print(f"export HYDRA_CLIENT_ID={shlex.quote(c['client_id'])}")
print(f"export HYDRA_CLIENT_SECRET={shlex.quote(c['client_secret'])}")
print(f"export HYDRA_CLIENT_AUDIENCE={shlex.quote(' '.join(c.get('audience') or []))}")
print(f"export HYDRA_CLIENT_SCOPE={shlex.quote(c.get('scope', ''))}")
PY
}

cmd_env() {
  running || die "Hydra is not running (state in $HYDRA_DIR)"
  local pub admin; read -r pub admin < "$HYDRA_DIR/ports"
  local issuer="http://127.0.0.1:$pub/"
  echo "export HYDRA_DIR=$HYDRA_DIR"
  echo "export HYDRA_ISSUER=$issuer"
  echo "export HYDRA_ADMIN_URL=http://127.0.0.1:$admin"
  echo "export HYDRA_TOKEN_ENDPOINT=${issuer}oauth2/token"
  echo "export HYDRA_JWKS_URI=${issuer}.well-known/jwks.json"
  client_exports "$HYDRA_DIR/client.json"
}

cmd_start() {
  [[ -x $HYDRA_BIN ]] || die "no Hydra at $HYDRA_BIN: run 'hack/build-tools.sh hydra' (or 'make deps')"
  running && die "Hydra already runs (pid $(cat "$HYDRA_DIR/hydra.pid"), state in $HYDRA_DIR)"
  mkdir -p "$HYDRA_DIR"
  chmod 700 "$HYDRA_DIR"
  local pub admin; read -r pub admin < <(free_ports 2)
  echo "$pub $admin" > "$HYDRA_DIR/ports"
  local secret; secret=$(openssl rand -hex 24)
  (umask 077 && cat > "$HYDRA_DIR/hydra.yaml" <<EOF
# Written by test/auth/hydra.sh for one test run.
dsn: memory
serve:
  public: {host: 127.0.0.1, port: $pub}
  admin: {host: 127.0.0.1, port: $admin}
urls:
  self: {issuer: "http://127.0.0.1:$pub/"}
strategies:
  access_token: jwt
  jwt: {scope_claim: both}
ttl:
  access_token: $HYDRA_ACCESS_TOKEN_TTL
secrets:
  system: ["$secret"]
log:
  level: info
  format: json
  leak_sensitive_values: false
EOF
  )
  # --dev: the issuer is plain http on loopback (Hydra refuses a non-HTTPS issuer and serves
  # without TLS only in dev mode); nothing leaves 127.0.0.1. --sqa-opt-out: no telemetry.
  # setsid: its own process group, so stop reaches everything it started.
  setsid "$HYDRA_BIN" serve all --dev --sqa-opt-out -c "$HYDRA_DIR/hydra.yaml" \
    > "$HYDRA_DIR/hydra.log" 2>&1 < /dev/null &
  echo $! > "$HYDRA_DIR/hydra.pid"
  local deadline=$((SECONDS + 60))
  until curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$admin/health/ready" 2>/dev/null; do
    if ! running; then
      tail -n 20 "$HYDRA_DIR/hydra.log" >&2
      die "Hydra exited while starting (log: $HYDRA_DIR/hydra.log)"
    fi
    if ((SECONDS > deadline)); then
      cmd_stop
      die "Hydra not ready after 60s (log: $HYDRA_DIR/hydra.log)"
    fi
    sleep 0.2
  done
  if ! create_client "$HYDRA_DIR/client.json" "$@"; then
    cmd_stop
    die "Hydra refused the client registration (log: $HYDRA_DIR/hydra.log)"
  fi
  log "hydra ready: issuer http://127.0.0.1:$pub/ admin :$admin (log: $HYDRA_DIR/hydra.log)"
  cmd_env
}

cmd_client() {
  running || die "Hydra is not running (state in $HYDRA_DIR)"
  local f; f=$(mktemp "$HYDRA_DIR/client-XXXXXX.json")
  create_client "$f" "$@"
  client_exports "$f"
}

cmd_stop() {
  [[ -f "$HYDRA_DIR/hydra.pid" ]] || return 0
  local pid; pid=$(cat "$HYDRA_DIR/hydra.pid")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  while alive "$pid"; do sleep 0.1; done
  rm -f "$HYDRA_DIR/hydra.pid"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  client) shift; cmd_client "$@" ;;
  env) cmd_env ;;
  stop) cmd_stop ;;
  *) die "usage: $0 start [AUDIENCE...] | client [AUDIENCE...] | env | stop" ;;
esac
