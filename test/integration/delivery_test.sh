#!/usr/bin/env bash
# How users install the operator: dist/install.yaml and the Helm chart in dist/chart, against the
# real apiserver of the test cluster.
# Usage: delivery_test.sh <case>; KUBECONFIG, TOOLS_BIN and MCP_SOURCE_DIR come from CTest.
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
: "${MCP_SOURCE_DIR:?}" "${TOOLS_BIN:?}"
export PATH="$TOOLS_BIN:$PATH"
fail() { echo "FAIL: $*" >&2; exit 1; }
version=$(cat "$MCP_SOURCE_DIR/VERSION")
chart="$MCP_SOURCE_DIR/dist/chart"

# jpath <jsonpath> <kind/name> [-n ns]: one field of a live object.
jpath() { local p=$1; shift; kubectl get "$@" -o "jsonpath=$p"; }

# The restricted Pod Security Standard, field by field, on a Deployment's pod template.
check_restricted() {  # check_restricted <namespace> <deployment>
  local ns=$1 d=$2 sc
  sc=(-n "$ns" deployment "$d")
  [[ $(jpath '{.spec.template.spec.securityContext.runAsNonRoot}' "${sc[@]}") == true ]] || fail "$d: runAsNonRoot"
  [[ $(jpath '{.spec.template.spec.securityContext.seccompProfile.type}' "${sc[@]}") == RuntimeDefault ]] ||
    fail "$d: seccompProfile"
  [[ $(jpath '{.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation}' "${sc[@]}") == false ]] ||
    fail "$d: allowPrivilegeEscalation"
  [[ $(jpath '{.spec.template.spec.containers[0].securityContext.capabilities.drop}' "${sc[@]}") == '["ALL"]' ]] ||
    fail "$d: capabilities.drop"
  [[ $(jpath '{.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem}' "${sc[@]}") == true ]] ||
    fail "$d: readOnlyRootFilesystem"
  # The namespace enforces `restricted`, so a pod exists only if the apiserver's Pod Security
  # admission accepted it (kwok then reports it Running).
  kubectl -n "$ns" wait --for=condition=Available "deployment/$d" --timeout=90s >/dev/null ||
    fail "$d not Available: $(kubectl -n "$ns" get events --field-selector reason=FailedCreate -o name)"
}

# The chart's release in the shared test cluster. Tests that install it run one after another.
release=mcp-operator
release_ns="mcp-helm-${1//_/-}"  # one namespace per case: a deleted one takes a moment to go
crd=mcpservers.mcp.v2dy.io

# rendered <kind> <yaml>: the "namespace/name" of every object of that kind in a YAML stream.
rendered() {
  python3 -c '
import sys, yaml
for d in yaml.safe_load_all(sys.stdin):
    if d and d["kind"] == sys.argv[1]:
        print(d["metadata"].get("namespace", "") + "/" + d["metadata"]["name"])' "$1" <<<"$2"
}

helm_cleanup() {
  helm uninstall "$release" -n "$release_ns" --wait >/dev/null 2>&1 || true
  kubectl delete namespace "$release_ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}

case "$1" in
  dist_current)
    # dist/install.yaml and dist/chart are what `make build-installer` writes.
    diff -u "$MCP_SOURCE_DIR/dist/install.yaml" \
      <("$MCP_SOURCE_DIR/hack/render-install.sh" "mcp-operator:$version" "mcp-bridge:$version") >&2 ||
      fail "dist/install.yaml is stale: run 'make build-installer' and commit it"
    "$MCP_SOURCE_DIR/hack/sync-chart.sh" --check
    [[ $(helm show chart "$chart" | awk '$1 == "version:" {print $2}') == "$version" ]] ||
      fail "chart version is not $version"
    ;;
  config_optional_components)
    # Uncommenting ../prometheus and ../network-policy in config/default (Kubebuilder's way)
    # yields a ServiceMonitor and a NetworkPolicy in the operator's namespace that select the
    # operator's pods and its metrics port.
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    cp -r "$MCP_SOURCE_DIR/config" "$tmp/"
    sed -i -e 's|^#- ../prometheus|- ../prometheus|' -e 's|^#- ../network-policy|- ../network-policy|' \
      -e 's|^#- ../grafana|- ../grafana|' "$tmp/config/default/kustomization.yaml"
    kustomize build "$tmp/config/default" | python3 -c '
import sys, yaml
all_docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
docs = {d["kind"]: d for d in all_docs}
dashboards = [d for d in all_docs if d["kind"] == "ConfigMap" and d["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
dep, svc = docs["Deployment"], docs["Service"]
pod = dep["spec"]["template"]["metadata"]["labels"]
port = next(p for p in dep["spec"]["template"]["spec"]["containers"][0]["ports"] if p["name"] == "metrics")
sm, np = docs["ServiceMonitor"], docs["NetworkPolicy"]
def sel(labels, selector): return all(labels.get(k) == v for k, v in selector.items())
checks = {
  "Service selects the pods": sel(pod, svc["spec"]["selector"]),
  "ServiceMonitor selects the Service": sel(svc["metadata"]["labels"], sm["spec"]["selector"]["matchLabels"]),
  "ServiceMonitor scrapes the metrics port": sm["spec"]["endpoints"][0]["port"] == "metrics",
  "NetworkPolicy selects the pods": sel(pod, np["spec"]["podSelector"]["matchLabels"]),
  "NetworkPolicy opens the metrics port": np["spec"]["ingress"][0]["ports"][0]["port"] == port["containerPort"],
  "all in mcp-operator-system": all(d["metadata"].get("namespace") == "mcp-operator-system" for d in (svc, sm, np)),
  "alerts in a PrometheusRule": len(docs["PrometheusRule"]["spec"]["groups"]) > 0,
  "bridges and gateways in a PodMonitor": docs["PodMonitor"]["spec"]["podMetricsEndpoints"][0]["port"] == "mcp",
  "three dashboards": len(dashboards) == 3,
}
bad = [k for k, ok in checks.items() if not ok]
sys.exit("FAIL: " + ", ".join(bad) if bad else 0)'
    ;;
  helm_lint)
    out=$(helm lint --strict "$chart" 2>&1) || fail "helm lint: $out"
    out=$(helm lint --strict "$chart" --set 'watchNamespaces={team-a,team-b}' --set serviceMonitor.enabled=true \
      --set networkPolicy.enabled=true --set replicas=2 --set podMonitor.enabled=true --set prometheusRule.enabled=true \
      --set grafanaDashboards.enabled=true --set policies.allowedRegistries.enabled=true \
      --set 'policies.allowedRegistries.prefixes={ghcr.io/v2dy/}' --set policies.exposureRequiresAuth.enabled=true \
      --set policies.replicaCap.enabled=true 2>&1) || fail "helm lint with every option: $out"
    ;;
  helm_template_watch_namespaces)
    # A namespaced install: Roles and RoleBindings in the listed namespaces (plus leader election
    # in the release's), no ClusterRole, no ClusterRoleBinding.
    out=$(helm template "$release" "$chart" -n ops --set 'watchNamespaces={team-a,team-b}')
    [[ -z $(rendered ClusterRole "$out") ]] || fail "ClusterRoles rendered: $(rendered ClusterRole "$out")"
    [[ -z $(rendered ClusterRoleBinding "$out") ]] || fail "ClusterRoleBindings rendered"
    [[ $(rendered Role "$out" | sort | tr '\n' ' ') == \
      "ops/mcp-operator-leader-election team-a/mcp-operator-manager team-b/mcp-operator-manager " ]] ||
      fail "Roles: $(rendered Role "$out")"
    [[ $(rendered RoleBinding "$out" | grep -c manager) == 2 ]] || fail "RoleBindings: $(rendered RoleBinding "$out")"
    grep -q -- '--watch-namespaces=team-a,team-b' <<<"$out" || fail "operator flag missing"
    # The manager Role grants exactly config/rbac/role.yaml's rules.
    python3 -c '
import sys, yaml
want = yaml.safe_load(open(sys.argv[1]))["rules"]
roles = [d for d in yaml.safe_load_all(sys.stdin)
         if d and d["kind"] == "Role" and d["metadata"]["name"].endswith("-manager")]
sys.exit(0 if len(roles) == 2 and all(r["rules"] == want for r in roles) else 1)' \
      "$MCP_SOURCE_DIR/config/rbac/role.yaml" <<<"$out" || fail "Role rules differ from config/rbac"
    # And the cluster-wide default renders the ClusterRole instead, and no manager Role.
    out=$(helm template "$release" "$chart" -n ops)
    rendered ClusterRoleBinding "$out" | grep -qx /mcp-operator-manager || fail "no ClusterRoleBinding by default"
    [[ -z $(rendered Role "$out" | grep manager) ]] || fail "manager Role in a cluster-wide install"
    ;;
  helm_invalid_values)
    # Bad values fail at install with the schema's message, and install nothing.
    kubectl create namespace "$release_ns" >/dev/null
    trap helm_cleanup EXIT
    check_rejected() {  # check_rejected <expected message> <helm args...>
      local want=$1 out; shift
      if out=$(helm install "$release" "$chart" -n "$release_ns" "$@" 2>&1); then fail "accepted: $*"; fi
      grep -qF -- "$want" <<<"$out" || fail "for $*: expected '$want' in: $out"
    }
    check_rejected "at '/replicas': minimum: got -1, want 0" --set replicas=-1
    check_rejected "at '/logFormat': value must be one of 'json', 'text'" --set logFormat=xml
    check_rejected "at '/logLevel': value must be one of" --set logLevel=verbose
    check_rejected "at '/watchNamespaces/0'" --set 'watchNamespaces={Team_A}'
    check_rejected "additional properties 'replica' not allowed" --set replica=2
    check_rejected "replicas > 1 needs leaderElection.enabled=true" --set replicas=2 --set leaderElection.enabled=false
    [[ -z $(helm list -n "$release_ns" -a -q) ]] || fail "a release was recorded: $(helm list -n "$release_ns" -a)"
    [[ -z $(kubectl -n "$release_ns" get deployments,serviceaccounts -l app.kubernetes.io/instance="$release" -o name) ]] ||
      fail "objects were created"
    ;;
  helm_install_upgrade_uninstall)
    kubectl create namespace "$release_ns" >/dev/null
    kubectl label namespace "$release_ns" pod-security.kubernetes.io/enforce=restricted >/dev/null
    trap helm_cleanup EXIT
    # The CRDs already exist (installed by `kubectl apply`, as after dist/install.yaml): hand
    # them to the release the way docs/install.md tells users moving to Helm.
    for c in "$crd" mcppools.mcp.v2dy.io; do
      if kubectl get crd "$c" >/dev/null 2>&1; then
        kubectl annotate crd "$c" --overwrite meta.helm.sh/release-name="$release" \
          meta.helm.sh/release-namespace="$release_ns" >/dev/null
        kubectl label crd "$c" --overwrite app.kubernetes.io/managed-by=Helm >/dev/null
      fi
    done
    out=$(helm install "$release" "$chart" -n "$release_ns" --wait --timeout 120s 2>&1) || fail "install: $out"
    grep -q "kubectl -n $release_ns rollout status deployment/$release" <<<"$out" || fail "NOTES missing: $out"
    deploy=(-n "$release_ns" deployment "$release")
    [[ $(jpath '{.spec.template.spec.containers[0].image}' "${deploy[@]}") == "mcp-operator:$version" ]] ||
      fail "image is not mcp-operator:$version"
    check_restricted "$release_ns" "$release"
    [[ $(jpath '{.metadata.annotations.helm\.sh/resource-policy}' crd "$crd") == keep ]] || fail "CRD not kept"
    kubectl -n "$release_ns" get service "$release-metrics" >/dev/null || fail "no metrics Service"
    # The ServiceAccount may do what the operator does, cluster-wide.
    sa="system:serviceaccount:$release_ns:$release"
    [[ $(kubectl auth can-i list mcpservers --all-namespaces --as "$sa") == yes ]] || fail "SA cannot list MCPServers"
    [[ $(kubectl auth can-i create leases -n "$release_ns" --as "$sa") == yes ]] || fail "SA cannot take the Lease"

    # Upgrade: a changed value changes the rendered Deployment, which rolls out.
    gen=$(jpath '{.metadata.generation}' "${deploy[@]}")
    out=$(helm upgrade "$release" "$chart" -n "$release_ns" --reuse-values --set logLevel=debug \
      --set-string 'podAnnotations.example\.com/owner=platform' --wait --timeout 120s 2>&1) || fail "upgrade: $out"
    args=$(jpath '{.spec.template.spec.containers[0].args}' "${deploy[@]}")
    grep -q -- '--log-level=debug' <<<"$args" || fail "upgrade did not change the args: $args"
    [[ $(jpath '{.spec.template.metadata.annotations.example\.com/owner}' "${deploy[@]}") == platform ]] ||
      fail "pod annotation missing"
    (($(jpath '{.metadata.generation}' "${deploy[@]}") > gen)) || fail "the Deployment did not change"
    [[ $(helm history "$release" -n "$release_ns" -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') == 2 ]] ||
      fail "expected 2 revisions"

    # Uninstall: the operator and its RBAC go, the CRD (and with it every MCPServer) stays.
    out=$(helm uninstall "$release" -n "$release_ns" --wait 2>&1) || fail "uninstall: $out"
    ! kubectl "${deploy[@]}" >/dev/null 2>&1 || fail "Deployment left after uninstall"
    ! kubectl get clusterrole "$release-manager" >/dev/null 2>&1 || fail "ClusterRole left after uninstall"
    kubectl get crd "$crd" >/dev/null || fail "uninstall deleted the CRD"
    ;;
  helm_install_watch_namespaces)
    # A tenant install: the CRD is the cluster admin's (crds.install=false), the operator may act
    # only in its namespaces.
    tenants=(mcp-helm-team-a mcp-helm-team-b)
    kubectl create namespace "$release_ns" >/dev/null
    for t in "${tenants[@]}" mcp-helm-other; do kubectl create namespace "$t" >/dev/null; done
    trap 'helm_cleanup; kubectl delete namespace "${tenants[@]}" mcp-helm-other --wait=false >/dev/null 2>&1 || true' EXIT
    out=$(helm install "$release" "$chart" -n "$release_ns" --set crds.install=false \
      --set "watchNamespaces={${tenants[0]},${tenants[1]}}" --wait --timeout 120s 2>&1) || fail "install: $out"
    sa="system:serviceaccount:$release_ns:$release"
    for t in "${tenants[@]}"; do
      [[ $(kubectl auth can-i patch mcpservers --subresource=status -n "$t" --as "$sa") == yes ]] || fail "SA cannot work in $t"
      [[ $(kubectl auth can-i create deployments -n "$t" --as "$sa") == yes ]] || fail "SA cannot create in $t"
    done
    [[ $(kubectl auth can-i list mcpservers -n mcp-helm-other --as "$sa" || true) == no ]] ||
      fail "SA may list MCPServers outside its namespaces"
    [[ $(kubectl auth can-i list mcpservers --all-namespaces --as "$sa" || true) == no ]] ||
      fail "SA may list MCPServers cluster-wide"
    [[ -z $(kubectl get clusterrole,clusterrolebinding -l app.kubernetes.io/instance="$release" -o name) ]] ||
      fail "cluster-wide RBAC was created"
    ;;
  install_yaml_apply)
    ns=mcp-operator-system
    # Only the Deployment goes afterwards: the namespace, ServiceAccount and RBAC are the very
    # objects the operator tests' fixture (test/integration/operator/rbac) installs and uses.
    trap 'kubectl -n "$ns" delete deployment mcp-operator-controller-manager --ignore-not-found >/dev/null 2>&1 || true' EXIT
    for attempt in 1 2; do
      out=$(kubectl apply --server-side -f "$MCP_SOURCE_DIR/dist/install.yaml" 2>&1) ||
        fail "apply #$attempt failed: $out"
      # Nothing but one line per object: a warning (e.g. of Pod Security admission) fails too.
      if grep -v -e 'serverside-applied$' -e 'unchanged$' <<<"$out" | grep -q .; then
        fail "apply #$attempt printed more than its objects: $out"
      fi
    done
    # Every object of the file exists as written.
    expected=$(grep -c '^kind:' "$MCP_SOURCE_DIR/dist/install.yaml")
    live=$(kubectl get -f "$MCP_SOURCE_DIR/dist/install.yaml" -o name | wc -l)
    [[ $live == "$expected" ]] || fail "$live of $expected objects exist"
    [[ $(jpath '{.metadata.labels.pod-security\.kubernetes\.io/enforce}' namespace "$ns") == restricted ]] ||
      fail "namespace $ns does not enforce restricted"
    [[ $(jpath '{.spec.template.spec.containers[0].image}' -n "$ns" deployment mcp-operator-controller-manager) == \
      "mcp-operator:$version" ]] || fail "operator image is not mcp-operator:$version"
    check_restricted "$ns" mcp-operator-controller-manager
    ;;
  *) fail "unknown case $1" ;;
esac
