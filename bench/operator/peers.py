#!/usr/bin/env python3
"""Builds the peer operators pinned in bench/operator/peers.env and says which could be built.

Each peer is built with the `go` client only, from its Go module at the pinned version:
`go mod download -json MODULE@VERSION` (its source, and so its CRDs, land in the Go module
cache), then `GOBIN=<cache>/bin go install PACKAGE@VERSION`. The binary is cached in
$MCP_CACHE/bench-peers/<name>-<version>/ and reused while it exists. A peer that cannot be
built is written down with the commands tried and the answer each got (hosts left out).

Usage: peers.py --cache <dir> --out <peers.json>
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def read_env(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = " ".join(shlex.split(value))
    return env


def tidy(message):
    """The first meaningful lines of a go error, without any URL (no host names in reports)."""
    message = re.sub(r"reading https?://\S+?: ", "the module proxy answered ", message)
    message = re.sub(r"https?://\S+", "<url>", message)
    lines = [ln.strip() for ln in message.splitlines() if ln.strip() and not ln.startswith("go: downloading")]
    return " ".join(lines[-3:])[:400]


def go(args, env, timeout):
    p = subprocess.run(["go", *args], env=env, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def build(name, m, cache, env):
    key = name.upper().replace("-", "_")
    peer = {"name": name, "module": m[f"{key}_MODULE"], "package": m[f"{key}_PACKAGE"],
            "version": m[f"{key}_VERSION"], "note": m.get(f"{key}_NOTE", ""), "tried": []}
    if m.get(f"{key}_GOTOOLCHAIN"):
        env = {**env, "GOTOOLCHAIN": m[f"{key}_GOTOOLCHAIN"]}
        peer["gotoolchain"] = m[f"{key}_GOTOOLCHAIN"]
    mv = f"{peer['module']}@{peer['version']}"
    rc, out, err = go(["mod", "download", "-json", mv], env, 600)
    peer["tried"].append(f"go mod download -json {mv}")
    info = json.loads(out) if out.strip().startswith("{") else {}
    if rc != 0 or info.get("Error") or not info.get("Dir"):
        peer["error"] = tidy(info.get("Error") or err)
        # Say also whether the proxy lists any version of the module (or of its other paths).
        for mod in [peer["module"], *m.get(f"{key}_ALT_MODULES", "").split()]:
            rc, out, err = go(["list", "-m", "-versions", mod], env, 120)
            peer["tried"].append(f"go list -m -versions {mod}: " + (out.strip() or tidy(err)))
        return peer
    peer["crds"] = os.path.join(info["Dir"], m[f"{key}_CRDS"])
    gomod = open(info["GoMod"]).read() if info.get("GoMod") else ""
    mgo = re.search(r"^go (\S+)", gomod, re.M)
    peer["go_directive"] = mgo.group(1) if mgo else ""
    bindir = os.path.join(cache, f"{name}-{peer['version']}", "bin")
    binary = os.path.join(bindir, os.path.basename(peer["package"]))
    peer["tried"].append(f"GOBIN={bindir} go install {peer['package']}@{peer['version']}")
    if not os.access(binary, os.X_OK):
        os.makedirs(bindir, exist_ok=True)
        t0 = time.monotonic()
        print(f"building {name} {peer['version']} (first time only; several minutes)", file=sys.stderr, flush=True)
        rc, _, err = go(["install", f"{peer['package']}@{peer['version']}"], {**env, "GOBIN": bindir}, 3000)
        peer["tried"][-1] = (f"GOTOOLCHAIN={peer['gotoolchain']} " if "gotoolchain" in peer else "") + peer["tried"][-1]
        if rc != 0:
            peer["error"] = tidy(err)
            return peer
        peer["build_seconds"] = round(time.monotonic() - t0)
    peer["binary"] = binary
    return peer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    m = read_env(os.path.join(HERE, "peers.env"))
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-buildvcs=false"}
    _, gov, _ = go(["env", "GOVERSION"], env, 60)
    peers = []
    for name in m["PEERS"].split():
        peer = build(name, m, args.cache, env)
        state = f"built: {peer['binary']}" if "binary" in peer else f"NOT built: {peer['error']}"
        print(f"peer {name} {peer['version']}: {state}", file=sys.stderr, flush=True)
        peers.append(peer)
    with open(args.out, "w") as f:
        json.dump({"go": gov.strip(), "peers": peers}, f, indent=1)


if __name__ == "__main__":
    main()
