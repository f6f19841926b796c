#!/usr/bin/env bash
# `make demo`: brings up the local control plane and shows it running a workload.
# It grows into the full operator demo as the operator lands; today it shows the
# foundation every test stands on: a real apiserver, scheduler, controllers and nodes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
"$REPO_ROOT/hack/cluster.sh" up >/dev/null
t_cluster=$((SECONDS - t0))
export KUBECONFIG="$CLUSTER_DIR/kubeconfig"
kubectl() { "$TOOLS_BIN/kubectl" "$@"; }

echo "== nodes"
kubectl get nodes -o wide
echo
echo "== a sample Deployment (2 replicas) on the simulated nodes"
kubectl create namespace demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n demo create deployment hello --image=example.invalid/hello:1 --replicas=2 \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null
t1=$SECONDS
kubectl -n demo rollout status deployment/hello --timeout=60s
kubectl -n demo get deployment,pods -o wide
echo
echo "== server version"
kubectl version
cat <<EOM

Timings: cluster up ${t_cluster}s, Deployment Ready $((SECONDS - t1))s, total $((SECONDS - t0))s.
Poke at it:  eval "\$(make -s cluster-env)"; $TOOLS_BIN/kubectl get all -A
Tear down:   make cluster-down
EOM
