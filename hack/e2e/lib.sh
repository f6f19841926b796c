#!/usr/bin/env bash
# Helpers for `make demo` and the e2e tests on the real-node cluster (sourced after hack/lib.sh,
# with KUBECONFIG pointing at the cluster and the images listed by hack/e2e-images.sh loaded).

kubectl() { "$TOOLS_BIN/kubectl" "$@"; }

# apply_sample <namespace> <stdio|http>: one of hack/e2e/samples with the local image filled in.
apply_sample() {
  sed "s|@SERVER_EVERYTHING_IMAGE@|$SERVER_EVERYTHING_IMAGE|" "$REPO_ROOT/hack/e2e/samples/everything-$2.yaml" |
    kubectl -n "$1" apply -f - >/dev/null
}

# mcps_verified <namespace> <name>: Running with Verified=True.
mcps_verified() {
  local out
  out=$(kubectl -n "$1" get mcps "$2" -o jsonpath='{.status.phase} {.status.conditions[?(@.type=="Verified")].status}')
  [[ $out == "Running True" ]]
}

# start_client <namespace> <pod> <url> [client.mjs args...]: a restricted pod that runs
# hack/e2e/client.mjs (TypeScript SDK) from a ConfigMap, with the server-everything image.
start_client() {
  local ns=$1 pod=$2; shift 2
  kubectl -n "$ns" create configmap e2e-client --from-file=client.mjs="$REPO_ROOT/hack/e2e/client.mjs" \
    --dry-run=client -o yaml | kubectl -n "$ns" apply -f - >/dev/null
  local args="" a
  for a in /app/e2e/client.mjs "$@"; do args+="\"$a\", "; done
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $pod
  labels: {app.kubernetes.io/name: mcp-e2e-client}
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: client
    image: $SERVER_EVERYTHING_IMAGE
    imagePullPolicy: IfNotPresent
    args: [${args%, }]
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
    volumeMounts:
    - {name: client, mountPath: /app/e2e, readOnly: true}
  volumes:
  - name: client
    configMap: {name: e2e-client}
YAML
}

# wait_client <namespace> <pod> [seconds]: waits until the client pod ends; prints its output;
# fails unless it Succeeded.
wait_client() {
  local ns=$1 pod=$2 secs=${3:-120} phase=""
  local deadline=$((SECONDS + secs))
  while ((SECONDS < deadline)); do
    phase=$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    [[ $phase == Succeeded || $phase == Failed ]] && break
    sleep 0.5
  done
  kubectl -n "$ns" logs "$pod" 2>&1 || true
  [[ $phase == Succeeded ]]
}

# run_client <namespace> <pod> <url> [args...]: start_client + wait_client, then delete the pod.
run_client() {
  local ns=$1 pod=$2 rc=0
  start_client "$@"
  wait_client "$ns" "$pod" || rc=$?
  kubectl -n "$ns" delete pod "$pod" --wait=false >/dev/null 2>&1 || true
  return $rc
}
