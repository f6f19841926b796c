#!/usr/bin/env python3
"""Puts the gateway benchmark's members behind a running ContextForge, through its REST API.

Usage: contextforge_setup.py --base http://127.0.0.1:PORT --member ev1=http://127.0.0.1:P1/mcp ...
The admin JWT comes from the environment (CF_TOKEN). Registers each member as a gateway
(POST /gateways, transport STREAMABLEHTTP: ContextForge initializes it and imports its tools
as `<member>-<tool>`), then creates one virtual server holding every imported tool
(POST /servers) and prints its Streamable HTTP endpoint, <base>/servers/<id>/mcp.
Loopback only; standard library only; every request bounded.
"""
import argparse
import ipaddress
import json
import os
import sys
import urllib.parse
import urllib.request


def call(base, method, path, body=None, timeout=60):
    h = {"authorization": "Bearer " + os.environ["CF_TOKEN"], "accept": "application/json"}
    data = None
    if body is not None:
        h["content-type"] = "application/json"
        data = json.dumps(body).encode()
    req = urllib.request.Request(base + path, data, h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        sys.exit(f"contextforge_setup.py: {method} {path}: HTTP {e.code}: {e.read()[:500]!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--member", action="append", required=True, help="NAME=URL")
    args = ap.parse_args()
    for u in [args.base] + [m.split("=", 1)[1] for m in args.member]:
        if not ipaddress.ip_address(urllib.parse.urlsplit(u).hostname).is_loopback:
            sys.exit("contextforge_setup.py: loopback addresses only")
    gateway_ids = set()
    for spec in args.member:
        name, url = spec.split("=", 1)
        g = call(args.base, "POST", "/gateways", {"name": name, "url": url, "transport": "STREAMABLEHTTP"})
        gateway_ids.add(g["id"])
    tools = call(args.base, "GET", "/tools?limit=0&include_inactive=false")
    tools = tools if isinstance(tools, list) else tools.get("items", [])
    mine = [t for t in tools if t.get("gatewayId") in gateway_ids]
    if not mine:
        sys.exit(f"contextforge_setup.py: no tools imported from the members ({len(tools)} tools in all)")
    server = call(args.base, "POST", "/servers",
                  {"server": {"name": "bench-gateway", "description": "the benchmark's members",
                              "associated_tools": [t["id"] for t in mine]}})
    print(json.dumps({"url": f"{args.base}/servers/{server['id']}/mcp", "tools": len(mine)}))


if __name__ == "__main__":
    main()
