#!/usr/bin/env bash
# Every metric name the alerts and dashboards read (promql_names.py) that is not the bridge's or
# the gateway's (mcp_bridge_*, mcp_gateway_*: metrics_scraped.mjs) is on the /metrics of the real
# mcp-operator, running against the test cluster under its own ServiceAccount with an MCPServer
# and an MCPPool to reconcile: a renamed metric fails here. And the status gauges the alerts
# read follow the objects: Running and Ready while they are, gone once the object is deleted.
# The environment comes from CTest (MCP_INTEGRATION_ENV).
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../integration/operator/op.sh"
source "$here/../integration/operator/cases.sh"

new_namespace obs
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_operator obs --metrics-bind-address="127.0.0.1:$port"
kubectl -n "$NS" apply -f - >/dev/null <<'YAML'
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: everything}
spec: {image: example.invalid/mcp:1}
---
apiVersion: mcp.v2dy.io/v1
kind: MCPPool
metadata: {name: tools}
spec:
  members:
  - name: everything
YAML
wait_until 30 "everything Running" eq mcpserver/everything '{.status.phase}' Running
pool_phase() { [[ -n $(jp mcppool/tools '{.status.phase}') ]]; }
wait_until 30 "the pool has a phase" pool_phase
scrape() { curl -sf "http://127.0.0.1:$port/metrics"; }
metrics=$(scrape)

# Every name the rules and dashboards read from the operator is a family it exports.
used=$(python3 "$here/promql_names.py")
missing=$(python3 -c '
import json, re, sys
text = sys.stdin.read()
families = set(re.findall(r"^# TYPE (\S+) \S+$", text, re.M))
samples = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", text, re.M))
ours = [n for n in json.loads(sys.argv[1]) if not n.startswith(("mcp_bridge_", "mcp_gateway_"))]
assert len(ours) >= 10, ours
print(" ".join(n for n in ours if n not in families and n not in samples))' "$used" <<<"$metrics")
[[ -z $missing ]] || fail "read by the rules or dashboards but not exported by the operator: $missing"

has() { grep -qxF "$1" <<<"$metrics"; }
server="name=\"everything\",namespace=\"$NS\""
has "mcp_operator_mcpserver_status_phase{$server,phase=\"Running\"} 1" ||
  fail "no Running phase: $(grep "$NS" <<<"$metrics")"
has "mcp_operator_mcpserver_status_condition{$server,status=\"True\",type=\"Ready\"} 1" || fail "not Ready"
has "mcp_operator_mcpserver_status_condition{$server,status=\"False\",type=\"Ready\"} 0" || fail "Ready False not 0"
phase=$(jp mcppool/tools '{.status.phase}')
has "mcp_operator_mcppool_status_phase{name=\"tools\",namespace=\"$NS\",phase=\"$phase\"} 1" ||
  fail "no pool phase $phase: $(grep "$NS" <<<"$metrics")"

# A deleted object's series leave the exposition.
kubectl -n "$NS" delete mcpserver everything --wait=false >/dev/null
gone() { ! scrape | grep -q "name=\"everything\",namespace=\"$NS\""; }
wait_until 30 "the deleted MCPServer's series gone" gone
echo "checked $(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$used") names; the operator's: all exported"
