#!/usr/bin/env bash
# The helpers of the operator cases (operator_test.sh, pool_test.sh), sourced after op.sh: fail,
# wait_until, jp/eq/expect on objects of $NS, new_namespace and start_operator, whose namespaces
# are deleted and operators stopped when the case exits.
fail() { echo "FAIL: $*" >&2; exit 1; }
wait_until() {  # wait_until <seconds> <what> <command...>
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "not within ${secs}s: $what"
    sleep 0.2
  done
}
jp() { kubectl -n "$NS" get "$1" -o jsonpath="$2"; }
eq() { [[ "$(jp "$1" "$2")" == "$3" ]]; }
expect() {  # expect <resource> <jsonpath> <value>
  local got; got=$(jp "$1" "$2")
  [[ "$got" == "$3" ]] || fail "$1 $2: expected '$3', got '$got'"
}
new_namespace() {
  NS="it-op-$1-$$"
  kubectl create namespace "$NS" >/dev/null
  CLEANUP+=("kubectl delete namespace $NS --wait=false")
}
CLEANUP=()
cleanup() {
  for c in "${CLEANUP[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
start_operator() {  # start_operator <name> [flags...]
  local name=$1
  op_start "$@"
  CLEANUP=("op_stop $name" "${CLEANUP[@]}")
}
