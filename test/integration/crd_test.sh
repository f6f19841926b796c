#!/usr/bin/env bash
# The CRDs as the real apiserver serves them: install, explain, samples, invalid specs (MCPServer,
# and MCPPool, whose CRD is applied from bases/ here although no controller serves it yet).
# Usage: crd_test.sh <case>; KUBECONFIG, TOOLS_BIN and MCP_SOURCE_DIR come from CTest.
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
: "${KUBECONFIG:?}" "${MCP_SOURCE_DIR:?}"
# KUBE_BIN: the oldest supported release's kubectl for the second cluster (test/integration).
kubectl() { "${KUBE_BIN:-$TOOLS_BIN}/kubectl" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
retry() {  # retry <seconds> <command...>: discovery and OpenAPI publish lag a CRD by a moment
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.5; done
}

case "$1" in
  install)
    # Fixture: the CRDs exactly as `make install` applies them.
    kubectl apply --server-side --force-conflicts -f "$MCP_SOURCE_DIR/config/crd/bases/" >/dev/null
    established() { [[ "$(kubectl get crd mcpservers.mcp.v2dy.io -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null)" == True ]]; }
    retry 30 established || fail "CRD not Established after 30s"
    retry 30 kubectl get mcps -A >/dev/null 2>&1 || fail "mcps not served after 30s"
    ;;
  explain)
    out=$(retry 30 kubectl explain mcpserver.spec.protocol 2>/dev/null) || fail "kubectl explain failed"
    grep -q 'How the server speaks MCP' <<<"$out" || fail "explain lacks the description: $out"
    grep -q 'stdio' <<<"$out" || fail "explain lacks the enum: $out"
    kubectl explain mcps.spec.env.valueFrom.secretKeyRef >/dev/null || fail "core types not expanded"
    ;;
  samples_accepted)
    # Every sample is accepted, defaults are applied, and kubectl get shows the columns.
    ns="it-samples-$$"
    kubectl create namespace "$ns" >/dev/null
    trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT
    kubectl -n "$ns" apply -k "$MCP_SOURCE_DIR/config/samples/" >/dev/null
    [[ "$(kubectl -n "$ns" get mcps -o name | wc -l)" == 3 ]] || fail "expected 3 MCPServers"
    [[ "$(kubectl -n "$ns" get mcps sendgrid-mcp -o jsonpath='{.spec.path}')" == "/mcp" ]] || fail "path default"
    [[ "$(kubectl -n "$ns" get mcps everything -o jsonpath='{.spec.port}')" == "3000" ]] || fail "port"
    header=$(kubectl -n "$ns" get mcps); header=${header%%$'\n'*}
    for col in NAME PHASE READY URL AGE; do grep -qw "$col" <<<"$header" || fail "no $col column: $header"; done
    wide=$(kubectl -n "$ns" get mcps -o wide); wide=${wide%%$'\n'*}
    for col in PROTOCOL TOOLS VERIFIED; do grep -qw "$col" <<<"$wide" || fail "no $col column: $wide"; done
    kubectl get mcp -A >/dev/null || fail "category mcp"
    ;;
  invalid_specs)
    # Each invalid spec is refused at apply time with a message naming the field and the fix.
    ns="it-invalid-$$"
    kubectl create namespace "$ns" >/dev/null
    trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT
    n=0
    for f in "$MCP_SOURCE_DIR"/test/integration/crd/invalid/*.yaml; do
      expect=$(sed -n 's/^# expect: //p' "$f")
      [[ -n "$expect" ]] || fail "$f has no '# expect:' line"
      if out=$(kubectl -n "$ns" apply -f "$f" 2>&1); then
        fail "$(basename "$f") was accepted: $out"
      fi
      # A 1.28 apiserver also shows the value's type in a CEL rule's error ('Invalid value: "object": ').
      out=${out//'Invalid value: "object": '/'Invalid value: '}
      grep -qF -- "$expect" <<<"$out" || fail "$(basename "$f"): expected '$expect' in: $out"
      n=$((n + 1))
    done
    ((n >= 8)) || fail "only $n invalid cases"
    echo "$n invalid specs refused"
    ;;
  *) fail "unknown case $1" ;;
esac
echo "ok: $1"
