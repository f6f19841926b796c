#!/usr/bin/env bash
# The PrometheusRule in config/prometheus/rules.yaml, with the pinned promtool (hack/build-tools.sh):
#   check  `promtool check rules` on its rule groups (PromQL parses, templates parse);
#   test   `promtool test rules` with rules_test.yaml: every alert firing and not firing.
# Usage: rules_test.sh check|test; MCP_SOURCE_DIR and TOOLS_BIN come from CTest.
set -euo pipefail
: "${MCP_SOURCE_DIR:?}" "${TOOLS_BIN:?}"
promtool="$TOOLS_BIN/promtool"
[[ -x $promtool ]] || { echo "FAIL: $promtool is missing: run 'make tools'" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The PrometheusRule's spec is a Prometheus rule file. For the unit tests the `description`
# annotations are left out (prose that the tests would only copy); everything else is as written.
python3 - "$MCP_SOURCE_DIR/config/prometheus/rules.yaml" "$tmp" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
assert doc["kind"] == "PrometheusRule", doc["kind"]
groups = doc["spec"]["groups"]
yaml.safe_dump({"groups": groups}, open(sys.argv[2] + "/full.yaml", "w"), sort_keys=False)
for g in groups:
    for r in g["rules"]:
        r.get("annotations", {}).pop("description", None)
yaml.safe_dump({"groups": groups}, open(sys.argv[2] + "/rules.yaml", "w"), sort_keys=False)
PY

case "${1:?check|test}" in
  check)
    "$promtool" check rules "$tmp/full.yaml"
    ;;
  test)
    cp "$(dirname "$0")/rules_test.yaml" "$tmp/"
    # Every alert of the rules has a test that expects it to fire.
    python3 - "$tmp/full.yaml" "$tmp/rules_test.yaml" <<'PY'
import sys, yaml
alerts = {r["alert"] for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"] if "alert" in r}
fired = {a["alertname"] for t in yaml.safe_load(open(sys.argv[2]))["tests"]
         for a in t.get("alert_rule_test", []) if a.get("exp_alerts")}
silent = {a["alertname"] for t in yaml.safe_load(open(sys.argv[2]))["tests"]
          for a in t.get("alert_rule_test", []) if not a.get("exp_alerts")}
missing = sorted((alerts - fired) | (alerts - silent))
sys.exit("FAIL: alerts without a firing and a silent test: " + ", ".join(missing) if missing else 0)
PY
    (cd "$tmp" && "$promtool" test rules rules_test.yaml)
    ;;
  *) echo "unknown case: $1" >&2; exit 2 ;;
esac
