#!/usr/bin/env bash
# mcp.auth.ts_client_discovers_hydra_and_calls_a_tool: test/auth/oauth_client.mjs, given only
# the MCP URL and a client id/secret, finds Hydra through the resource server's 401 and
# metadata, gets a token by client_credentials and calls a tool; the resource server here is
# the SDK's own (fixtures/resource_server.mjs), which checks signature, iss, aud, scope and exp.
# A client that Hydra will not give this audience fails with Hydra's reason. Run through
# test/mcp/run.sh (MCP_PEERS_DIR).
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"

HYDRA_DIR=$(mktemp -d /tmp/mcp-oauth-client-test.XXXXXX)
export HYDRA_DIR
rs_pid=""
cleanup() {
  if [[ -n $rs_pid ]]; then kill "$rs_pid" 2>/dev/null || true; wait "$rs_pid" 2>/dev/null || true; fi
  "$here/hydra.sh" stop
  rm -rf "$HYDRA_DIR"
}
trap cleanup EXIT

port=$(free_ports 1)
url="http://127.0.0.1:$port/mcp"
eval "$("$here/hydra.sh" start "$url")"
node "$here/fixtures/resource_server.mjs" "$HYDRA_ISSUER" "$port" mcp:tools > "$HYDRA_DIR/rs.log" 2>&1 &
rs_pid=$!
for _ in $(seq 100); do
  grep -q '^listening' "$HYDRA_DIR/rs.log" && break
  kill -0 "$rs_pid" 2>/dev/null || { cat "$HYDRA_DIR/rs.log"; echo "FAIL the resource server exited"; exit 1; }
  sleep 0.1
done

# call <client id> <secret>: runs the client; its stdout in out.json, stderr in err.txt.
call() {
  OAUTH_CLIENT_ID=$1 OAUTH_CLIENT_SECRET=$2 OAUTH_ISSUER=$HYDRA_ISSUER \
    node "$here/oauth_client.mjs" "$url" echo '{"message":"through hydra"}' > "$HYDRA_DIR/out.json" 2> "$HYDRA_DIR/err.txt"
}

if ! call "$HYDRA_CLIENT_ID" "$HYDRA_CLIENT_SECRET"; then
  cat "$HYDRA_DIR/err.txt"; echo "FAIL the client did not get through"; exit 1
fi
expected="through hydra (caller $HYDRA_CLIENT_ID)"
if ! python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(r["content"][0]["text"] != sys.argv[2])' \
    "$HYDRA_DIR/out.json" "$expected"; then
  cat "$HYDRA_DIR/out.json"; echo "FAIL the tool's answer is not '$expected'"; exit 1
fi
grep -q "authorization_server=$HYDRA_ISSUER resource=$url token_scope=\"mcp:tools\"" "$HYDRA_DIR/err.txt" ||
  { cat "$HYDRA_DIR/err.txt"; echo "FAIL the client did not report what it discovered"; exit 1; }
echo "ok   the client discovered $HYDRA_ISSUER from $url, got a mcp:tools token and called echo"

# A client registered for no audience: Hydra refuses the token request, the client says why.
eval "$("$here/hydra.sh" client)"
if call "$HYDRA_CLIENT_ID" "$HYDRA_CLIENT_SECRET"; then
  echo "FAIL a client without this audience got through"; exit 1
fi
grep -q "has not been whitelisted" "$HYDRA_DIR/err.txt" ||
  { cat "$HYDRA_DIR/err.txt"; echo "FAIL the refusal does not give Hydra's reason"; exit 1; }
echo "ok   a client Hydra does not give this audience exits 1 with the reason"
if grep -qF "$HYDRA_CLIENT_SECRET" "$HYDRA_DIR/err.txt" "$HYDRA_DIR/rs.log"; then
  echo "FAIL the secret was printed"; exit 1
fi
