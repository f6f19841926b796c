#!/usr/bin/env python3
"""Turns bench/gateway/run.sh's gateway.json into a markdown section.

Usage: report.py <results dir>        reads <dir>/gateway.json, writes <dir>/gateway.md (and prints it)
Standard library only. Every figure is the median over the run's rounds; added latency is taken
per round (gateway p50 minus direct p50 of the same round), then the median. Ratios compare
mcp-gateway with the best peer on each figure.
"""
import json
import os
import statistics
import sys

OURS = "mcp-gateway"
LABEL = {
    "mcp-gateway": "mcp-gateway",
    "contextforge": "ContextForge",
    "fastmcp": "FastMCP (fresh upstream session per request, its default)",
    "fastmcp-shared": "FastMCP (one shared upstream session)",
}


def label(name):
    return LABEL.get(name, name)


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ok_count(tally):
    return tally["outcomes"]["ok"] if tally else 0


def good(run):
    return run if run and ok_count(run["calls"]) else None


def fmt_ms(v):
    if v is None:
        return "–"
    return f"{v:.3f}" if abs(v) < 1 else f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"


def fmt_kib(v):
    if v is None:
        return "–"
    return f"{v / 1024:.1f} MiB" if abs(v) >= 1024 else f"{v:.0f} KiB"


def fmt_x(r):
    return "–" if r is None else f"{r:.1f}×" if r < 100 else f"{r:.0f}×"


class Figures:
    def __init__(self, data):
        self.data = data
        self.levels = [str(c) for c in data["settings"]["levels"]]
        self.top = self.levels[-1]
        self.ran = [p for p in data["peers"] if p["status"] == "ok"]
        self.direct = data["direct"]

    @staticmethod
    def per_round(entry, level, get):
        return [get(r) if good(r) else None for r in entry["load"].get(level, [])]

    def p(self, entry, level, q):
        return med(self.per_round(entry, level, lambda r: r["calls"]["ok_ms"][q]))

    def rps(self, entry, level):
        return med(self.per_round(entry, level, lambda r: r["rps"]))

    def max_rps(self, entry):
        return max((v for v in (self.rps(entry, lv) for lv in self.levels) if v is not None), default=None)

    def cpu_us(self, entry, level):
        return med(self.per_round(entry, level, lambda r: r.get("proxy_cpu_us_per_call")))

    def added(self, entry, level):
        mine = self.per_round(entry, level, lambda r: r["calls"]["ok_ms"]["p50"])
        base = self.per_round(self.direct, level, lambda r: r["calls"]["ok_ms"]["p50"])
        return med([m - b for m, b in zip(mine, base) if m is not None and b is not None])

    @staticmethod
    def idle(entry, kind="pss"):
        return med(entry.get(f"{kind}_idle_tree_kib") or [])

    @staticmethod
    def peak(entry, kind="pss"):
        return med(entry.get(f"{kind}_peak_tree_kib") or [])

    def per_session(self, entry, kind="pss"):
        n = int(self.top)
        return med([(pk - idle) / n for pk, idle in zip(entry.get(f"{kind}_peak_tree_kib") or [],
                                                        entry.get(f"{kind}_idle_tree_kib") or [])
                    if pk is not None and idle is not None])

    @staticmethod
    def counted(entry, level):
        """Whether a round measured this level with a fixed count of calls (calls slower than the window)."""
        return any(r and r.get("mode") == "count" for r in entry["load"].get(level, []))

    def mark(self, entry, level):
        return " †" if self.counted(entry, level) else ""

    def errors(self, entry, level):
        """Failed session openings and calls in the level's runs, summed over rounds."""
        init = calls = 0
        for r in entry["load"].get(level, []):
            if r:
                init += r["init"]["total"] - ok_count(r["init"])
                calls += r["calls"]["total"] - ok_count(r["calls"])
        return init, calls

    @staticmethod
    def ready(entry):
        return med([d.get("ready_s") for d in entry.get("discover") or [] if d])

    @staticmethod
    def tool(entry):
        return next((d["tool"] for d in entry.get("discover") or [] if d), None)


def header(data):
    s, m, v = data["settings"], data["machine"], data["versions"]
    levels = ", ".join(str(c) for c in s["levels"])
    kind = ("a `--quick` run (one short round) on a busy machine: noisy, an illustration of the method, not the result"
            if data["quick"] else f"a full run, {s['rounds']} rounds")
    return [
        "## mcp-gateway against ContextForge and FastMCP",
        "",
        f"**This is {kind}.** Load average {m['loadavg_start']:.2f} at the start and {m['loadavg_end']:.2f} at the "
        f"end, {m['nproc']} cores, {data['wall_s']:.0f} s wall time, commit `{v['git']}`.",
        "",
        f"Every gateway stands in front of the same two members, `@modelcontextprotocol/server-everything` "
        f"{v['server-everything']} in its streamableHttp mode (Node {v['node'].lstrip('v')}), named `ev1` and `ev2`, "
        "on 127.0.0.1, started afresh for every gateway in every round. The gateways run one at a time, each driven by "
        "`mcp-bench-loadgen` (C++, one thread, HTTP/1.1 keep-alive, `Accept: application/json, text/event-stream`, "
        f"protocol revision {s.get('revision', '2025-06-18')} to the gateways and to the member alike: the one the "
        "gateways speak to their members). "
        "A session is `initialize` plus `notifications/initialized`; then every session calls `ev1`'s `echo` under the "
        "name the gateway gives it (found through `tools/list`, and checked by one call, before any load) in a closed "
        f"loop, one call in flight per session, at {levels} concurrent sessions: {s['warmup_s']:g} s of warm-up, then "
        f"a {s['window_s']:g} s measured window. Latency is per call, nearest-rank percentiles over every call in the "
        "window. *Direct* is the same load at `ev1` itself, with no gateway, in the same round; *added latency* is the "
        "gateway's p50 minus direct's p50 of that round. Memory is that of the gateway's process tree (the gateway "
        "process and any children; the members are not in it): idle after start-up and one session, and the peak "
        f"while {s['levels'][-1]} sessions are open and calling (sampled every 0.5 s); per session is the "
        f"difference divided by {s['levels'][-1]}. CPU per call is the gateway process's user + system time over the "
        f"window divided by the calls answered. Each figure is the median over {s['rounds']} round(s); raw figures per "
        "round are in `gateway.json`.",
        "",
    ]


def gateways_table(f):
    lines = ["| gateway | version | how it runs | tool called | status |", "| --- | --- | --- | --- | --- |"]
    for p in f.data["peers"]:
        if p["status"] == "ok":
            ready = f.ready(p)
            status = "measured" + (f"; serving the members' tools {ready:.1f} s after start" if ready else "")
            if p.get("skipped_rounds"):
                status += f"; failed in {len(p['skipped_rounds'])} round(s): {p['skipped_rounds'][0]}"
            lines.append(f"| {label(p['name'])} | {p['version']} | {p['mode']} | `{f.tool(p)}` | {status} |")
        else:
            lines.append(f"| {label(p['name'])} | {p['version']} | {p['mode']} | – | **could not run**: {p['reason']} |")
    return lines + [""]


def latency_table(f):
    cols = " | ".join(f"p50 / p99 at {lv}" for lv in f.levels)
    lines = ["### tools/call latency (ms) and throughput", "",
             f"| | {cols} | max calls/s |", "| --- | " + " | ".join("---" for _ in f.levels) + " | --- |"]
    for p in f.ran:
        cells = [f"{fmt_ms(f.p(p, lv, 'p50'))} / {fmt_ms(f.p(p, lv, 'p99'))}{f.mark(p, lv)}" for lv in f.levels]
        r = f.max_rps(p)
        lines.append(f"| {label(p['name'])} | " + " | ".join(cells) + f" | {'–' if r is None else f'{r:.0f}'} |")
    cells = [f"{fmt_ms(f.p(f.direct, lv, 'p50'))} / {fmt_ms(f.p(f.direct, lv, 'p99'))}" for lv in f.levels]
    r = f.max_rps(f.direct)
    lines.append("| *direct (ev1, no gateway)* | " + " | ".join(cells) + f" | {'–' if r is None else f'{r:.0f}'} |")
    counts = sorted({r.get("calls_per_session") for e in f.ran + [f.direct] for runs in e["load"].values()
                     for r in runs if r and r.get("mode") == "count"})
    lines += ["", "Max calls/s: the best of the concurrency levels. Every call ends at member `ev1`; the direct row "
              "is its own rate with the load generator alone in front of it, the same machine also running the "
              "gateway in the other rows."]
    if counts:
        lines += ["† Calls slower than the measured window (calls that start in the window are the ones counted): "
                  f"every session made {' or '.join(str(c) for c in counts)} call(s), all measured, with no warm-up; "
                  "calls/s over the elapsed time; no CPU figure."]
    lines += [""]

    lines += ["### Added latency over calling the member directly (p50, ms) and gateway CPU per call (µs)", "",
              "| | " + " | ".join(f"added at {lv}" for lv in f.levels) + " | " +
              " | ".join(f"CPU/call at {lv}" for lv in f.levels) + " | failed (sessions, calls) |",
              "| --- | " + " | ".join("---" for _ in f.levels * 2) + " | --- |"]
    for p in f.ran:
        added = [fmt_ms(f.added(p, lv)) for lv in f.levels]
        cpu = [("–" if f.cpu_us(p, lv) is None else f"{f.cpu_us(p, lv):.0f}") for lv in f.levels]
        errs = [f.errors(p, lv) for lv in f.levels]
        err = "none" if not any(i or c for i, c in errs) else ", ".join(
            f"at {lv}: {i}, {c}" for lv, (i, c) in zip(f.levels, errs) if i or c)
        lines.append(f"| {label(p['name'])} | " + " | ".join(added) + " | " + " | ".join(cpu) + f" | {err} |")
    lines += ["", "A negative figure: the gateway's p50 was below the member's own in that round (noise, or a "
              "member that answers a busy client more slowly).", ""]
    return lines


def memory_table(f):
    top = f.top
    lines = ["### Memory of the gateway's process tree", "",
             "PSS (proportional set size, from `/proc/<pid>/smaps_rollup`) counts a page shared by several processes "
             "of the tree once, split between them; RSS counts it in every process that maps it, so for a gateway "
             "that forks workers (ContextForge's sandbox pool) the RSS sum overstates what it uses; PSS in turn shrinks "
             "when other processes on the machine map the same files. The goals take mcp-gateway's larger figure "
             "and each peer's smaller one.", "",
             f"| | processes | PSS idle | PSS peak with {top} sessions | PSS per session | RSS idle | "
             f"RSS peak with {top} sessions | RSS per session |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for p in f.ran:
        procs = med(p.get("processes") or [])
        lines.append(f"| {label(p['name'])} | {'–' if procs is None else f'{procs:.0f}'} | "
                     f"{fmt_kib(f.idle(p))} | {fmt_kib(f.peak(p))} | {fmt_kib(f.per_session(p))} | "
                     f"{fmt_kib(f.idle(p, 'rss'))} | {fmt_kib(f.peak(p, 'rss'))} | {fmt_kib(f.per_session(p, 'rss'))} |")
    return lines + [""]


def goals(f):
    ours = next((p for p in f.ran if p["name"] == OURS), None)
    peers = [p for p in f.ran if p["name"] != OURS]
    lines = ["### Goals", ""]
    if ours is None:
        return lines + ["mcp-gateway did not run; no goal can be judged.", ""]
    lines += ["| goal | mcp-gateway | best peer | ratio | met |", "| --- | --- | --- | --- | --- |"]
    a = f.added(ours, f.levels[0])
    lines.append(f"| added latency under 0.2 ms at one session | {fmt_ms(a)} ms | – | – | "
                 f"{'–' if a is None else 'yes' if a < 0.2 else 'no'} |")

    def best(get, higher):
        vals = [(get(p), p) for p in peers if get(p) is not None]
        if not vals:
            return None, None
        return (max if higher else min)(vals, key=lambda t: t[0])

    rv, rp = best(f.max_rps, True)
    mine = f.max_rps(ours)
    ratio = mine / rv if rv and mine else None
    peer = "–" if rp is None else f"{rv:.0f}/s ({label(rp['name'])})"
    lines.append(f"| at least 5× the best peer's calls/s | {mine or 0:.0f}/s | {peer} | "
                 f"{fmt_x(ratio)} | {'–' if ratio is None else 'yes' if ratio >= 5 else 'no'} |")
    # Memory: ours by the larger of RSS and PSS, each peer by the smaller, so neither way of
    # counting a forked worker's shared pages can tip the comparison towards mcp-gateway.
    def lo(get):
        return lambda p: min((v for v in (get(p, "rss"), get(p, "pss")) if v is not None), default=None)

    def hi(get):
        return lambda p: max((v for v in (get(p, "rss"), get(p, "pss")) if v is not None), default=None)

    for what, get in (("idle", f.idle), (f"peak with {f.top} sessions", f.peak)):
        mv, mp = best(lo(get), False)
        mine = hi(get)(ours)
        ratio = mv / mine if mv and mine else None
        peer = "–" if mp is None else f"{fmt_kib(mv)} ({label(mp['name'])})"
        share = "–" if ratio is None else f"1/{ratio:.0f}" if ratio >= 1 else fmt_x(1 / ratio)
        lines.append(f"| under a tenth of the leanest peer's memory, {what} | {fmt_kib(mine)} | {peer} | {share} | "
                     f"{'–' if ratio is None else 'yes' if ratio >= 10 else 'no'} |")
    if not peers:
        lines += ["", "No peer ran, so the ratios cannot be judged."]
    return lines + [""]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: report.py <results dir>")
    with open(os.path.join(sys.argv[1], "gateway.json")) as fh:
        data = json.load(fh)
    f = Figures(data)
    lines = header(data) + gateways_table(f) + latency_table(f) + memory_table(f) + goals(f)
    text = "\n".join(lines).rstrip() + "\n"
    with open(os.path.join(sys.argv[1], "gateway.md"), "w") as fh:
        fh.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
