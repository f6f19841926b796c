#!/usr/bin/env python3
"""Finds the name under which a gateway exposes one member's `echo` tool, and checks it works.

Usage: discover.py --url http://127.0.0.1:PORT/PATH --member ev1 [--header 'Name: value']...
                   [--wait SECONDS]

Opens an MCP session (Streamable HTTP, --revision, default 2025-11-25), reads tools/list (every page), picks the
tool whose name is `echo` with the member's name around it (mcp-gateway `ev1_echo`, FastMCP
`ev1_echo`, ContextForge `ev1-echo`; plain `echo` for the member itself), calls it once and
checks the member's answer comes back, then ends the session. Retries the connection until
--wait seconds have passed (the gateway may still be starting). Prints one JSON object:
{"tool": NAME, "tools": COUNT, "wait_ms": MS}. Exit 1 with the reason on stderr otherwise.
Loopback only; standard library only.
"""
import argparse
import ipaddress
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

class Session:
    def __init__(self, url, headers, timeout, revision):
        self.url, self.headers, self.timeout, self.revision = url, headers, timeout, revision
        self.sid = None
        self.next_id = 1

    def post(self, method, params=None, notify=False):
        body = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            body["params"] = params
        if not notify:
            body["id"] = self.next_id
            self.next_id += 1
        h = {"content-type": "application/json", "accept": "application/json, text/event-stream",
             "mcp-protocol-version": self.revision, **self.headers}
        if self.sid:
            h["mcp-session-id"] = self.sid
        req = urllib.request.Request(self.url, json.dumps(body).encode(), h, method="POST")
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            self.sid = r.headers.get("mcp-session-id") or self.sid
            text = r.read().decode()
            ctype = r.headers.get("content-type", "")
        if notify:
            return None
        msgs = []
        if ctype.startswith("text/event-stream"):
            msgs = [json.loads(l[5:]) for l in text.splitlines() if l.startswith("data:") and l[5:].strip()]
        elif text.strip():
            v = json.loads(text)
            msgs = v if isinstance(v, list) else [v]
        for m in msgs:
            if m.get("id") == body["id"]:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m["result"]
        raise RuntimeError(f"{method}: no response with id {body['id']} in {text[:300]!r}")

    def close(self):
        if not self.sid:
            return
        h = {"mcp-session-id": self.sid, "mcp-protocol-version": self.revision, **self.headers}
        try:
            urllib.request.urlopen(urllib.request.Request(self.url, None, h, method="DELETE"), timeout=self.timeout).close()
        except (urllib.error.URLError, OSError):
            pass


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:  # a zombie (exited, not yet reaped) is gone too
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def pick(names, member):
    if member == "":
        return "echo" if "echo" in names else None
    for sep in ("_", "-", ".", "__", "--", "/"):
        for cand in (f"{member}{sep}echo", f"echo{sep}{member}"):
            if cand in names:
                return cand
    found = [n for n in names if n.endswith("echo") and member in n]
    return found[0] if len(found) == 1 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--member", default="", help="the member whose echo to find ('' for a member itself)")
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--wait", type=float, default=30)
    ap.add_argument("--pid", type=int, default=0, help="stop waiting when this process (the gateway) has exited")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--revision", default="2025-11-25", help="the protocol revision initialize offers")
    args = ap.parse_args()
    host = urllib.parse.urlsplit(args.url).hostname
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("discover.py: loopback addresses only")
    headers = dict((k.strip(), v.strip()) for k, v in (h.split(":", 1) for h in args.header))

    t0 = time.monotonic()
    last = None
    while True:
        s = Session(args.url, headers, args.timeout, args.revision)
        try:
            s.post("initialize", {"protocolVersion": args.revision, "capabilities": {},
                                  "clientInfo": {"name": "bench-gateway-discover", "version": "1"}})
            break
        except (urllib.error.URLError, OSError, RuntimeError, ValueError) as e:
            last = e
            if args.pid and not alive(args.pid):
                sys.exit(f"discover.py: the process {args.pid} exited before it served MCP at {args.url}: {last}")
            if time.monotonic() - t0 > args.wait:
                sys.exit(f"discover.py: no MCP session at {args.url} within {args.wait:g} s: {last}")
            time.sleep(0.1)
    wait_ms = (time.monotonic() - t0) * 1000
    try:
        s.post("notifications/initialized", notify=True)
        names, cursor = [], None
        for _ in range(100):  # pages
            r = s.post("tools/list", {"cursor": cursor} if cursor else {})
            names += [t["name"] for t in r.get("tools", [])]
            cursor = r.get("nextCursor")
            if not cursor:
                break
        tool = pick(names, args.member)
        if tool is None:
            sys.exit(f"discover.py: no echo tool of member {args.member!r} among {len(names)} tools: {names}")
        r = s.post("tools/call", {"name": tool, "arguments": {"message": "discover-probe"}})
        text = " ".join(c.get("text", "") for c in r.get("content", []))
        if r.get("isError") or "discover-probe" not in text:
            sys.exit(f"discover.py: {tool} answered {r}")
    finally:
        s.close()
    print(json.dumps({"tool": tool, "tools": len(names), "wait_ms": round(wait_ms, 1)}))


if __name__ == "__main__":
    main()
