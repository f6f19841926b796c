#!/usr/bin/env python3
"""The metric names that the alerting rules (config/prometheus/rules.yaml) and the Grafana
dashboards (config/grafana/*.json) read, from their PromQL, as a sorted JSON list.

The expressions are scanned like a tokenizer would: string literals, label matchers ({...}),
range and subquery brackets ([...]) and grouping clauses (by/without/on/ignoring/group_left/
group_right (...)) are dropped first; what remains that looks like an identifier and is not a
function call, a keyword or a number is a metric name. A histogram's _bucket/_sum/_count name
maps to the histogram (its base name), which is what an exposition's # TYPE line names.
Grafana's label_values(metric, label) and query_result(...) variable queries count too.
Usage: promql_names.py [--rules FILE] [--dashboards DIR] [--self-test]
"""
import json
import pathlib
import re
import sys

import yaml

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
            "offset", "atan2", "inf", "nan", "start", "end"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
IDENT = re.compile(r"(?<![\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def strip(expr):
    expr = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', '""', expr)  # strings
    expr = re.sub(r"\{[^{}]*\}", " ", expr)  # label matchers
    expr = re.sub(r"\[[^\[\]]*\]", " ", expr)  # ranges, subqueries
    expr = re.sub(r"\$\{?\w+\}?", " ", expr)  # Grafana variables ($__rate_interval, ${namespace})
    return GROUPING.sub(" ", expr)


def names_in(expr, histograms=()):
    # label_values(metric{...}, label): the label argument is no metric.
    expr = re.sub(r"label_values\s*\(([^,()]*(?:\{[^{}]*\})?)\s*,\s*\w+\s*\)", r"(\1)", expr)
    out = set()
    for m in IDENT.finditer(strip(expr)):
        name, call = m.group(1), m.group(2)
        if call or name.lower() in KEYWORDS or re.fullmatch(r"\d.*", name):
            continue
        out.add(base_name(name, histograms))
    return out


def base_name(name, histograms=()):
    for s in HISTOGRAM_SUFFIXES:
        if name.endswith(s) and (not histograms or name[: -len(s)] in histograms):
            return name[: -len(s)]
    return name


def rule_exprs(path):
    doc = yaml.safe_load(open(path))
    for g in doc["spec"]["groups"]:
        for r in g["rules"]:
            yield r["expr"]


def dashboard_exprs(path):
    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "expr" and isinstance(v, str):
                    yield v
                elif k == "query" and isinstance(v, (str, dict)) and node.get("type") == "query":
                    yield v if isinstance(v, str) else v.get("query", "")
                else:
                    yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)
    yield from walk(json.load(open(path)))


def self_test():
    cases = {
        'sum by (namespace, le) (rate(mcp_bridge_tool_call_duration_seconds_bucket{tool!="x",a=~"b|c"}[5m]))':
            {"mcp_bridge_tool_call_duration_seconds"},
        'histogram_quantile(0.99, sum(rate(workqueue_queue_duration_seconds_bucket[$__rate_interval])) by (le, name))':
            {"workqueue_queue_duration_seconds"},
        'a_total / on(pod) group_left(node) b_info > 0 and c unless d offset 5m':
            {"a_total", "b_info", "c", "d"},
        'mcp_bridge_active_sessions / (mcp_bridge_max_sessions > 0) > 0.9': {"mcp_bridge_active_sessions",
                                                                            "mcp_bridge_max_sessions"},
        'label_values(mcp_bridge_active_sessions{namespace=~"$namespace"}, mcpserver)': {"mcp_bridge_active_sessions"},
        'count by (phase) (mcp_operator_mcpserver_status_phase == 1)': {"mcp_operator_mcpserver_status_phase"},
        'sum(rate(x_count[1m:10s])) / sum(rate(x_sum[1m]))': {"x"},
        '{__name__="ignored"} * 2 + vector(1)': set(),
    }
    bad = [(e, names_in(e), want) for e, want in cases.items() if names_in(e) != want]
    for e, got, want in bad:
        print(f"FAIL: {e!r}: got {sorted(got)}, want {sorted(want)}", file=sys.stderr)
    return 1 if bad else 0


def main(argv):
    if "--self-test" in argv:
        return self_test()
    root = pathlib.Path(__file__).resolve().parents[2]
    rules = root / "config/prometheus/rules.yaml"
    dashboards = root / "config/grafana"
    if "--rules" in argv:
        rules = pathlib.Path(argv[argv.index("--rules") + 1])
    if "--dashboards" in argv:
        dashboards = pathlib.Path(argv[argv.index("--dashboards") + 1])
    names = set()
    for e in rule_exprs(rules):
        names |= names_in(e)
    for d in sorted(dashboards.glob("*.json")):
        for e in dashboard_exprs(d):
            names |= names_in(e)
    print(json.dumps(sorted(names)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
