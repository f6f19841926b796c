#!/usr/bin/env python3
"""Writes REPORT.md and the operator plots from the results of bench/run.sh.

Usage: report.py --results DIR --out DIR --wall SECONDS --command "make bench"
Reads DIR/operator.json (bench/operator/bench.py), DIR/peers.json (bench/operator/peers.py)
and, when present, DIR/bridge.md (bench/bridge/report.py), which is included verbatim.
Writes OUT/REPORT.md, OUT/operator-time-to-ready.png and OUT/operator-memory.png.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = "mcp-operator"
MB50_MIB = 50e6 / 2**20  # the ADR's 50 MB in MiB


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return ""


def machine():
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    mem = int(re.search(r"MemTotal:\s*(\d+)", open("/proc/meminfo").read()).group(1))
    return [("cores (nproc)", sh("nproc")), ("memory", f"{mem / 2**20:.1f} GiB"),
            ("kernel", platform.release()), ("CPU model", cpu.group(1) if cpu else "unknown"),
            ("OS", sh("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"))]


def versions(peers):
    lib = open(os.path.join(REPO, "hack/lib.sh")).read()
    pin = dict(re.findall(r'^(\w+_VERSION)="([^"]+)"', lib, re.M))
    rev = sh("git", "-C", REPO, "rev-parse", "--short", "HEAD")
    rows = [("mcp-operator", f"{open(os.path.join(REPO, 'VERSION')).read().strip()} (git {rev}), "
                             "cmake preset `ci` (RelWithDebInfo)"),
            ("g++", sh("g++", "-dumpfullversion")), ("cmake", sh("cmake", "--version").splitlines()[0].split()[-1]),
            ("Go (peers' toolchain)", peers.get("go", "")), ("Python", platform.python_version()),
            ("Kubernetes (apiserver, controller-manager, scheduler)", pin.get("K8S_VERSION", "")),
            ("etcd", pin.get("ETCD_VERSION", "")), ("kwok", pin.get("KWOK_VERSION", ""))]
    for p in peers.get("peers", []):
        rows.append((f"peer: {p['name']}", f"`{p['module']}` {p['version']}"))
    return rows


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join("–" if c is None else str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def cell(c, key, unit=""):
    return c.get(key + "_text") or fmt(c.get(key), unit)


def fmt(v, unit=""):
    if v is None:
        return None
    if isinstance(v, float):
        v = f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"
    return f"{v}{unit}"


# (key, label, unit) for the headline table; all are "lower is better".
HEADLINE = [("all_deployments_s", "all Deployments", " s"), ("all_ready_s", "all Ready", " s"),
            ("latency_p50_ms", "apply→Deployment p50", " ms"), ("latency_p99_ms", "p99", " ms"),
            ("rss_peak_mib", "peak RSS", " MiB"), ("rss_steady_mib", "steady RSS", " MiB"),
            ("cpu_create_s", "CPU (create)", " s"), ("idle_cpu_pct", "idle CPU", " %"),
            ("writes_create", "writes (create)", ""), ("writes_restart", "writes on restart", "")]


def flat(c):
    c = dict(c)
    # Not converged within the case's time limit: "> limit (reached/N)" in the tables, no ratio.
    for key, count, limit in (("all_deployments_s", "deployments", "timeout_s"), ("all_ready_s", "ready", "timeout_s"),
                              ("rollout_deployments_s", "rollout_changed", "timeout_s"),
                              ("rollout_done_s", "rollout_rolled", "rollout_tail_s"),
                              ("rollout_ready_s", "rollout_ready", "rollout_tail_s")):
        if c.get(key) is None and count in c:
            c[key + "_text"] = f"> {c.get(limit) or c.get('timeout_s', 0):.0f} s ({c[count]}/{c['n']} done)"
    if c.get("rollout_skipped"):
        for key in ("rollout_deployments_s", "rollout_done_s", "rollout_ready_s"):
            c[key + "_text"] = "not run: " + c["rollout_skipped"]
    a = c.get("audit", {})
    c["writes_create"] = a.get("create", {}).get("writes")
    c["writes_rollout"] = None if c.get("rollout_skipped") else a.get("rollout", {}).get("writes")
    c["writes_restart"] = a.get("restart", {}).get("writes")
    c["writes_idle"] = a.get("idle", {}).get("writes")
    return c


def best_peer(cases, n, key):
    vals = [(c[key], c["operator"]) for c in cases if c["n"] == n and c["operator"] != OURS and c.get(key) is not None]
    return min(vals) if vals else (None, None)


def ratio(ours, best):
    if ours is None or best is None:
        return None
    if best == 0:
        return "=" if ours == 0 else "∞"
    return f"{ours / best:.2f}×"


def plots(res, cases, out):
    ops = [o["name"] for o in res["operators"]]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, op in enumerate(ops):
        cs = sorted((c for c in cases if c["operator"] == op), key=lambda c: c["n"])
        col = f"C{i}"
        pts = [(c["n"], c["all_ready_s"]) for c in cs if c.get("all_ready_s") is not None]
        if pts:
            ax.plot(*zip(*pts), "o-", color=col, label=f"{op}: all Ready")
        pts = [(c["n"], c["all_deployments_s"]) for c in cs if c.get("all_deployments_s") is not None]
        if pts:
            ax.plot(*zip(*pts), "s--", color=col, alpha=0.7, label=f"{op}: all Deployments")
    ax.set_xlabel("MCP servers created at once (N)")
    ax.set_ylabel("seconds after the first create")
    ax.set_title("Time to Ready vs N (kwok cluster, same run)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "operator-time-to-ready.png"), dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, op in enumerate(ops):
        cs = sorted((c for c in cases if c["operator"] == op), key=lambda c: c["n"])
        if not cs:
            continue
        ns = [c["n"] for c in cs]
        ax.plot(ns, [c["rss_peak_mib"] for c in cs], "o-", color=f"C{i}", label=f"{op}: peak")
        ax.plot(ns, [c["rss_steady_mib"] for c in cs], "s--", color=f"C{i}", alpha=0.7, label=f"{op}: steady")
    ax.axhline(MB50_MIB, color="grey", linestyle=":", label="ADR-001 floor: 50 MB")
    ax.set_xlabel("MCP servers (N)")
    ax.set_ylabel("resident memory (MiB)")
    ax.set_ylim(bottom=0)
    ax.set_title("Operator memory vs N (from /proc, same run)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "operator-memory.png"), dpi=110)
    plt.close(fig)


def goals(cases, counts):
    lines = []
    for n in counts:
        ours = next((c for c in cases if c["n"] == n and c["operator"] == OURS), None)
        if not ours:
            continue
        p99 = ours.get("latency_p99_ms")
        floor_mem = ours["rss_peak_mib"] < MB50_MIB
        floor_conv = p99 is not None and p99 < 5000
        mem_best, mem_peer = best_peer(cases, n, "rss_peak_mib")
        rdy_best, rdy_peer = best_peer(cases, n, "all_ready_s")
        dep_best, dep_peer = best_peer(cases, n, "all_deployments_s")
        s = (f"- N={n}: ADR floor memory < 50 MB: **{'yes' if floor_mem else 'NO'}** ({ours['rss_peak_mib']:.1f} MiB "
             f"peak); convergence < 5 s (p99 apply→Deployment): **{'yes' if floor_conv else 'NO'}** ({fmt(p99, ' ms')})")
        if mem_best is not None:
            q = ours["rss_peak_mib"] < mem_best / 4
            s += (f"; under a quarter of the best peer's peak memory ({mem_peer}, {mem_best:.1f} MiB): "
                  f"**{'yes' if q else 'NO'}** ({ours['rss_peak_mib'] / mem_best:.2f}×)")
        if rdy_best is not None and ours.get("all_ready_s") is not None:
            f = ours["all_ready_s"] < rdy_best
            s += (f"; faster to all Ready than the best peer ({rdy_peer}, {rdy_best:.1f} s): "
                  f"**{'yes' if f else 'NO'}** ({ours['all_ready_s']:.1f} s)")
        for key, what in (("all_ready_s", "all Ready"), ("all_deployments_s", "all Deployments")):
            unfinished = [c for c in cases if c["n"] == n and c["operator"] != OURS and c.get(key + "_text")]
            if unfinished and ours.get(key) is not None:
                s += "; " + ", ".join(f"{c['operator']} did not reach {what} within the limit ({c[key + '_text']})"
                                      for c in unfinished)
        if dep_best is not None and ours.get("all_deployments_s") is not None:
            f = ours["all_deployments_s"] < dep_best
            s += (f"; faster to all Deployments ({dep_peer}, {dep_best:.1f} s): "
                  f"**{'yes' if f else 'NO'}** ({ours['all_deployments_s']:.1f} s)")
        lines.append(s)
    return "\n".join(lines)


def losses(cases, counts):
    keys = HEADLINE + [("rollout_deployments_s", "rollout: all Deployments changed", " s"),
                       ("rollout_done_s", "rollout: all rolled out", " s"),
                       ("rollout_ready_s", "rollout: all Ready again", " s"),
                       ("cpu_rollout_s", "rollout CPU", " s"), ("writes_rollout", "rollout writes", ""),
                       ("restart_quiet_s", "restart: time until quiet", " s"), ("cpu_restart_s", "restart CPU", " s"),
                       ("rss_restart_peak_mib", "restart peak RSS", " MiB")]
    out = []
    for n in counts:
        ours = next((c for c in cases if c["n"] == n and c["operator"] == OURS), None)
        if not ours:
            continue
        for key, label, unit in keys:
            best, peer = best_peer(cases, n, key)
            if best is not None and ours.get(key) is None and ours.get(key + "_text"):
                out.append(f"- N={n}, {label}: not reached within the time limit ({ours[key + '_text']}) "
                           f"vs {peer} {fmt(best, unit)}")
            elif best is not None and ours.get(key) is not None and ours[key] > best:
                out.append(f"- N={n}, {label}: {fmt(ours[key], unit)} vs {peer} {fmt(best, unit)} "
                           f"({ratio(ours[key], best)})")
    return "\n".join(out) if out else "- none: mcp-operator is ahead of or equal to every measured peer on every figure."


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--wall", type=int, required=True)
    ap.add_argument("--command", default="make bench")
    args = ap.parse_args()
    res = json.load(open(os.path.join(args.results, "operator.json")))
    peers = json.load(open(os.path.join(args.results, "peers.json")))
    cases = [flat(c) for c in res["cases"]]
    counts = res["counts"]
    plots(res, cases, args.out)
    rel = os.path.relpath(args.results, args.out)
    md = ["# Benchmarks: mcp-operator and its peers, side by side\n",
          f"Written by `{args.command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; the whole run took "
          f"**{args.wall // 60} min {args.wall % 60} s**. Raw results: [`{rel}/`]({rel}/). Every figure below was "
          "measured in this one run, the operators one after the other on identical fresh clusters, so compare "
          "them by ratio; absolute times drift on a shared 2-core machine (the load average at the start and end of "
          "each case is in the JSON).\n",
          "## Machine\n", table(["fact", "value"], machine()), "",
          "## Versions\n", table(["component", "version"], versions(peers)), "",
          "## Operators at scale\n",
          f"A local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) with "
          f"{res['nodes']} kwok nodes of {res['node_pods']} pods each, started afresh for every operator and N. "
          "Each operator runs as a process outside the cluster with the admin kubeconfig (as `make run` does), so its "
          "resident memory and CPU time are read from `/proc` alike. The benchmark creates N custom resources at once "
          "(8 client threads, no pause between objects) while watching the resources and the Deployments; latency "
          "is from a resource's ADDED event to its Deployment's ADDED event on the same watch clock. Writes are "
          "counted from the apiserver's audit log, filtered by the operator's user agent.\n",
          "### Operators\n"]
    rows = [(f"**{o['name']}**" if o["name"] == OURS else o["name"], o["version"], "measured", o["ready_meaning"])
            for o in res["operators"]]
    for s in res["skipped"]:
        rows.append((s["name"], s["version"], "**not measured**: " + s["reason"] + " Tried: " +
                     "; ".join(f"`{t}`" for t in s["tried"]), "–"))
    md += [table(["operator", "version", "state", "what \"Ready\" means in its status"], rows), ""]
    md += ["Each operator's resource is the equivalent of `config/samples/mcp_v1_mcpserver_stdio.yaml` "
           "(a stdio server from npm, `node:22-alpine` running `npx -y @modelcontextprotocol/server-everything`, "
           "port 3000, `HOME=/tmp`):\n"]
    for o in res["operators"]:
        md += [f"- {o['name']}: `{json.dumps(o['resource']['spec'])}` (`{o['group_version']}`)"]
    md += [""]
    if res.get("failures"):
        md += ["Cases that failed: " + "; ".join(f"{f['operator']} N={f['n']}: {f['error']}" for f in res["failures"]), ""]

    md += ["### Create N at once\n",
           "The ADR's floor is the first row. Lower is better in every column but the last: the machine's "
           "1-minute load average at the start and end of the case (other work on the shared machine; a figure "
           "that differs by less than the drift between cases is not a result).\n"]
    for n in counts:
        rows = [("ADR-001 floor", None, None, None, "< 5000 (convergence < 5 s)", "< 47.7 (50 MB)", None, None, None,
                 None, None, None)]
        for c in (c for c in cases if c["n"] == n):
            rows.append((f"**{c['operator']}**" if c["operator"] == OURS else c["operator"],
                         *(cell(c, k) for k, _, _ in HEADLINE), f"{c.get('load_start')} → {c.get('load_end')}"))
        ours = next((c for c in cases if c["n"] == n and c["operator"] == OURS), None)
        if ours:
            rr = ["ratio to the best peer"]
            for k, _, _ in HEADLINE:
                best, _ = best_peer(cases, n, k)
                rr.append(ratio(ours.get(k), best))
            rows.append(tuple(rr + [None]))
        md += [f"**N = {n}**\n",
               table(["operator"] + [f"{label} ({unit.strip() or 'count'})" for _, label, unit in HEADLINE]
                     + ["load average (start → end)"], rows), ""]
    md += ["![time to Ready vs N](operator-time-to-ready.png)\n", "![memory vs N](operator-memory.png)\n"]

    md += ["### Rollout: a spec change to all N\n",
           "After the restart, one more environment variable in every resource (merge patches, 8 threads). "
           "*Changed*: every Deployment's generation moved (the operator's work); *rolled out*: every Deployment "
           "reports its new revision Ready and its old Pods gone; *Ready again*: every resource's status says Ready "
           "for the new generation. Rolling out is kube-controller-manager's work (new ReplicaSets and Pods at its "
           "default client rate of 20 requests/s), the same for every operator, so it is waited for a bounded time "
           "(`> limit (done/N)` when it did not finish).\n"]
    rows = [(c["operator"], c["n"], cell(c, "rollout_deployments_s"), cell(c, "rollout_done_s"),
             cell(c, "rollout_ready_s"), fmt(c.get("cpu_rollout_s")), c.get("writes_rollout"))
            for c in sorted(cases, key=lambda c: (c["n"], c["operator"]))]
    md += [table(["operator", "N", "changed (s)", "rolled out (s)", "Ready again (s)", "CPU (s)", "writes"], rows), ""]

    md += ["### Restart with all N converged\n",
           "After the create converged and the idle window: SIGTERM, then the same binary again. *Quiet*: until "
           "the process used < 20 ms CPU per second for 3 s in a row (at most the limit of the run). Writes should "
           "be zero: nothing changed (a peer may write for another reason; see the notes on the peer below).\n"]
    rows = []
    for c in sorted(cases, key=lambda c: (c["n"], c["operator"])):
        a = c["audit"]["restart"]
        by = ", ".join(f"{v} {k}" for k, v in sorted(a["writes_by"].items())) or "none"
        rows.append((c["operator"], c["n"], "yes" if c.get("all_ready_s") is not None else "no",
                     fmt(c.get("restart_quiet_s")), fmt(c.get("cpu_restart_s")),
                     fmt(c.get("rss_restart_peak_mib")), fmt(c.get("idle_after_restart_cpu_pct")), a["requests"],
                     a["writes"], by))
    md += [table(["operator", "N", "all Ready before", "quiet after (s)", "CPU (s)", "peak RSS (MiB)", "idle CPU after (%)",
                  "requests", "writes", "writes by verb and resource"], rows), ""]

    md += ["### Goals\n",
           "ADR-001's floor (operator < 50 MB, convergence < 5 s) and the project's goal (under a quarter of the "
           "best peer's memory, faster than the best peer at every N):\n", goals(cases, counts), "",
           "### Where mcp-operator loses\n",
           "Every figure of this run on which mcp-operator is behind the best measured peer:\n",
           losses(cases, counts), ""]
    analysis = os.path.join(REPO, "bench/operator/analysis.md")
    if os.path.exists(analysis):
        md += [open(analysis).read().strip(), ""]

    bridge = os.path.join(args.results, "bridge.md")
    if os.path.exists(bridge):
        md += [open(bridge).read().strip(), ""]

    md += ["## How to reproduce\n",
           "On Debian 12 with the prerequisites of the README (everything else is installed by `make deps`):\n",
           "```bash",
           "make bench        # everything: builds, peers, N = 100, 500, 1000, the bridge; writes bench/REPORT.md",
           "make bench-quick  # a 2-minute subset (N = 50, no rollout) into bench/results-quick/ (REPORT.md and plots there)",
           "```\n",
           "What `make bench` runs (`bench/run.sh`):\n",
           "```bash",
           "cmake --preset ci && cmake --build --preset ci --target mcp-operator",
           "python3 bench/operator/peers.py --cache ~/.cache/mcp-operator/bench-peers --out bench/results/peers.json",
           "#   per peer: go mod download -json MODULE@VERSION; GOBIN=... go install PACKAGE@VERSION",
           "python3 bench/operator/bench.py --mode full --counts 100,500,1000 --nodes 10 --node-pods 250 \\",
           "  --results bench/results --peers bench/results/peers.json ...",
           "#   per operator and N: CLUSTER_DIR=~/.cache/mcp-operator/cluster-bench NODES=10 NODE_PODS=250 \\",
           "#     AUDIT_POLICY=bench/operator/audit-policy.yaml hack/cluster.sh up; CRDs; operator; measure; down",
           "bench/bridge/run.sh --out bench/results && bench/bridge/report.py bench/results bench   # when present",
           "bench/report.py --results bench/results --out bench ...",
           "```\n",
           "Peer versions are pinned in `bench/operator/peers.env`; operator logs of the last run are in "
           "`~/.cache/mcp-operator/bench-logs/`, the last cluster's logs (and audit log) in "
           "`~/.cache/mcp-operator/cluster-bench/logs/`. To profile the operator on the same workload, run it under "
           "`valgrind --tool=callgrind` in place of the binary (see `bench/operator/analysis.md`).\n"]
    with open(os.path.join(args.out, "REPORT.md"), "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
