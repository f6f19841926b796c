#!/usr/bin/env bash
# mcp.auth.bridge_is_an_oauth_resource_server: mcp-bridge with --auth-issuer, against a real
# authorization server (Ory Hydra, test/auth/hydra.sh) and the TypeScript SDK's OAuth client:
#   1. the SDK client, given only the MCP URL and client credentials, discovers the metadata,
#      gets a token and calls a tool through a stdio server, an HTTP (--upstream) server and
#      mcp-gateway (an MCPPool's front) in front of that HTTP server;
#   2. the table of bad tokens, each refused with the status and WWW-Authenticate a client can
#      act on (Hydra's tokens for the real cases; tokens minted by test/auth/mint.py against a
#      test JWKS for the claims Hydra will not produce: expired, wrong iss, alg none, ...);
#   3. a key added to the issuer's JWKS is picked up when a token names it (no restart);
#   4. no token or secret reaches the bridge's log.
# Run through test/mcp/run.sh (MCP_PEERS_DIR, MCP_BRIDGE_BIN).
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"
: "${MCP_BRIDGE_BIN:?}" "${MCP_GATEWAY_BIN:?}" "${MCP_PEERS_DIR:?}"

work=$(mktemp -d /tmp/mcp-auth-rs-test.XXXXXX)
export HYDRA_DIR="$work/hydra"
mkdir -p "$HYDRA_DIR" "$work/jwks"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  "$here/hydra.sh" stop || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL $*"; for f in "$work"/*.log; do echo "--- $f"; tail -20 "$f"; done; exit 1; }

read -r p_http p1 p2 p3 p4 pj <<< "$(free_ports 6)"
url1="http://127.0.0.1:$p1/mcp"  # stdio server-everything behind the bridge
url2="http://127.0.0.1:$p2/mcp"  # HTTP server-everything behind the bridge (--upstream)
url3="http://127.0.0.1:$p3/mcp"  # the test issuer's bridge (minted tokens)
url4="http://127.0.0.1:$p4/mcp"  # mcp-gateway with the HTTP server as its one member
test_issuer="https://issuer.test/"

# The test issuer: a JWKS file served on loopback, keys minted with openssl.
"$here/mint.py" key "$work/jwks" main > /dev/null
"$here/mint.py" key "$work/jwks" later > /dev/null
"$here/mint.py" jwks "$work/jwks" main > "$work/jwks/jwks.json"
(cd "$work/jwks" && exec python3 -m http.server "$pj" --bind 127.0.0.1) > "$work/jwks-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$pj/jwks.json" > /dev/null && break; sleep 0.1; done

node_bin="$MCP_PEERS_DIR/node_modules/.bin/node"
everything="$MCP_PEERS_DIR/node_modules/.bin/mcp-server-everything"
PORT=$p_http "$node_bin" "$everything" streamableHttp > "$work/everything-http.log" 2>&1 &
pids+=($!)

"$MCP_BRIDGE_BIN" --port "$p3" --auth-issuer "$test_issuer" --auth-audience "$url3" \
  --auth-jwks-url "http://127.0.0.1:$pj/jwks.json" -- "$node_bin" "$everything" stdio > "$work/bridge3.log" 2>&1 &
pids+=($!)

eval "$("$here/hydra.sh" start "$url1" "$url2" "$url4")"
"$MCP_BRIDGE_BIN" --port "$p1" --auth-issuer "$HYDRA_ISSUER" --auth-audience "$url1" --auth-scope mcp:tools \
  -- "$node_bin" "$everything" stdio > "$work/bridge1.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on port" "$work/everything-http.log" && break; sleep 0.1; done
"$MCP_BRIDGE_BIN" --port "$p2" --auth-issuer "$HYDRA_ISSUER" --auth-audience "$url2" --auth-scope mcp:tools \
  --upstream "http://127.0.0.1:$p_http/mcp" > "$work/bridge2.log" 2>&1 &
pids+=($!)
"$MCP_GATEWAY_BIN" --port "$p4" --auth-issuer "$HYDRA_ISSUER" --auth-audience "$url4" --auth-scope mcp:tools \
  --member "everything=http://127.0.0.1:$p_http/mcp" --conflict-resolution priority > "$work/gateway.log" 2>&1 &
pids+=($!)
for port in "$p1" "$p2" "$p3" "$p4"; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
done

# 1. The SDK client through both bridges: discovery, token, tool call.
for url in "$url1" "$url2" "$url4"; do
  OAUTH_CLIENT_ID=$HYDRA_CLIENT_ID OAUTH_CLIENT_SECRET=$HYDRA_CLIENT_SECRET OAUTH_ISSUER=$HYDRA_ISSUER \
    node "$here/oauth_client.mjs" "$url" echo '{"message":"through the bridge"}' > "$work/out.json" 2> "$work/client.log" ||
    fail "the SDK client did not get through $url"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(r["content"][0]["text"] != "Echo: through the bridge")' \
    "$work/out.json" || fail "unexpected answer through $url: $(cat "$work/out.json")"
  grep -q "authorization_server=$HYDRA_ISSUER resource=$url" "$work/client.log" || fail "the client did not discover $url's metadata"
  echo "ok   SDK client: discovered Hydra from $url alone, got a token, called echo"
done

# token <audience> [scope]: a client_credentials token from Hydra.
token() {
  curl -sf -u "$HYDRA_CLIENT_ID:$HYDRA_CLIENT_SECRET" -d grant_type=client_credentials -d "audience=$1" \
    ${2:+-d "scope=$2"} "$HYDRA_TOKEN_ENDPOINT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
# expect <url> <status> <error or -> <description part or -> [Authorization value]
expect() {
  local url=$1 status=$2 error=$3 says=$4 authz=${5:-}
  local args=(-s -o "$work/body" -D "$work/headers" -w '%{http_code}' -X POST "$url"
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream'
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}')
  [[ -n $authz ]] && args+=(-H "Authorization: $authz")
  local got; got=$(curl "${args[@]}")
  [[ $got == "$status" ]] || fail "$url: expected $status, got $got: $(cat "$work/body")"
  [[ $status == 200 ]] && return 0
  local challenge; challenge=$(grep -i '^www-authenticate:' "$work/headers" | tr -d '\r')
  local base=${url%/mcp}
  [[ $challenge == *"resource_metadata=\"$base/.well-known/oauth-protected-resource/mcp\""* ]] ||
    fail "$url: no resource_metadata in '$challenge'"
  if [[ $error == - ]]; then
    [[ $challenge != *error=* ]] || fail "$url: an error in the challenge to a request without a token: $challenge"
  else
    [[ $challenge == *"error=\"$error\""* ]] || fail "$url: expected error=$error in '$challenge'"
  fi
  [[ $says == - || $challenge == *"$says"* ]] || fail "$url: expected '$says' in '$challenge'"
}

# 2. The table, on the Hydra-backed stdio bridge.
good=$(token "$url1" mcp:tools)
expect "$url1" 200 - - "Bearer $good"
expect "$url1" 401 - 'scope="mcp:tools"'
expect "$url1" 400 invalid_request - "Bearer a b"
expect "$url1" 401 invalid_token "not a JWT" "Bearer not-a-jwt"
expect "$url1" 401 invalid_token "signature verification failed" "Bearer ${good%??????}AAAAAA"
expect "$url1" 401 invalid_token "audience" "Bearer $(token "$url2" mcp:tools)"
expect "$url1" 403 insufficient_scope "mcp:tools" "Bearer $(token "$url1")"
curl -sf "http://127.0.0.1:$p1/.well-known/oauth-protected-resource/mcp" > "$work/meta.json" || fail "no metadata"
python3 - "$work/meta.json" "$url1" "$HYDRA_ISSUER" <<'PY' || fail "metadata: $(cat "$work/meta.json")"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["resource"] == sys.argv[2] and m["authorization_servers"] == [sys.argv[3]], m
assert m["scopes_supported"] == ["mcp:tools"] and m["bearer_methods_supported"] == ["header"], m
PY
echo "ok   Hydra tokens: valid 200; none 401 with resource_metadata and scope; malformed header 400; not a JWT, forged signature, another resource's audience 401 invalid_token; no scope 403 insufficient_scope; metadata names the resource and Hydra"

# 3. Key rotation on the test issuer: a token naming a key added to the JWKS after the bridge
# loaded it is accepted (the unknown kid makes it fetch the JWKS again).
now=$(date +%s)
# claims [JSON]: valid claims for the test issuer's bridge, with JSON's fields replacing them.
claims() {
  python3 -c 'import json,sys; c=dict(iss=sys.argv[1], aud=sys.argv[2], sub="minted", exp=int(sys.argv[3])+300); c.update(json.loads(sys.argv[4])); print(json.dumps(c))' \
    "$test_issuer" "$url3" "$now" "${1:-"{}"}"
}
"$here/mint.py" jwks "$work/jwks" main later > "$work/jwks/jwks.json.new" && mv "$work/jwks/jwks.json.new" "$work/jwks/jwks.json"
grep -q "signing keys loaded from http://127.0.0.1:$pj/jwks.json: 1" "$work/bridge3.log" || fail "bridge3 did not load the first key set"
expect "$url3" 200 - - "Bearer $("$here/mint.py" token "$work/jwks" later "$(claims)")"
grep -q "signing keys loaded from http://127.0.0.1:$pj/jwks.json: 2" "$work/bridge3.log" || fail "bridge3 did not reload the key set"
echo "ok   rotation: a token signed by a key added to the JWKS after start is accepted (refetched on the unknown kid)"

# 4. The rest of the table with minted tokens.
expect "$url3" 200 - - "Bearer $("$here/mint.py" token "$work/jwks" main "$(claims)")"
"$here/mint.py" key "$work/jwks" stranger > /dev/null
expect "$url3" 401 invalid_token "no key stranger" "Bearer $("$here/mint.py" token "$work/jwks" stranger "$(claims)")"
expect "$url3" 401 invalid_token "alg none is not accepted" "Bearer $("$here/mint.py" raw '{"alg":"none","kid":"main"}' "$(claims)" "")"
expect "$url3" 401 invalid_token "alg HS256 is not accepted" "Bearer $("$here/mint.py" raw '{"alg":"HS256","kid":"main"}' "$(claims)" AAAA)"
expect "$url3" 401 invalid_token "issuer" "Bearer $("$here/mint.py" token "$work/jwks" main "$(claims '{"iss":"https://evil.test/"}')")"
expect "$url3" 401 invalid_token "audience" "Bearer $("$here/mint.py" token "$work/jwks" main "$(claims '{"aud":"http://127.0.0.1:1/mcp"}')")"
expect "$url3" 401 invalid_token "expired" "Bearer $("$here/mint.py" token "$work/jwks" main "$(claims "{\"exp\": $((now - 60))}")")"
expect "$url3" 401 invalid_token "not valid yet" "Bearer $("$here/mint.py" token "$work/jwks" main "$(claims "{\"nbf\": $((now + 120))}")")"
echo "ok   minted tokens: unknown kid, alg none, HS256, wrong iss, wrong aud, expired, not yet valid: 401 invalid_token saying which"

# 5. Nothing secret in the logs.
for f in "$work"/bridge*.log "$work/gateway.log"; do
  if grep -qF "$good" "$f" || grep -qF "$HYDRA_CLIENT_SECRET" "$f"; then fail "a token or secret in $f"; fi
done
grep -q "signing keys loaded" "$work/bridge1.log" || fail "bridge1 did not log its keys"
echo "ok   no token or client secret in the bridges' and the gateway's logs"
