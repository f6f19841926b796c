#!/usr/bin/env bash
# Keeps dist/chart in step with the rest of the tree, so the chart is never a second source of
# truth: the CRDs, the RBAC rules, the alerts, the PodMonitor, the dashboards and the platform
# policies are copied from config/ (the templates read them with .Files.Get), and the chart's version and appVersion are the VERSION file.
# `make build-installer` runs it; `--check` only reports (exit 1) whether anything is stale.
# Usage: hack/sync-chart.sh [--check]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

chart="$REPO_ROOT/dist/chart"
version=$(cat "$REPO_ROOT/VERSION")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/files/crds" "$stage/files/rbac"
# The CRDs the operator serves: those config/crd/kustomization.yaml lists (bases/ may hold a
# kind whose controller has not landed yet; it is installed nowhere until it is listed there).
for crd in $(sed -n 's/^- bases\///p' "$REPO_ROOT/config/crd/kustomization.yaml"); do
  cp "$REPO_ROOT/config/crd/bases/$crd" "$stage/files/crds/"
done
for f in role leader_election_role mcpserver_admin_role mcpserver_editor_role mcpserver_viewer_role \
         mcppool_admin_role mcppool_editor_role mcppool_viewer_role; do
  cp "$REPO_ROOT/config/rbac/$f.yaml" "$stage/files/rbac/"
done
# The alerts, the PodMonitor and the dashboards (templates prometheusrule, podmonitor, grafana-dashboards).
mkdir -p "$stage/files/prometheus" "$stage/files/grafana"
cp "$REPO_ROOT/config/prometheus/rules.yaml" "$REPO_ROOT/config/prometheus/podmonitor.yaml" "$stage/files/prometheus/"
cp "$REPO_ROOT"/config/grafana/*.json "$stage/files/grafana/"
# The platform policies (template policies; bindings and params come from values).
mkdir -p "$stage/files/policies"
cp "$REPO_ROOT"/config/policies/{allowed_registries,exposure_requires_auth,replica_cap}.yaml "$stage/files/policies/"
sed -e "s/^version: .*/version: $version/" -e "s/^appVersion: .*/appVersion: \"$version\"/" \
  "$chart/Chart.yaml" >"$stage/Chart.yaml"

if [[ ${1:-} == --check ]]; then
  stale=0
  diff -ru "$chart/files" "$stage/files" >&2 || stale=1
  diff -u "$chart/Chart.yaml" "$stage/Chart.yaml" >&2 || stale=1
  [[ $stale == 0 ]] || die "dist/chart is stale: run 'make build-installer' and commit it"
  exit 0
fi
rm -rf "$chart/files"
cp -r "$stage/files" "$chart/files"
cp "$stage/Chart.yaml" "$chart/Chart.yaml"
