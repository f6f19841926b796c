#!/usr/bin/env bash
# Builds the pinned test tooling (Kubernetes components, etcd, kwok, helm, kustomize, promtool, otelcol)
# from Go modules under tools/ into $TOOLS_BIN. Idempotent: a tool is rebuilt only when
# its module files or version changed (a stamp per tool records what was built).
# `oldest` builds the oldest supported Kubernetes' control plane and kubectl (tools/kubernetes-oldest)
# into $K8S_OLDEST_BIN.
# Usage: hack/build-tools.sh [tool...]   (default: all)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

mkdir -p "$TOOLS_BIN"
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED=0

# stamp_of <module dir> <extra>: what identifies one build of a tool.
stamp_of() { cat "$REPO_ROOT/tools/$1/go.mod" "$REPO_ROOT/tools/$1/go.sum" | sha256sum | cut -c1-16; }

# build <module dir> <binary name> <package> [ldflags] [go build flags...]
# Into $BIN (default $TOOLS_BIN).
build() {
  local mod=$1 name=$2 pkg=$3 ldflags=${4:-}
  local extra=("${@:5}")
  local bin=${BIN:-$TOOLS_BIN}
  local stamp; stamp="$(stamp_of "$mod")-$(go env GOVERSION)"
  local stampfile="$bin/.$name.stamp"
  if [[ -x "$bin/$name" && -f "$stampfile" && "$(cat "$stampfile")" == "$stamp" ]]; then
    return 0
  fi
  mkdir -p "$bin"
  log "building $name ($pkg, into $bin)"
  local t0=$SECONDS
  (cd "$REPO_ROOT/tools/$mod" && nice -n 10 go build -trimpath -ldflags "-s -w $ldflags" "${extra[@]}" -o "$bin/$name.tmp" "$pkg")
  mv "$bin/$name.tmp" "$bin/$name"
  echo "$stamp" > "$stampfile"
  log "built $name in $((SECONDS - t0))s"
}

k8s_ldflags() {  # k8s_ldflags [version] (default $K8S_VERSION)
  local version=${1:-$K8S_VERSION}
  local v=${version#v} major minor
  major=${v%%.*}; minor=${v#*.}; minor=${minor%%.*}
  local out=""
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    out+=" -X '$pkg.gitVersion=$version' -X '$pkg.gitMajor=$major' -X '$pkg.gitMinor=$minor'"
    out+=" -X '$pkg.gitTreeState=clean' -X '$pkg.buildDate=1970-01-01T00:00:00Z'"
  done
  echo "$out"
}

want=("$@")
[[ ${#want[@]} -gt 0 ]] || want=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kubelet kube-proxy helm kustomize promtool
                                     containerd runc crictl coredns hydra otelcol oldest)

for t in "${want[@]}"; do
  case $t in
    etcd) build etcd etcd go.etcd.io/etcd/server/v3 "-X 'go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION'" ;;
    kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|kubectl)
      build kubernetes "$t" "k8s.io/kubernetes/cmd/$t" "$(k8s_ldflags)" ;;
    # The oldest supported release: the integration tests' second cluster (test/integration).
    oldest)
      for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
        BIN=$K8S_OLDEST_BIN build kubernetes-oldest "$b" "k8s.io/kubernetes/cmd/$b" "$(k8s_ldflags "$K8S_OLDEST_VERSION")"
      done ;;
    kwok) build kwok kwok sigs.k8s.io/kwok/cmd/kwok ;;
    helm) build helm helm helm.sh/helm/v3/cmd/helm "-X 'helm.sh/helm/v3/internal/version.version=$HELM_VERSION'" ;;
    kustomize) build kustomize kustomize sigs.k8s.io/kustomize/kustomize/v5 ;;
    # A minimal OpenTelemetry Collector (OTLP receiver, file exporter) for the tracing tests
    # (test/mcp/trace.mjs): what a real collector receives from the bridge and the gateway.
    otelcol) build otelcol otelcol-mcp . ;;
    # Checks and unit-tests the PrometheusRules in config/prometheus (test/observability). Without
    # the cloud service discoveries (remove_all_sd: file and HTTP SD stay), which rule checks never
    # use and which are most of its build time.
    promtool) build prometheus promtool github.com/prometheus/prometheus/cmd/promtool "" -tags remove_all_sd ;;
    # The real-node cluster (hack/e2e-cluster.sh): the pinned kubelet needs containerd 2
    # (Debian ships 1.6), crictl to look inside the node, CoreDNS for cluster DNS.
    containerd)
      for b in containerd containerd-shim-runc-v2 ctr; do
        build containerd "$b" "github.com/containerd/containerd/v2/cmd/$b" \
          "-X 'github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION'"
      done ;;
    crictl) build cri-tools crictl sigs.k8s.io/cri-tools/cmd/crictl \
      "-X 'sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION'" ;;
    coredns) build coredns coredns github.com/coredns/coredns ;;
    # runc's nsenter is C (cgo), and seccomp profiles need libseccomp (make deps installs both).
    runc) CGO_ENABLED=1 build runc runc github.com/opencontainers/runc \
      "-X 'main.version=${RUNC_VERSION#v}'" -tags seccomp ;;
    # The test tier's OAuth 2.1 authorization server (test/auth/hydra.sh). Its in-memory store
    # (dsn=memory) is SQLite, which Hydra compiles in only with the sqlite tag, and the driver
    # (mattn/go-sqlite3) is C: cgo, as Hydra's own release build does.
    hydra) CGO_ENABLED=1 build hydra hydra github.com/ory/hydra/v2 \
      "-X 'github.com/ory/hydra/v2/driver/config.Version=$HYDRA_VERSION'" -tags sqlite,sqlite_omit_load_extension ;;
    *) die "unknown tool: $t" ;;
  esac
done

# kwok's default stages (the ones kwokctl uses: node initialize + heartbeat with lease,
# pod ready/complete/delete), taken from the pinned kwok module so they match the binary.
if [[ " ${want[*]} " == *" kwok "* ]]; then
  kwok_dir=$(cd "$REPO_ROOT/tools/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  {
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      echo "---"
      cat "$kwok_dir/kustomize/stage/$f"
    done
  } > "$TOOLS_BIN/../kwok-stages.yaml.tmp"
  mv "$TOOLS_BIN/../kwok-stages.yaml.tmp" "$TOOLS_BIN/../kwok-stages.yaml"
fi
