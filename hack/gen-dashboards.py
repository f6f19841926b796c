#!/usr/bin/python3
"""Writes the Grafana dashboards in config/grafana/*.json from the panel lists below.

The dashboards are plain Grafana JSON (schemaVersion 39; Prometheus datasource chosen by the
${datasource} variable) and are what config/grafana's ConfigMap and the chart
(grafanaDashboards.enabled) ship. Written from this script so the panels stay uniform and
their PromQL is in one reviewable place; test/observability checks that every metric name
they read is scraped from the running operator, bridge and gateway.

Usage: hack/gen-dashboards.py [--check]   (--check: fail if config/grafana is not current)
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "config", "grafana")
DS = {"type": "prometheus", "uid": "${datasource}"}
RI = "$__rate_interval"


def var(name, query, label=None, multi=True):
    return {"name": name, "label": label or name, "type": "query", "datasource": DS,
            "query": {"query": query, "refId": name}, "refresh": 2, "includeAll": multi, "multi": multi,
            "current": {}, "sort": 1, **({"allValue": ".+"} if multi else {})}


def datasource_var():
    return {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus", "current": {}}


def panel(title, targets, unit="short", kind="timeseries", w=12, h=8, description=""):
    p = {"type": kind, "title": title, "datasource": DS, "description": description,
         "gridPos": {"w": w, "h": h},
         "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
         "targets": [{"datasource": DS, "refId": chr(ord("A") + i), "expr": e, "legendFormat": l}
                     for i, (e, l) in enumerate(targets)]}
    if kind == "table":
        p["targets"] = [dict(t, instant=True, format="table") for t in p["targets"]]
    return p


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "gridPos": {"w": 24, "h": 1}, "panels": []}


def layout(panels):
    x = y = 0
    row_h = 0
    for i, p in enumerate(panels):
        g = p["gridPos"]
        if p["type"] == "row" or x + g["w"] > 24:
            x, y = 0, y + row_h
            row_h = 0
        g.update(x=x, y=y)
        p["id"] = i + 1
        x += g["w"]
        row_h = max(row_h, g["h"])
        if p["type"] == "row":
            x, y, row_h = 0, y + 1, 0
    return panels


def dashboard(uid, title, description, variables, panels):
    return {"uid": uid, "title": title, "description": description, "tags": ["mcp", "mcp-operator"],
            "editable": True, "schemaVersion": 39, "version": 1, "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"}, "timezone": "",
            "templating": {"list": [datasource_var()] + variables}, "annotations": {"list": []},
            "links": [], "panels": layout(panels)}


def quantiles(metric, by, sel, legend):
    return [(f"histogram_quantile({q}, sum by ({by}, le) (rate({metric}_bucket{{{sel}}}[{RI}])))",
             f"p{int(q * 100)} {legend}") for q in (0.5, 0.99)]


OP = 'job=~"$job"'
operator = dashboard(
    "mcp-operator", "MCP operator",
    "The mcp-operator's controllers: reconciles, errors, work queues, latency, and the MCPServers and MCPPools by phase.",
    [var("job", "label_values(controller_runtime_reconcile_total, job)", "Job")],
    [
        row("Reconciles"),
        panel("Reconciles by result", [(f'sum by (controller, result) (rate(controller_runtime_reconcile_total{{{OP}}}[{RI}]))',
                                        "{{controller}} {{result}}")], "ops"),
        panel("Reconcile errors", [(f'sum by (controller) (rate(controller_runtime_reconcile_errors_total{{{OP}}}[{RI}]))',
                                    "{{controller}} errors"),
                                   (f'sum by (controller) (rate(controller_runtime_terminal_reconcile_errors_total{{{OP}}}[{RI}]))',
                                    "{{controller}} terminal")], "ops"),
        panel("Reconcile latency", quantiles("controller_runtime_reconcile_time_seconds", "controller", OP, "{{controller}}"), "s"),
        panel("Workers in use", [(f'sum by (controller) (controller_runtime_active_workers{{{OP}}})', "{{controller}} active"),
                                 (f'sum by (controller) (controller_runtime_max_concurrent_reconciles{{{OP}}})', "{{controller}} max")]),
        row("Work queues"),
        panel("Queue depth", [(f'sum by (name) (workqueue_depth{{{OP}}})', "{{name}}")], w=8),
        panel("Adds and retries", [(f'sum by (name) (rate(workqueue_adds_total{{{OP}}}[{RI}]))', "{{name}} adds"),
                                   (f'sum by (name) (rate(workqueue_retries_total{{{OP}}}[{RI}]))', "{{name}} retries")], "ops", w=8),
        panel("Time in queue", quantiles("workqueue_queue_duration_seconds", "name", OP, "{{name}}"), "s", w=8),
        panel("Work duration", quantiles("workqueue_work_duration_seconds", "name", OP, "{{name}}"), "s", w=12),
        panel("Unfinished work", [(f'sum by (name) (workqueue_unfinished_work_seconds{{{OP}}})', "{{name}}")], "s", w=12),
        row("Objects"),
        panel("MCPServers by phase", [('count by (phase) (mcp_operator_mcpserver_status_phase == 1)', "{{phase}}")], w=12),
        panel("MCPPools by phase", [('count by (phase) (mcp_operator_mcppool_status_phase == 1)', "{{phase}}")], w=12),
        panel("MCPServers not Ready, Degraded or not Verified",
              [('mcp_operator_mcpserver_status_condition{type="Ready",status!="True"} == 1', ""),
               ('mcp_operator_mcpserver_status_condition{type="Degraded",status="True"} == 1', ""),
               ('mcp_operator_mcpserver_status_condition{type="Verified",status="False"} == 1', "")],
              kind="table", w=24, h=8),
    ])

SRV = 'namespace=~"$namespace",mcpserver=~"$mcpserver"'
servers = dashboard(
    "mcp-servers", "MCP servers",
    "Each MCPServer's mcp-bridge: sessions against the cap, calls, errors and latency by tool, requests, the stdio children.",
    [var("namespace", "label_values(mcp_bridge_active_sessions, namespace)", "Namespace"),
     var("mcpserver", 'label_values(mcp_bridge_active_sessions{namespace=~"$namespace"}, mcpserver)', "MCPServer")],
    [
        row("Sessions"),
        panel("Sessions and cap", [(f'sum by (namespace, mcpserver) (mcp_bridge_active_sessions{{{SRV}}})', "{{mcpserver}} sessions"),
                                   (f'sum by (namespace, mcpserver) (mcp_bridge_max_sessions{{{SRV}}})', "{{mcpserver}} cap")]),
        panel("Connections", [(f'sum by (mcpserver) (mcp_bridge_open_connections{{{SRV}}})', "{{mcpserver}} open"),
                              (f'sum by (mcpserver) (rate(mcp_bridge_connections_refused_total{{{SRV}}}[{RI}]))', "{{mcpserver}} refused/s"),
                              (f'sum by (mcpserver) (rate(mcp_bridge_clients_dropped_total{{{SRV}}}[{RI}]))', "{{mcpserver}} dropped/s")]),
        row("Tools"),
        panel("Calls by tool", [(f'sum by (mcpserver, tool) (rate(mcp_bridge_tool_calls_total{{{SRV}}}[{RI}]))', "{{mcpserver}} {{tool}}")], "ops"),
        panel("Error ratio by tool", [(f'sum by (mcpserver, tool) (rate(mcp_bridge_tool_calls_total{{{SRV},outcome!="ok"}}[{RI}]))'
                                       f' / sum by (mcpserver, tool) (rate(mcp_bridge_tool_calls_total{{{SRV}}}[{RI}]))',
                                       "{{mcpserver}} {{tool}}")], "percentunit"),
        panel("Latency by tool", quantiles("mcp_bridge_tool_call_duration_seconds", "mcpserver, tool", SRV, "{{mcpserver}} {{tool}}"), "s"),
        panel("Outcomes", [(f'sum by (outcome) (rate(mcp_bridge_tool_calls_total{{{SRV}}}[{RI}]))', "{{outcome}}")], "ops"),
        row("Requests"),
        panel("Requests by method and status", [(f'sum by (method, status) (rate(mcp_bridge_requests_total{{{SRV}}}[{RI}]))',
                                                 "{{method}} {{status}}")], "reqps"),
        panel("Latency by method", quantiles("mcp_bridge_request_duration_seconds", "method", SRV, "{{method}}"), "s"),
        panel("In flight and start queue", [(f'sum by (mcpserver) (mcp_bridge_requests_in_flight{{{SRV}}})', "{{mcpserver}} in flight"),
                                            (f'sum by (mcpserver) (mcp_bridge_start_queue_depth{{{SRV}}})', "{{mcpserver}} waiting for a start slot")]),
        row("stdio children"),
        panel("Children", [(f'sum by (mcpserver) (mcp_bridge_children_running{{{SRV}}})', "{{mcpserver}} running"),
                           (f'sum by (mcpserver) (mcp_bridge_warm_children{{{SRV}}})', "{{mcpserver}} warm"),
                           (f'sum by (mcpserver) (mcp_bridge_children_starting{{{SRV}}})', "{{mcpserver}} starting")]),
        panel("Starts and crashes", [(f'sum by (mcpserver) (rate(mcp_bridge_children_started_total{{{SRV}}}[{RI}]))', "{{mcpserver}} started/s"),
                                     (f'sum by (mcpserver) (rate(mcp_bridge_children_crashed_total{{{SRV}}}[{RI}]))', "{{mcpserver}} crashed/s"),
                                     (f'sum by (mcpserver) (rate(mcp_bridge_child_stdout_lines_dropped_total{{{SRV}}}[{RI}]))', "{{mcpserver}} non-JSON lines/s"),
                                     (f'sum by (mcpserver) (rate(mcp_bridge_orphans_reaped_total{{{SRV}}}[{RI}]))', "{{mcpserver}} orphans reaped/s")], "ops"),
    ])

POOL = 'namespace=~"$namespace",mcppool=~"$mcppool"'
pools = dashboard(
    "mcp-pools", "MCP pools",
    "Each MCPPool's mcp-gateway replicas: members up, their tools, sessions, calls, errors and latency by tool.",
    [var("namespace", "label_values(mcp_gateway_member_up, namespace)", "Namespace"),
     var("mcppool", 'label_values(mcp_gateway_member_up{namespace=~"$namespace"}, mcppool)', "MCPPool")],
    [
        row("Members"),
        panel("Members up (replicas that reach them)", [(f'sum by (mcppool, member) (mcp_gateway_member_up{{{POOL}}})',
                                                         "{{mcppool}} {{member}}")]),
        panel("Tools by member", [(f'max by (mcppool, member) (mcp_gateway_member_tools{{{POOL}}})', "{{mcppool}} {{member}}")]),
        panel("Members down", [(f'mcp_gateway_member_up{{{POOL}}} == 0', "")], kind="table", w=24, h=6),
        panel("Pool status", [('mcp_operator_mcppool_status_condition{namespace=~"$namespace",name=~"$mcppool",status="True"} == 1',
                               "")], kind="table", w=24, h=6),
        row("Sessions and calls"),
        panel("Sessions and cap", [(f'sum by (mcppool) (mcp_bridge_active_sessions{{{POOL}}})', "{{mcppool}} sessions"),
                                   (f'sum by (mcppool) (mcp_bridge_max_sessions{{{POOL}}})', "{{mcppool}} cap")]),
        panel("Calls by tool", [(f'sum by (mcppool, tool) (rate(mcp_bridge_tool_calls_total{{{POOL}}}[{RI}]))', "{{mcppool}} {{tool}}")], "ops"),
        panel("Error ratio by tool", [(f'sum by (mcppool, tool) (rate(mcp_bridge_tool_calls_total{{{POOL},outcome!="ok"}}[{RI}]))'
                                       f' / sum by (mcppool, tool) (rate(mcp_bridge_tool_calls_total{{{POOL}}}[{RI}]))',
                                       "{{mcppool}} {{tool}}")], "percentunit"),
        panel("Latency by tool", quantiles("mcp_bridge_tool_call_duration_seconds", "mcppool, tool", POOL, "{{mcppool}} {{tool}}"), "s"),
    ])


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, d in (("mcp-operator", operator), ("mcp-servers", servers), ("mcp-pools", pools)):
        path = os.path.join(OUT, name + ".json")
        text = json.dumps(d, indent=2) + "\n"
        old = open(path).read() if os.path.exists(path) else None
        if old == text:
            continue
        if check:
            stale.append(path)
        else:
            os.makedirs(OUT, exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
    if stale:
        sys.exit("stale: " + ", ".join(stale) + ": run hack/gen-dashboards.py and commit them")


if __name__ == "__main__":
    main()
