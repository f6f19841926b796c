#!/usr/bin/env python3
"""Turns bench/bridge/run.sh's bridge.json into the bridge section of the benchmark report.

Usage: report.py <results dir> <bench dir>
Reads <results dir>/bridge.json; writes <results dir>/bridge.md (markdown, included verbatim by
bench/report.py) and the plots <bench dir>/bridge-latency.png and <bench dir>/bridge-memory.png.
Every figure comes from the one run in bridge.json, so proxies are compared side by side on the
same machine at the same time; ratios are to the best proxy on that figure.
"""
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

OURS = ("mcp-bridge", "mcp-bridge-shared")
LABEL = {
    "mcp-bridge": "mcp-bridge (per-session)",
    "mcp-bridge-shared": "mcp-bridge (shared)",
    "mcp-bridge-cold": "mcp-bridge (per-session, no warm pool)",
    "supergateway": "supergateway (npm)",
    "mcp-proxy-npm": "mcp-proxy (npm)",
    "mcp-proxy-pypi": "mcp-proxy (PyPI)",
    "toolhive": "ToolHive thv",
}


def fmt_ms(v):
    if v is None:
        return "–"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:.0f}"


def fmt_kib(v):
    return "–" if v is None else f"{v / 1024:.1f} MiB" if abs(v) >= 1024 else f"{v:.0f} KiB"


def ratio(v, best, higher_better=False):
    if v is None or not best:
        return ""
    r = best / v if higher_better else v / best
    return " (best)" if abs(r - 1) < 1e-9 else f" ({r:.1f}×)"


def ok_count(tally):
    return tally["outcomes"]["ok"] if tally else 0


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def level_median(runs, get):
    """The median over rounds of get(run), for the rounds in which calls succeeded."""
    return med([get(r) for r in runs or [] if r and ok_count(r["calls"])])


class Figures:
    """The per-proxy numbers the tables and the loss statements use (lower is better unless noted)."""

    def __init__(self, data):
        self.data = data
        self.levels = [str(c) for c in data["settings"]["levels"]]
        self.runs = [p for p in data["peers"] if p.get("status") == "ok"]
        self.loaded = [p for p in self.runs if p["load"]]
        self.by_name = {p["name"]: p for p in self.runs}

    @staticmethod
    def p(peer, level, q):
        return level_median(peer["load"].get(level), lambda r: r["calls"]["ok_ms"][q])

    @staticmethod
    def rps(peer, level):
        return level_median(peer["load"].get(level), lambda r: r["rps"])

    def max_rps(self, peer):
        return max((v for v in (self.rps(peer, lv) for lv in self.levels) if v is not None), default=None)

    @staticmethod
    def cpu_us(peer, level):
        return level_median(peer["load"].get(level), lambda r: r.get("proxy_cpu_us_per_call"))

    def rss(self, peer, key):
        """Median over rounds of the proxy's RSS at the top level, at `key` (before, sessions_open, after_calls)."""
        return level_median(peer["load"].get(self.levels[-1]), lambda r: r["rss_kib"][key] if "rss_kib" in r else None)

    def per_session_kib(self, peer, at="sessions_open"):
        """RSS growth per session at the top level: right after the sessions opened, or after their calls."""
        def one(r):
            if "rss_kib" not in r or ok_count(r["init"]) == 0:
                return None
            return (r["rss_kib"][at] - r["rss_kib"]["before"]) / ok_count(r["init"])
        return level_median(peer["load"].get(self.levels[-1]), one)

    def per_session_in_use_kib(self, peer):
        return self.per_session_kib(peer, "after_calls")

    @staticmethod
    def idle(peer):
        return med(peer.get("rss_idle_kib") or [])

    @staticmethod
    def init_p50(peer):
        t = peer["init"]["init"] if peer.get("init") else None
        return t["ok_ms"]["p50"] if t and ok_count(t) else None

    @staticmethod
    def burst(peer):
        """The burst's results, unless the memory guard killed the proxy (then it is not comparable)."""
        if (peer.get("overload_guard") or {}).get("killed_by_guard"):
            return None
        return peer.get("overload")

    def burst_ok(self, peer):
        o = self.burst(peer)
        return ok_count(o["init"]) if o else None

    def burst_hung(self, peer):
        o = self.burst(peer)
        return o["init"]["outcomes"]["timeout"] + o["calls"]["outcomes"]["timeout"] if o else None

    @staticmethod
    def startup(peer):
        return med([s.get("startup_to_first_session_ms") for s in peer.get("startup") or []])


def header(data):
    s = data["settings"]
    m = data["machine"]
    v = data["versions"]
    levels = ", ".join(str(c) for c in s["levels"])
    lines = [
        "## Bridge: mcp-bridge next to other stdio-to-HTTP proxies",
        "",
        f"Every proxy serves the same child, `@modelcontextprotocol/server-everything` {v['server-everything']} over stdio "
        f"(Node {v['node'].lstrip('v')} runs the child and the Node proxies), on this {m['nproc']}-core machine, one proxy "
        "at a time, driven by the same load generator: `mcp-bench-loadgen` (C++, Boost.Beast and `lib/mcp`, one thread, "
        "HTTP/1.1 keep-alive, `Accept: application/json, text/event-stream`, so each proxy answers the way it answers SDK "
        "clients). A session is `initialize` plus `notifications/initialized`; then each session calls `tools/call echo` "
        f"in a closed loop (one call in flight per session) at {levels} concurrent sessions: {s['warmup_s']:g} s of "
        f"warm-up, then a {s['window_s']:g} s measured window. Latency is per call, nearest-rank percentiles over every "
        "call in the window. The baseline is the same client talking to the child straight over stdio (a child per "
        f"session, no proxy). Rounds: {s.get('rounds', 1)}; in each, every proxy is started afresh and measured in "
        "turn, so the rounds interleave the proxies, and each figure below is the median over the rounds (each "
        "round's raw figures are in `bridge.json`).",
        "",
        f"Run: {'`--quick` subset' if data['quick'] else 'full'}, {data['wall_s']:.0f} s wall time, load average "
        f"{m['loadavg_start']:.1f} at the start and {m['loadavg_end']:.1f} at the end (other work shares the machine, "
        "so absolute numbers drift between runs; ratios within one run are what to read). Commit "
        f"`{v['git']}`; exact commands in `bench/results/bridge.json` (`commands`).",
        "",
    ]
    return lines


def proxies_table(data):
    lines = ["| proxy | version | how it runs the child | status |", "| --- | --- | --- | --- |"]
    for p in data["peers"]:
        name = LABEL.get(p["name"], p["name"])
        if p.get("status") == "ok":
            lines.append(f"| {name} | {p['version']} | {p['mode']} | measured |")
        else:
            tried = "; ".join(f"`{t}`" for t in p.get("tried", []))
            lines.append(f"| {name} | {p['version']} | – | could not run: {p['reason']} Tried: {tried} |")
    lines.append("")
    return lines


def latency_table(f):
    lines = []
    best = {}
    for lv in f.levels:
        for q in ("p50", "p99"):
            vals = [f.p(p, lv, q) for p in f.loaded]
            vals = [v for v in vals if v is not None]
            best[(lv, q)] = min(vals) if vals else None
    rps = [f.max_rps(p) for p in f.loaded]
    best_rps = max((r for r in rps if r), default=None)
    cols = " | ".join(f"p50 / p99 at {lv}" for lv in f.levels)
    lines += [
        "### Latency and throughput (`tools/call echo`, ms)",
        "",
        f"| proxy | {cols} | max calls/s |",
        "| --- | " + " | ".join("---" for _ in f.levels) + " | --- |",
    ]
    for p in f.loaded:
        cells = []
        for lv in f.levels:
            p50, p99 = f.p(p, lv, "p50"), f.p(p, lv, "p99")
            cells.append(f"{fmt_ms(p50)}{ratio(p50, best[(lv, 'p50')])} / {fmt_ms(p99)}{ratio(p99, best[(lv, 'p99')])}")
        r = f.max_rps(p)
        lines.append(f"| {LABEL[p['name']]} | " + " | ".join(cells) + f" | {r:.0f}{ratio(r, best_rps, True)} |")
    direct = {"load": f.data["direct_stdio"]["load"]}
    cells = [f"{fmt_ms(f.p(direct, lv, 'p50'))} / {fmt_ms(f.p(direct, lv, 'p99'))}" for lv in f.levels]
    lines.append("| *direct stdio (no proxy)* | " + " | ".join(cells) + f" | {f.max_rps(direct) or 0:.0f} |")
    lines += ["", "(×: how many times the best proxy's figure; calls/s: the best of the concurrency levels.)", ""]

    lines += ["### CPU the proxy process spends per call (µs of user + system time, children excluded)", ""]
    lines += ["What the proxy itself costs, apart from the child's work: its CPU time over the measured window "
              "divided by the calls answered in it.", ""]
    lines += [f"| proxy | " + " | ".join(f"at {lv}" for lv in f.levels) + " |",
              "| --- | " + " | ".join("---" for _ in f.levels) + " |"]
    for lv in f.levels:
        vals = [f.cpu_us(p, lv) for p in f.loaded if f.cpu_us(p, lv)]
        best[("cpu", lv)] = min(vals) if vals else None
    for p in f.loaded:
        cells = [f"{f.cpu_us(p, lv):.0f}{ratio(f.cpu_us(p, lv), best[('cpu', lv)])}" if f.cpu_us(p, lv) else "–"
                 for lv in f.levels]
        lines.append(f"| {LABEL[p['name']]} | " + " | ".join(cells) + " |")
    lines.append("")

    lines += ["### Added latency versus direct stdio (p50 through the proxy minus p50 straight over stdio, ms)", ""]
    lines += [f"| proxy | " + " | ".join(f"at {lv}" for lv in f.levels) + " |",
              "| --- | " + " | ".join("---" for _ in f.levels) + " |"]
    for p in f.loaded:
        cells = []
        for lv in f.levels:
            v, d = f.p(p, lv, "p50"), f.p(direct, lv, "p50")
            cells.append(fmt_ms(v - d) if v is not None and d is not None else "–")
        lines.append(f"| {LABEL[p['name']]} | " + " | ".join(cells) + " |")
    lines += ["", "A negative figure means the proxy's child model costs less than the baseline's: direct stdio "
              "runs a child per session, so at many sessions that many Node processes share two cores, while a "
              "shared-child proxy runs one.", ""]
    return lines


def session_table(f):
    lines = [
        "### Time to a usable session (ms)",
        "",
        "Start-up: from starting the proxy to the first usable session (includes starting the child). Then "
        f"{f.data['settings']['init_count']} sessions one after another on the running proxy: `initialize` answered "
        "and `notifications/initialized` accepted. Only mcp-bridge has a warm pool (children started ahead of demand); "
        "supergateway starts a child on every `initialize` and has no pool; both mcp-proxy packages start their one "
        "shared child with the proxy, so their sessions never wait for a child.",
        "",
        "| proxy | start-up to first session | time to a session, p50 | samples |",
        "| --- | --- | --- | --- |",
    ]
    starts = [f.startup(p) for p in f.runs if f.startup(p)]
    inits = [f.init_p50(p) for p in f.runs if f.init_p50(p)]
    for p in f.runs:
        st, ip = f.startup(p), f.init_p50(p)
        samples = ", ".join(fmt_ms(s) if isinstance(s, (int, float)) else s for s in p["init"]["samples_ms"])
        lines.append(f"| {LABEL[p['name']]} | {fmt_ms(st)}{ratio(st, min(starts) if starts else None)} | "
                     f"{fmt_ms(ip)}{ratio(ip, min(inits) if inits else None)} | {samples} |")
    d = f.data["direct_stdio"]["init"]
    if d and ok_count(d["init"]):
        lines.append(f"| *direct stdio (spawn + initialize)* | – | {fmt_ms(d['init']['ok_ms']['p50'])} | "
                     + ", ".join(fmt_ms(s) if isinstance(s, (int, float)) else s for s in d["samples_ms"]) + " |")
    lines.append("")
    return lines


def memory_table(f):
    top = f.levels[-1]
    lines = [
        "### Resident memory of the proxy process (VmRSS, children excluded)",
        "",
        f"Idle: after start-up and one session, settled. Per extra session, opened: (RSS with {top} sessions open − "
        f"RSS just before they opened) / {top}. In use: the same after the measured window of calls, with the "
        f"{top} sessions still open (garbage-collected runtimes grow their heap in steps, so their RSS barely moves "
        "when sessions only open).",
        "",
        f"| proxy | idle | per extra session, opened | per extra session, in use | with {top} sessions, after calls |",
        "| --- | --- | --- | --- | --- |",
    ]
    idles = [f.idle(p) for p in f.loaded if f.idle(p)]

    def best_of(get):
        return min((x for x in (get(p) for p in f.loaded) if x is not None and x > 0), default=None)

    best_open, best_use = best_of(f.per_session_kib), best_of(f.per_session_in_use_kib)
    for p in f.loaded:
        per, use, idle = f.per_session_kib(p), f.per_session_in_use_kib(p), f.idle(p)
        lines.append(f"| {LABEL[p['name']]} | {fmt_kib(idle)}{ratio(idle, min(idles))} | "
                     f"{fmt_kib(per)}{ratio(per, best_open) if per and per > 0 else ''} | "
                     f"{fmt_kib(use)}{ratio(use, best_use) if use and use > 0 else ''} | "
                     f"{fmt_kib(f.rss(p, 'after_calls'))} |")
    lines.append("")
    return lines


def overload_table(f):
    s = f.data["settings"]
    if not s["overload_sessions"]:
        return []
    lines = [
        f"### Overload: {s['overload_sessions']} sessions at once",
        "",
        f"{s['overload_sessions']} sessions initialize at the same moment, then each makes {s['overload_calls']} calls. "
        f"Every request ends within {s['overload_timeout_s']:g} s or counts as a hang. A proxy whose process tree "
        f"passes {s['guard_tree_rss_kib'] // (1024 * 1024)} GiB is killed by the benchmark (a proxy without a session "
        "limit starts a child per session).",
        "",
        "| proxy | sessions ok | refused (HTTP status) | hung | other errors | calls ok / made | slowest request | "
        "wall | peak children | peak tree RSS | proxy alive after |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for p in f.loaded:
        o = p.get("overload")
        g = p.get("overload_guard") or {}
        if not o:
            lines.append(f"| {LABEL[p['name']]} | – | – | – | – | – | – | – | – | – | load generator failed |")
            continue
        i, c = o["init"], o["calls"]
        refused = ", ".join(f"{n}× {st}" for st, n in i["http_statuses"].items()) or "0"
        hung = i["outcomes"]["timeout"] + c["outcomes"]["timeout"]
        other = sum(i["outcomes"][k] + c["outcomes"][k] for k in ("jsonrpc_error", "connect_error", "io_error", "bad_response"))
        other += c["outcomes"]["http_error"]
        alive = "yes" if p.get("alive_after_overload") else "no"
        if g.get("killed_by_guard"):
            alive = "killed by the memory guard"
        lines.append(
            f"| {LABEL[p['name']]} | {ok_count(i)} | {refused} | {hung} | {other} | {ok_count(c)} / {c['total']} | "
            f"{fmt_ms(max(i['max_ms'], c['max_ms']))} ms | {o['wall_s']:.1f} s | {g.get('peak_children', '–')} | "
            f"{fmt_kib(g.get('peak_tree_rss_kib'))} | {alive} |")
    lines.append("")
    return lines


# Which of our configurations runs the child the way a peer does (like for like).
SAME_MODEL = {"supergateway": "mcp-bridge", "mcp-proxy-npm": "mcp-bridge-shared", "mcp-proxy-pypi": "mcp-bridge-shared"}


def checks(f):
    """(figure, getter, higher is better, unit) for every figure the loss statements compare."""
    out = []
    for lv in f.levels:
        for q in ("p50", "p99"):
            out.append((f"{q} latency at {lv} sessions", lambda p, lv=lv, q=q: f.p(p, lv, q), False, "ms"))
    for lv in f.levels:
        out.append((f"proxy CPU per call at {lv} sessions", lambda p, lv=lv: f.cpu_us(p, lv), False, "µs"))
    out += [
        ("maximum calls/s", f.max_rps, True, "/s"),
        ("idle memory", f.idle, False, "KiB"),
        ("memory per extra session, opened", f.per_session_kib, False, "KiB"),
        ("memory per extra session, in use", f.per_session_in_use_kib, False, "KiB"),
        ("time to a usable session", f.init_p50, False, "ms"),
        ("start-up to the first session", f.startup, False, "ms"),
        ("sessions made usable in the burst", f.burst_ok, True, "sessions"),
        ("hung requests in the burst", f.burst_hung, False, "requests"),
    ]
    return out


def num(v):
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def beats(theirs, mine, higher):
    if theirs is None or mine is None:
        return False
    if higher:
        return theirs > mine * 1.05
    return theirs < mine * 0.95 and mine - theirs > 0.01


def losses(f):
    """Plain statements for every figure on which a peer beats one of our configurations."""
    peers = [p for p in f.runs if p["name"] in SAME_MODEL]
    ours = [f.by_name[n] for n in OURS if n in f.by_name]
    like, both, across = [], [], []
    for what, get, higher, unit in checks(f):
        for p in peers:
            theirs = get(p)
            beaten = [o for o in ours if beats(theirs, get(o), higher)]
            for o in beaten:
                line = (f"- {LABEL[p['name']]} beats {LABEL[o['name']]} on {what}: {num(theirs)} against our "
                        f"{num(get(o))} {unit}.")
                (like if SAME_MODEL[p["name"]] == o["name"] else across).append(line)
            if ours and len(beaten) == len(ours):
                mine = max(get(o) for o in ours) if higher else min(get(o) for o in ours)
                both.append(f"- {LABEL[p['name']]} beats both our configurations on {what}: {num(theirs)} {unit} "
                            f"against our best {num(mine)}.")
    out = ["Like for like (the same child model: a child per session against supergateway, one shared child "
           "against both mcp-proxy packages):", ""]
    out += like or ["- none: on every figure our configuration with the same child model is at least as good."]
    out += ["", "Against both our configurations (whatever the child model):", ""]
    out += both or ["- none: on every figure one of our configurations is at least as good."]
    out += ["", "Across child models (a child per session against one shared child; the per-session cost is the "
            "model's, see the direct stdio row, which starts a child per session too):", ""]
    out += across or ["- none."]
    return out


def analysis_lines(path):
    """The hand-written analysis (causes of losses, profiles, fixes), kept next to this script."""
    with open(path) as fh:
        return [l.rstrip("\n") for l in fh]


def plot_latency(f, path):
    levels = [int(lv) for lv in f.levels]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    series = [(LABEL[p["name"]], p) for p in f.loaded]
    series.append(("direct stdio (no proxy)", {"load": f.data["direct_stdio"]["load"]}))
    for ax, q in zip(axes, ("p50", "p99")):
        for label, peer in series:
            pts = [(int(lv), f.p(peer, lv, q)) for lv in f.levels if f.p(peer, lv, q) is not None]
            if pts:
                style = "--" if label.startswith("direct") else "-"
                ax.plot([x for x, _ in pts], [y for _, y in pts], style, marker="o", label=label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(levels)
        ax.set_xticklabels([str(x) for x in levels])
        ax.set_xlabel("concurrent sessions")
        ax.set_title(f"tools/call echo, {q} (median of {f.data['settings'].get('rounds', 1)} rounds)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("latency (ms, log)")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_memory(f, path):
    names = [LABEL[p["name"]] for p in f.loaded]
    idle = [f.idle(p) / 1024 for p in f.loaded]
    per = [max(f.per_session_in_use_kib(p) or 0, 0) for p in f.loaded]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].barh(names, idle, color="tab:blue")
    axes[0].set_xscale("log")
    axes[0].set_xlabel("MiB (log)")
    axes[0].set_title("proxy RSS, idle")
    axes[1].barh(names, per, color="tab:orange")
    axes[1].set_xscale("log")
    axes[1].set_xlabel("KiB (log)")
    axes[1].set_title(f"proxy RSS per extra session in use ({f.levels[-1]} sessions)")
    for ax in axes:
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # minor labels overlap
        ax.invert_yaxis()
        ax.grid(True, axis="x", alpha=0.3)
    axes[1].set_yticklabels([])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py <results dir> <bench dir>")
    results, bench = sys.argv[1:]
    with open(os.path.join(results, "bridge.json")) as fh:
        data = json.load(fh)
    f = Figures(data)
    lines = header(data) + proxies_table(data)
    lines += ["![tools/call latency per proxy and concurrency](bridge-latency.png)", ""]
    lines += latency_table(f) + session_table(f) + memory_table(f)
    lines += ["![proxy memory](bridge-memory.png)", ""]
    lines += overload_table(f)
    lines += ["### Where mcp-bridge loses", ""] + losses(f)
    lines += [""] + analysis_lines(os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md"))
    with open(os.path.join(results, "bridge.md"), "w") as fh:
        fh.write("\n".join(lines).rstrip() + "\n")
    plot_latency(f, os.path.join(bench, "bridge-latency.png"))
    plot_memory(f, os.path.join(bench, "bridge-memory.png"))


if __name__ == "__main__":
    main()
