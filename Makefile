# mcp-operator: a Kubernetes operator for MCP servers, in C++20.
# Targets follow Kubebuilder's names; `make help` lists them.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

PRESET ?= ci
BUILD_DIR := build/$(PRESET)
CTEST_ARGS ?=
VERSION := $(shell cat VERSION)
IMG ?= mcp-operator:$(VERSION)
BRIDGE_IMG ?= mcp-bridge:$(VERSION)
GATEWAY_IMG ?= mcp-gateway:$(VERSION)
# docker when a Docker engine answers, else buildah, else podman (all take the same arguments).
CONTAINER_TOOL ?= $(shell if docker info >/dev/null 2>&1; then echo docker; \
  elif command -v buildah >/dev/null; then echo buildah; else echo podman; fi)
IMAGE_REVISION ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
IMAGE_SOURCE ?= $(shell git remote get-url origin 2>/dev/null || echo unknown)
IMAGE_CONTEXT := $(BUILD_DIR)/images
# Extra flags for `$(CONTAINER_TOOL) build`, e.g. `--timestamp 0` (buildah) for reproducible IDs.
CONTAINER_BUILD_FLAGS ?=
TOOLS_BIN := $(shell source hack/lib.sh && echo $$TOOLS_BIN)
export PATH := $(TOOLS_BIN):$(PATH)

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

.PHONY: demo
demo: deps build ## MCP servers as real pods on a local real node, called by a real client (root).
	@hack/demo.sh

.PHONY: demo-kwok
demo-kwok: deps build ## The operator reconciling the samples on simulated (kwok) nodes; no root needed.
	@hack/demo-kwok.sh

##@ Development

.PHONY: deps
deps: ## Install missing dependencies (apt packages, test Kubernetes, MCP peers). Idempotent.
	@hack/deps.sh

.PHONY: tools
tools: ## Build the pinned test Kubernetes, etcd, kwok, helm and kustomize into the cache.
	@hack/deps.sh tools

.PHONY: configure
configure: ## Configure the C++ build (PRESET=ci|dev|release).
	@if [[ ! -f $(BUILD_DIR)/build.ninja ]]; then cmake --preset $(PRESET) >/dev/null; fi

.PHONY: build
build: configure ## Build every C++ target (PRESET=ci|dev|release).
	@cmake --build --preset $(PRESET)

.PHONY: manifests
manifests: ## Generate the CRDs in config/crd/bases from their templates in config/crd/src.
	@hack/gen-crd.py

.PHONY: fmt
fmt: ## Format the C++ sources with clang-format.
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

.PHONY: lint
lint: configure ## Check formatting, and run clang-tidy on the C++ sources.
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
	@git ls-files 'lib/*.cpp' 'apps/*.cpp' | xargs -r clang-tidy -p $(BUILD_DIR) --quiet

##@ Test

.PHONY: test
test: deps build ## Run every test tier (unit, integration, ...); starts and stops its own cluster.
	@cd $(BUILD_DIR) && ctest --output-on-failure $(CTEST_ARGS)

.PHONY: test-unit
test-unit: build ## Run the unit tests only.
	@cd $(BUILD_DIR) && ctest --output-on-failure -L unit $(CTEST_ARGS)

.PHONY: test-integration
test-integration: deps build ## Run the integration tests against a local control plane.
	@cd $(BUILD_DIR) && ctest --output-on-failure -L integration $(CTEST_ARGS)

.PHONY: test-mcp
test-mcp: build ## Run the MCP tier: mcp-bridge against real peers (installs them first).
	@hack/deps.sh peers
	@cd $(BUILD_DIR) && ctest --output-on-failure -L mcp $(CTEST_ARGS)

.PHONY: fuzz
fuzz: ## Run the libFuzzer targets for a bounded time with ASan+UBSan (clang).
	@cmake --preset fuzz >/dev/null && cmake --build --preset fuzz && ctest --preset fuzz

.PHONY: test-e2e
test-e2e: deps build ## Run the e2e tier: real pods on the real-node cluster, real MCP clients (root).
	@cd $(BUILD_DIR) && ctest --output-on-failure -L e2e $(CTEST_ARGS)

.PHONY: test-images
test-images: deps build ## Build the images with buildah and run them in a private containerd (needs root).
	@cd $(BUILD_DIR) && ctest --output-on-failure -L images $(CTEST_ARGS)

.PHONY: test-sanitize
# Serve.BacksOffWhenOutOfFileDescriptors uses up every file descriptor on purpose; UBSan's vptr
# check needs a pipe to probe memory and then reports a false "invalid vptr" inside Asio. The
# test runs in the ci build (make test / make test-unit).
SANITIZE_EXCLUDE := Serve.BacksOffWhenOutOfFileDescriptors
test-sanitize: ## Run the unit tests in the ASan+UBSan build.
	@$(MAKE) --no-print-directory test-unit PRESET=dev CTEST_ARGS="-E '$(SANITIZE_EXCLUDE)' $(CTEST_ARGS)"

##@ Benchmarks

.PHONY: bench
bench: deps ## Operators at N=100/500/1000 and peers side by side, the bridge; writes bench/REPORT.md (< 45 min).
	@bench/run.sh

.PHONY: bench-quick
bench-quick: deps ## A 2-minute subset of `make bench` (N=50, no rollout) into bench/results-quick/.
	@bench/run.sh --quick

.PHONY: bench-gateway
bench-gateway: ## mcp-gateway against ContextForge and FastMCP on loopback; bench/results/gateway.{json,md} (~12 min; GATEWAY_BENCH_ARGS=--quick: 3 min into bench/results-quick/).
	@out=bench/results; case "$(GATEWAY_BENCH_ARGS)" in *--quick*) out=bench/results-quick;; esac; \
	  bench/gateway/run.sh $(GATEWAY_BENCH_ARGS) --out $$out && python3 bench/gateway/report.py $$out

.PHONY: bench-auth
bench-auth: ## Latency the OAuth resource server adds: one session with and without --auth-issuer, and decide() per request; bench/results/auth.{json,md} (~2 min).
	bench/auth/run.sh --out bench/results

.PHONY: soak
soak: deps ## 500 MCPServers under random faults for 25 min, then checks; bench/SOAK.md (~30 min; SOAK_ARGS=--seed N).
	@bench/soak/run.sh $(SOAK_ARGS)

##@ Local cluster

.PHONY: cluster-up
cluster-up: ## Start a local control plane (etcd, apiserver, controllers, scheduler, kwok nodes).
	@hack/deps.sh apt tools
	@hack/cluster.sh up

.PHONY: cluster-down
cluster-down: ## Stop the local control plane and remove its state (logs are kept).
	@hack/cluster.sh down

.PHONY: cluster-env
cluster-env: ## Print `export KUBECONFIG=...` for the local cluster: eval "$$(make -s cluster-env)".
	@hack/cluster.sh env

.PHONY: cluster-status
cluster-status: ## Say whether the local cluster runs, and where.
	@hack/cluster.sh status

.PHONY: e2e-cluster-up
e2e-cluster-up: ## Start the real-node cluster (control plane, containerd, kubelet, kube-proxy, CoreDNS; root).
	@hack/deps.sh apt tools
	@hack/e2e-cluster.sh up

.PHONY: e2e-cluster-down
e2e-cluster-down: ## Stop the real-node cluster; remove its containers, mounts, rules, routes (logs kept).
	@hack/e2e-cluster.sh down

.PHONY: e2e-cluster-env
e2e-cluster-env: ## Print KUBECONFIG and CONTAINER_RUNTIME_ENDPOINT for it: eval "$$(make -s e2e-cluster-env)".
	@hack/e2e-cluster.sh env

.PHONY: e2e-cluster-status
e2e-cluster-status: ## Say whether the real-node cluster runs, and where.
	@hack/e2e-cluster.sh status

##@ Deployment

.PHONY: install
install: ## Install the CRDs into the cluster of the current kubeconfig.
	@kubectl apply --server-side --force-conflicts -k config/crd

.PHONY: run
run: build install ## Run the operator from the build tree against the current kubeconfig.
	@$(BUILD_DIR)/apps/mcp-operator/mcp-operator --log-format=text --bridge-image=$(BRIDGE_IMG) \
	  --health-probe-bind-address=127.0.0.1:8081 --metrics-bind-address=127.0.0.1:8080 $(RUN_ARGS)

.PHONY: uninstall
uninstall: ## Remove the CRDs (and with them every MCPServer) from the cluster.
	@kubectl delete --ignore-not-found -k config/crd

.PHONY: deploy
deploy: ## Install the operator (CRDs, RBAC, Deployment) with IMG, BRIDGE_IMG and GATEWAY_IMG into the current cluster.
	@hack/render-install.sh $(IMG) $(BRIDGE_IMG) $(GATEWAY_IMG) | kubectl apply --server-side --force-conflicts -f -

.PHONY: undeploy
undeploy: ## Remove the operator, its CRDs and with them every MCPServer from the current cluster.
	@hack/render-install.sh $(IMG) $(BRIDGE_IMG) $(GATEWAY_IMG) | kubectl delete --ignore-not-found -f -

##@ Build and release

.PHONY: docker-build
docker-build: configure ## Build the operator (IMG), bridge (BRIDGE_IMG) and gateway (GATEWAY_IMG) images with CONTAINER_TOOL.
	@cmake --build --preset $(PRESET) --target mcp-operator mcp-bridge mcp-gateway
	@hack/image-rootfs.sh mcp-operator $(BUILD_DIR)/apps/mcp-operator/mcp-operator $(IMAGE_CONTEXT)/mcp-operator
	@hack/image-rootfs.sh mcp-bridge $(BUILD_DIR)/apps/mcp-bridge/mcp-bridge $(IMAGE_CONTEXT)/mcp-bridge
	@hack/image-rootfs.sh mcp-gateway $(BUILD_DIR)/apps/mcp-gateway/mcp-gateway $(IMAGE_CONTEXT)/mcp-gateway
	@for pair in mcp-operator=$(IMG) mcp-bridge=$(BRIDGE_IMG) mcp-gateway=$(GATEWAY_IMG); do \
	  ctx=$(IMAGE_CONTEXT)/$${pair%%=*}; \
	  $(CONTAINER_TOOL) build $(CONTAINER_BUILD_FLAGS) -t $${pair#*=} -f $$ctx/Containerfile \
	    --build-arg VERSION=$(VERSION) --build-arg REVISION=$(IMAGE_REVISION) \
	    --build-arg SOURCE=$(IMAGE_SOURCE) $$ctx; \
	done

.PHONY: docker-push
docker-push: ## Push IMG, BRIDGE_IMG and GATEWAY_IMG with CONTAINER_TOOL.
	@$(CONTAINER_TOOL) push $(IMG)
	@$(CONTAINER_TOOL) push $(BRIDGE_IMG)
	@$(CONTAINER_TOOL) push $(GATEWAY_IMG)

PREFIX ?= /usr/local
.PHONY: install-plugin
install-plugin: configure ## Build kubectl-mcp and install it as $(PREFIX)/bin/kubectl-mcp, where `kubectl mcp` finds it.
	@cmake --build --preset $(PRESET) --target kubectl-mcp
	@install -D -m 0755 -s $(BUILD_DIR)/apps/kubectl-mcp/kubectl-mcp $(DESTDIR)$(PREFIX)/bin/kubectl-mcp
	@echo "installed $(DESTDIR)$(PREFIX)/bin/kubectl-mcp; try: kubectl mcp get -A"

.PHONY: plugin-release
plugin-release: configure ## Pack kubectl-mcp and fill its krew manifest into $(BUILD_DIR)/dist (PLUGIN_URL_BASE=assets URL).
	@if [[ -z "$(PLUGIN_URL_BASE)" ]]; then echo "set PLUGIN_URL_BASE to the URL the release's assets are served from" >&2; exit 2; fi
	@cmake --build --preset $(PRESET) --target kubectl-mcp
	@hack/kubectl-mcp-release.sh $(BUILD_DIR)/apps/kubectl-mcp/kubectl-mcp $(PLUGIN_URL_BASE) $(BUILD_DIR)/dist

.PHONY: build-installer
build-installer: ## Write dist/install.yaml for IMG, BRIDGE_IMG and GATEWAY_IMG; sync dist/chart (CRDs, RBAC, VERSION).
	@mkdir -p dist
	@hack/render-install.sh $(IMG) $(BRIDGE_IMG) $(GATEWAY_IMG) >dist/install.yaml.tmp
	@mv dist/install.yaml.tmp dist/install.yaml
	@hack/sync-chart.sh

.PHONY: helm-lint
helm-lint: ## Lint the Helm chart in dist/chart (strict), with default and with every optional value.
	@helm lint --strict dist/chart
	@helm lint --strict dist/chart --set 'watchNamespaces={team-a,team-b}' --set serviceMonitor.enabled=true \
	  --set networkPolicy.enabled=true --set replicas=2 --set podMonitor.enabled=true --set prometheusRule.enabled=true \
	  --set grafanaDashboards.enabled=true --set policies.allowedRegistries.enabled=true \
	  --set 'policies.allowedRegistries.prefixes={ghcr.io/v2dy/}' --set policies.exposureRequiresAuth.enabled=true \
	  --set policies.replicaCap.enabled=true
