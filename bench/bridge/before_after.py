#!/usr/bin/env python3
"""Before/after table of two mcp-bridge binaries measured side by side in one bench/bridge/run.sh
run (BRIDGE_BENCH_PEERS="mcp-bridge-before mcp-bridge" MCP_BRIDGE_BEFORE=<old binary>):
the bridge's own CPU per call, p50/p99 latency, the latency it adds over direct stdio, and the
256-session burst. Usage: before_after.py <bridge.json>; prints Markdown."""
import json
import statistics
import sys


def ok_count(tally):
    return tally["outcomes"]["ok"] if tally else 0


def level_median(runs, get):
    """The median over rounds of get(run), for the rounds in which calls succeeded (as report.py)."""
    values = [get(r) for r in runs or [] if r and ok_count(r["calls"])]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


class Figures:
    def __init__(self, data):
        self.levels = [str(c) for c in data["settings"]["levels"]]
        self.by_name = {p["name"]: p for p in data["peers"] if p.get("status") == "ok"}

    @staticmethod
    def p(peer, level, q):
        return level_median(peer["load"].get(level), lambda r: r["calls"]["ok_ms"][q])

    @staticmethod
    def cpu_us(peer, level):
        return level_median(peer["load"].get(level), lambda r: r.get("proxy_cpu_us_per_call"))


def ms(v):
    return "–" if v is None else f"{v:.3f}"


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    fig = Figures(data)
    direct = {"load": data["direct_stdio"]["load"]}
    names = {"mcp-bridge-before": "before (" + data["versions"].get("mcp-bridge-before", "?") + ")",
             "mcp-bridge": "after (git " + data["versions"]["git"] + ")"}
    out = ["| bridge | level | p50 ms | p99 ms | added p50 over stdio ms | CPU µs per call |",
           "| --- | --- | --- | --- | --- | --- |"]
    for name in ("mcp-bridge-before", "mcp-bridge"):
        p = fig.by_name.get(name)
        if not p:
            continue
        for lv in fig.levels:
            p50, p99, d50 = fig.p(p, lv, "p50"), fig.p(p, lv, "p99"), fig.p(direct, lv, "p50")
            cpu = fig.cpu_us(p, lv)
            added = None if p50 is None or d50 is None else p50 - d50
            out.append(f"| {names[name]} | {lv} | {ms(p50)} | {ms(p99)} | {ms(added)} | "
                       f"{'–' if cpu is None else round(cpu)} |")
    out += ["", "| bridge | burst sessions ok | refused | hung | calls ok / made | slowest request ms |",
            "| --- | --- | --- | --- | --- | --- |"]
    for name in ("mcp-bridge-before", "mcp-bridge"):
        p = fig.by_name.get(name)
        o = p.get("overload") if p else None
        if not o:
            continue
        i, c = o["init"], o["calls"]
        refused = ", ".join(f"{n}× {st}" for st, n in i["http_statuses"].items()) or "0"
        hung = i["outcomes"]["timeout"] + c["outcomes"]["timeout"]
        out.append(f"| {names[name]} | {ok_count(i)} | {refused} | {hung} | {ok_count(c)} / {c['total']} | "
                   f"{ms(max(i['max_ms'], c['max_ms']))} |")
    m = data["machine"]
    out += ["", f"Load average {m['loadavg_start']} at the start, {m['loadavg_end']} at the end; "
            f"{data['settings']['rounds']} rounds, medians over rounds; wall {data['wall_s']} s."]
    print("\n".join(out))


if __name__ == "__main__":
    main()
