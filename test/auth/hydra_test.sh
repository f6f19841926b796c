#!/usr/bin/env bash
# mcp.auth.hydra_issues_jwt_access_tokens: the test tier's authorization server (hydra.sh)
# issues, by client_credentials, a JWT access token a resource server can verify: `iss` = the
# issuer, `aud` = the requested resource URI, `scope`, a future `exp`, and an RS256 signature by
# a key in the JWKS found through the issuer's discovery document. Also pins what the resource
# server must not rely on (Hydra ignores RFC 8707 `resource`: such a token has no audience) and
# that audiences and secrets are enforced. Stopping leaves no process and no listener behind.
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"
HYDRA_SH="$(dirname "$0")/hydra.sh"

HYDRA_DIR=$(mktemp -d /tmp/mcp-hydra-test.XXXXXX)
export HYDRA_DIR HYDRA_ACCESS_TOKEN_TTL=5m
trap '"$HYDRA_SH" stop; rm -rf "$HYDRA_DIR"' EXIT

resource="http://127.0.0.1:$(free_ports 1)/mcp"
eval "$("$HYDRA_SH" start "$resource")"
pid=$(cat "$HYDRA_DIR/hydra.pid")

# token <extra curl args...>: the token endpoint's answer (JSON) for client_credentials; the
# secret goes through a curl config on stdin, not argv.
token() {
  printf 'user = "%s:%s"\n' "$HYDRA_CLIENT_ID" "$HYDRA_CLIENT_SECRET" |
    curl -sS --max-time 10 -K - -d grant_type=client_credentials "$@" "$HYDRA_TOKEN_ENDPOINT"
}

token -d scope=mcp:tools -d "audience=$resource" > "$HYDRA_DIR/good.json"
token -d scope=mcp:tools -d "resource=$resource" > "$HYDRA_DIR/resource_only.json"
token -d "audience=${resource%/mcp}/other" -w '\n%{http_code}\n' > "$HYDRA_DIR/other_audience.txt"
printf 'user = "%s:wrong"\n' "$HYDRA_CLIENT_ID" |
  curl -sS --max-time 10 -K - -d grant_type=client_credentials -o /dev/null -w '%{http_code}\n' \
    "$HYDRA_TOKEN_ENDPOINT" > "$HYDRA_DIR/wrong_secret.txt"

python3 - "$HYDRA_DIR" "$resource" <<'PY'
import base64, hashlib, json, os, sys, time, urllib.request

d, resource = sys.argv[1], sys.argv[2]
issuer, client_id = os.environ["HYDRA_ISSUER"], os.environ["HYDRA_CLIENT_ID"]
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)

def b64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def claims(answer):
    if "access_token" not in answer:
        sys.exit(f"FAIL no token: {answer.get('error')}: {answer.get('error_description')}")
    parts = answer["access_token"].split(".")
    return json.loads(b64(parts[0])), json.loads(b64(parts[1])), parts

def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)

good = json.load(open(f"{d}/good.json"))
check("access_token" in good and good.get("token_type", "").lower() == "bearer", "client_credentials answers a bearer token")
header, payload, parts = claims(good)
check(len(parts) == 3 and header.get("alg") == "RS256" and header.get("kid"), f"the token is a JWT signed RS256 with a kid (header {header})")
check(payload.get("iss") == issuer, f"iss is the issuer {issuer} (got {payload.get('iss')})")
check(payload.get("aud") == [resource], f"aud is the requested audience [{resource}] (got {payload.get('aud')})")
check(payload.get("scope") == "mcp:tools", f"scope is 'mcp:tools' (got {payload.get('scope')!r})")
check(payload.get("sub") == client_id and payload.get("client_id") == client_id, "sub and client_id are the client's id")
now = time.time()
check(now < payload.get("exp", 0) <= now + 300 + 5, f"exp is in the future, within the 5m TTL (exp - now = {payload.get('exp', 0) - now:.0f} s)")
check(payload.get("nbf", now + 1) <= now + 1, "nbf is not in the future")

# The signing key, through discovery as a resource server finds it.
discovery = get(f"{issuer}.well-known/openid-configuration")
check(discovery.get("issuer") == issuer, "the discovery document names the same issuer")
jwks = get(discovery["jwks_uri"])
key = next((k for k in jwks["keys"] if k.get("kid") == header.get("kid")), None)
check(key is not None and key.get("kty") == "RSA", f"the JWKS at {discovery['jwks_uri']} has the token's kid")
if key:
    # RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 section 8.2.2), in plain integers.
    n, e = (int.from_bytes(b64(key[x]), "big") for x in ("n", "e"))
    size = (n.bit_length() + 7) // 8
    em = pow(int.from_bytes(b64(parts[2]), "big"), e, n).to_bytes(size, "big")
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(f"{parts[0]}.{parts[1]}".encode()).digest()
    expected = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
    check(em == expected, "the signature verifies with that key")

# What a resource server must not count on, and what Hydra enforces.
_, only_resource, _ = claims(json.load(open(f"{d}/resource_only.json")))
check(only_resource.get("aud") == [], f"RFC 8707 resource alone gives no audience (Hydra ignores it; got {only_resource.get('aud')})")
body, status = open(f"{d}/other_audience.txt").read().rsplit("\n", 2)[:2]
check(status == "400" and "has not been whitelisted" in body, f"an audience the client is not registered for is refused (HTTP {status})")
status = open(f"{d}/wrong_secret.txt").read().strip()
check(status == "401", f"a wrong client secret is refused (HTTP {status})")
if failures:
    sys.exit(f"{len(failures)} check(s) failed")
PY

# No token or secret in Hydra's log.
access=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$HYDRA_DIR/good.json")
if grep -qF -e "$HYDRA_CLIENT_SECRET" -e "$access" "$HYDRA_DIR/hydra.log"; then
  echo "FAIL the log holds the client secret or the token" && exit 1
fi
echo "ok   the log holds neither the client secret nor the token"

public_port=$(cut -d' ' -f1 "$HYDRA_DIR/ports")
"$HYDRA_SH" stop
if [[ -d /proc/$pid ]] && [[ $(cut -d' ' -f3 "/proc/$pid/stat") != Z ]]; then
  echo "FAIL hydra (pid $pid) still runs after stop" && exit 1
fi
if curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$public_port/health/alive"; then
  echo "FAIL something still listens on the issuer's port after stop" && exit 1
fi
echo "ok   stop ends hydra and frees its ports"
