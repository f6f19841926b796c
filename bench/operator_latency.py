#!/usr/bin/env python3
"""Apply-to-Deployment latency and memory of mcp-operator, measured on the local cluster.

Creates N MCPServers at once in a fresh namespace while watching MCPServers and Deployments;
the latency of one server is the time between the watch events of its MCPServer and of its
Deployment (both seen by this process, so one clock). Prints the median and p99, the time until
all N report Running, and the operator's resident memory before and after (from /proc).

Usage: bench/operator_latency.py --pid <operator pid> [--count 200]
Needs KUBECONFIG and a kubectl on PATH (the Makefile puts the pinned one first).
"""
import argparse
import json
import statistics
import subprocess
import threading
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def watch(kind, ns, seen, stop):
    p = subprocess.Popen(["kubectl", "get", kind, "-n", ns, "--watch", "--output-watch-events", "-o", "json"],
                         stdout=subprocess.PIPE, text=True)
    buf = ""
    depth = 0
    for ch in iter(lambda: p.stdout.read(1), ""):
        buf += ch
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                ev = json.loads(buf)
                buf = ""
                name = ev["object"]["metadata"]["name"]
                if ev["type"] == "ADDED" and name not in seen:
                    seen[name] = time.monotonic()
        if stop.is_set():
            break
    p.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--count", type=int, default=200)
    args = ap.parse_args()
    ns = f"bench-latency-{int(time.time())}"
    subprocess.run(["kubectl", "create", "namespace", ns], check=True, capture_output=True)
    idle = rss_mib(args.pid)
    servers, deployments, stop = {}, {}, threading.Event()
    threads = [threading.Thread(target=watch, args=(k, ns, s, stop), daemon=True)
               for k, s in (("mcpservers.mcp.v2dy.io", servers), ("deployments", deployments))]
    for t in threads:
        t.start()
    time.sleep(1.5)
    manifest = "".join(
        f"apiVersion: mcp.v2dy.io/v1\nkind: MCPServer\nmetadata: {{name: s{i:04d}}}\nspec: {{image: example.invalid/mcp:1}}\n---\n"
        for i in range(args.count))
    t0 = time.monotonic()
    subprocess.run(["kubectl", "apply", "-n", ns, "-f", "-"], input=manifest, text=True, check=True,
                   capture_output=True)
    peak = idle
    while True:
        peak = max(peak, rss_mib(args.pid))
        phases = subprocess.run(["kubectl", "get", "mcps", "-n", ns, "-o", "jsonpath={.items[*].status.phase}"],
                                capture_output=True, text=True).stdout.split()
        if phases.count("Running") == args.count or time.monotonic() - t0 > 300:
            break
        time.sleep(0.5)
    all_running = time.monotonic() - t0
    stop.set()
    lat = sorted(deployments[n] - servers[n] for n in servers if n in deployments)
    print(f"servers={args.count} deployments_seen={len(lat)}")
    print(f"apply_to_deployment_ms median={statistics.median(lat) * 1000:.0f} "
          f"p99={lat[int(len(lat) * 0.99) - 1] * 1000:.0f}")
    print(f"all_running_s={all_running:.1f}")
    print(f"operator_rss_mib idle={idle:.1f} peak={peak:.1f} after={rss_mib(args.pid):.1f}")
    subprocess.run(["kubectl", "delete", "namespace", ns, "--wait=false"], capture_output=True)


if __name__ == "__main__":
    main()
