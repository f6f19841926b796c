#!/usr/bin/env python3
"""Mints JWTs and a JWKS with the openssl CLI, for the bad-token table of
resource_server_test.sh: a test issuer whose claims the test chooses (expired, wrong iss, ...),
so every refusal is checked against the real mcp-bridge.

  mint.py key DIR KID             RSA 2048 key DIR/KID.pem; prints its JWK (JSON)
  mint.py jwks DIR KID...         prints {"keys": [JWK of each]}
  mint.py token DIR KID CLAIMS    prints an RS256 JWT over CLAIMS (JSON); KID "-" omits kid
  mint.py raw HEADER CLAIMS SIG   prints b64(HEADER).b64(CLAIMS).SIG (alg none, HS256, ...)
"""
import base64, json, subprocess, sys


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(path: str, kid: str) -> dict:
    mod = subprocess.run(["openssl", "rsa", "-in", path, "-noout", "-modulus"], check=True,
                         capture_output=True, text=True).stdout.strip().split("=", 1)[1]
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": b64(bytes.fromhex(mod)), "e": b64((65537).to_bytes(3, "big"))}


def main() -> None:
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "key":
        path = f"{args[0]}/{args[1]}.pem"
        subprocess.run(["openssl", "genrsa", "-out", path, "2048"], check=True, capture_output=True)
        print(json.dumps(jwk(path, args[1])))
    elif cmd == "jwks":
        print(json.dumps({"keys": [jwk(f"{args[0]}/{k}.pem", k) for k in args[1:]]}))
    elif cmd == "token":
        header = {"alg": "RS256", "typ": "JWT"}
        if args[1] != "-":
            header["kid"] = args[1]
        signing_input = b64(json.dumps(header).encode()) + "." + b64(args[2].encode())
        key = f"{args[0]}/{args[1] if args[1] != '-' else 'main'}.pem"
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input.encode(),
                             check=True, capture_output=True).stdout
        print(signing_input + "." + b64(sig))
    elif cmd == "raw":
        print(b64(args[0].encode()) + "." + b64(args[1].encode()) + "." + args[2])
    else:
        sys.exit(f"unknown command {cmd}")


main()
