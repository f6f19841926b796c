#!/usr/bin/env bash
# End-to-end checks of the local control plane that `hack/cluster.sh up` starts.
# Usage: cluster_test.sh <case>; KUBECONFIG and TOOLS_BIN come from CTest.
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
: "${KUBECONFIG:?KUBECONFIG must point at the test cluster}"
# KUBE_BIN: the oldest supported release's kubectl for the second cluster (test/integration).
kubectl() { "${KUBE_BIN:-$TOOLS_BIN}/kubectl" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

case "$1" in
  nodes_ready)
    # Every simulated node registers and reports Ready.
    ready=$(kubectl get nodes -l type=kwok \
      -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$' || true)
    [[ "$ready" -ge 3 ]] || fail "expected at least 3 Ready nodes, found $ready"
    ;;
  deployment_becomes_ready)
    # The scheduler places the pods, kwok runs them: 2/2 Ready within 30 s.
    ns="it-deploy-$$"
    kubectl create namespace "$ns" >/dev/null
    trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT
    kubectl -n "$ns" create deployment web --image=example.invalid/web:1 --replicas=2 >/dev/null
    kubectl -n "$ns" rollout status deployment/web --timeout=30s
    ready=$(kubectl -n "$ns" get deployment web -o jsonpath='{.status.readyReplicas}')
    [[ "$ready" == "2" ]] || fail "expected 2 ready replicas, got '$ready'"
    phases=$(kubectl -n "$ns" get pods -l app=web -o jsonpath='{.items[*].status.phase}')
    [[ "$phases" == "Running Running" ]] || fail "expected 2 Running pods, got '$phases'"
    ;;
  rbac_enforced)
    # RBAC is on: an unprivileged ServiceAccount may not create pods, the admin may.
    answer=$(kubectl auth can-i create pods --as system:serviceaccount:default:default || true)
    [[ "$answer" == "no" ]] || fail "default ServiceAccount can create pods: '$answer'"
    [[ "$(kubectl auth can-i create pods)" == "yes" ]] || fail "admin cannot create pods"
    ;;
  serviceaccount_tokens)
    # Token signing works: the apiserver issues a token and accepts it back.
    token=$(kubectl create token default -n default --duration=10m)
    server=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
    ca=$(mktemp); trap 'rm -f "$ca"' EXIT
    kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d > "$ca"
    who=$(curl -fsS --cacert "$ca" -H "Authorization: Bearer $token" -X POST \
      -H 'Content-Type: application/json' "$server/apis/authentication.k8s.io/v1/selfsubjectreviews" \
      -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}')
    user=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["userInfo"]["username"])' <<<"$who")
    [[ "$user" == "system:serviceaccount:default:default" ]] || fail "token not accepted: $who"
    ;;
  server_version)
    # The apiserver reports the pinned release, not a development version.
    got=$(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')
    [[ "$got" == "$K8S_VERSION" ]] || fail "server version $got, expected $K8S_VERSION"
    ;;
  no_route_out)
    # Pod and Service addresses of the simulated cluster can never leave the machine.
    in_range() { python3 -c 'import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1])[int(sys.argv[2])])' "$@"; }
    for ip in "$(in_range "${POD_CIDR:-10.244.0.0/16}" 7)" "$(in_range "${SERVICE_CIDR:-10.96.0.0/16}" 10)"; do
      route=$(ip route get "$ip" 2>&1 || true)
      grep -qE 'blackhole|unreachable|prohibit|No route|Invalid argument' <<<"$route" || fail "$ip routes out: $route"
    done
    ;;
  *) fail "unknown case $1" ;;
esac
echo "ok: $1"
