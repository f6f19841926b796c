// mcp-operator: the controller manager for MCPServer and MCPPool (mcp.v2dy.io/v1).
//
// One single-threaded io_context runs everything: the apiserver client, the caches, the
// reconcile workers, the MCP verifier and the probe/metrics listeners, under kube::manager
// (leader election, probes, metrics, SIGTERM: stop taking work, finish in-flight reconciles
// within --graceful-shutdown-timeout, release the lease, exit 0).
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "controllers/mcppool_controller.hpp"
#include "controllers/mcpserver_controller.hpp"
#include "duration_flag.hpp"
#include "kube/client/config.hpp"
#include "kube/runtime/event_recorder.hpp"
#include "kube/runtime/manager.hpp"
#include "log_format.hpp"
#include "mcp_version.hpp"

namespace asio = boost::asio;

namespace {

struct flags {
  std::string kubeconfig;
  std::string context;
  std::string probe_addr = ":8081";
  std::string metrics_addr = ":8080";
  std::vector<std::string> watch_namespaces;
  unsigned concurrency = 4;
  std::string bridge_image;
  std::string gateway_image;
  std::string gateway_key_rotation = "24h";
  std::string gateway_key_stage_delay = "5m";
  std::string otlp_endpoint;  // empty: the bridges and gateways trace only where a spec asks
  double trace_sample_ratio = 1.0;
  std::string service_account_issuer = "https://kubernetes.default.svc.cluster.local";
  std::string log_level = "info";
  std::string log_format = "json";
  std::string verify = "auto";
  std::string cluster_domain = "cluster.local";
  int progress_deadline = 600;
  int verify_period = 300;
  int graceful_shutdown = 30;
  // At 50/100, 200 servers created at once waited a median 11 s for their Deployments (at
  // 200/400: 50 ms); the apiserver's priority and fairness is what protects it, not this limit.
  double qps = 200;
  double burst = 400;
  bool leader_elect = false;
  std::string leader_election_namespace;
  std::string leader_election_id = "mcp-operator.mcp.v2dy.io";
};

// The namespace the operator's pod runs in (for its Lease), or "default" outside a cluster.
std::string own_namespace() {
  std::ifstream in("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
  std::string ns;
  std::getline(in, ns);
  return ns.empty() ? "default" : ns;
}

std::vector<std::string> split_namespaces(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& item : in) {
    std::size_t start = 0;
    while (start <= item.size()) {
      auto comma = item.find(',', start);
      auto part = item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty())
        out.push_back(part);
      if (comma == std::string::npos)
        break;
      start = comma + 1;
    }
  }
  return out;
}

kube::result<kube::config> load_config(const flags& f) {
  if (!f.kubeconfig.empty())
    return kube::load_kubeconfig(f.kubeconfig, f.context);
  return kube::default_config(f.context);
}

}  // namespace

int main(int argc, char** argv) {
  flags f;
  CLI::App app{"mcp-operator: runs MCP servers on Kubernetes (MCPServer, MCPPool; mcp.v2dy.io/v1)"};
  app.set_version_flag("--version", std::string("mcp-operator ") + mcp_version::version);
  app.add_option("--kubeconfig", f.kubeconfig, "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)");
  app.add_option("--context", f.context, "kubeconfig context (default: current-context)");
  app.add_option("--health-probe-bind-address", f.probe_addr, "address of /healthz and /readyz; 0 disables")
      ->capture_default_str();
  app.add_option("--metrics-bind-address", f.metrics_addr, "address of /metrics; 0 disables")->capture_default_str();
  app.add_option("--watch-namespaces", f.watch_namespaces,
                 "namespaces to reconcile, comma-separated (default: all; then namespaced RBAC suffices)");
  app.add_option("--max-concurrent-reconciles", f.concurrency, "reconcile workers per watched namespace")
      ->check(CLI::Range(1U, 256U))
      ->capture_default_str();
  app.add_option("--bridge-image", f.bridge_image, "image holding /mcp-bridge, injected for protocol: stdio");
  app.add_option("--gateway-image", f.gateway_image, "image holding /mcp-gateway, run for each MCPPool");
  auto duration = [](const std::string& v) {
    return mcp_operator::parse_duration(v) ? std::string{} : "not a duration such as 24h, 1h30m, 90s or 0";
  };
  app.add_option("--gateway-key-rotation", f.gateway_key_rotation,
                 "how often each MCPPool's session-sealing key is rotated (0: never)")
      ->check(duration)
      ->capture_default_str();
  app.add_option("--gateway-key-stage-delay", f.gateway_key_stage_delay,
                 "how long a new key is staged in every gateway replica before it seals sessions "
                 "(leave room for the kubelet to update mounted Secrets)")
      ->check(duration)
      ->capture_default_str();
  app.add_option("--otlp-endpoint", f.otlp_endpoint,
                 "OTLP/HTTP traces URL (http://IP:port/v1/traces) every bridge and gateway sends traces to, unless "
                 "its spec.observability.tracing says otherwise (default: none, no traces)")
      ->check([](const std::string& v) {
        return v.empty() || v.rfind("http://", 0) == 0 ? std::string{} : "must be an http:// URL";
      });
  app.add_option("--service-account-issuer", f.service_account_issuer,
                 "issuer of the cluster's ServiceAccount tokens, which spec.auth mode ServiceAccount accepts "
                 "(kubectl get --raw /.well-known/openid-configuration shows it)")
      ->check([](const std::string& v) {
        return v.rfind("https://", 0) == 0 || v.rfind("http://", 0) == 0 ? std::string{} : "must be a URL";
      })
      ->capture_default_str();
  app.add_option("--trace-sample-ratio", f.trace_sample_ratio,
                 "share of new traces the bridges and gateways record (0..1), unless a spec sets sampleRatio")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--log-level", f.log_level, "trace, debug, info, warn, error")->capture_default_str();
  app.add_option("--log-format", f.log_format, "json or text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  app.add_option("--verify", f.verify,
                 "MCP verification of Ready servers: auto (direct when running in a cluster, else off), direct, off")
      ->check(CLI::IsMember({"auto", "direct", "off"}))
      ->capture_default_str();
  app.add_option("--cluster-domain", f.cluster_domain, "DNS domain of Services in status.url")->capture_default_str();
  app.add_option("--progress-deadline-seconds", f.progress_deadline,
                 "a server whose pods are not Ready this long after a change is Degraded")
      ->check(CLI::Range(10, 86400))
      ->capture_default_str();
  app.add_option("--verify-period-seconds", f.verify_period, "re-verify Ready servers this often")
      ->check(CLI::Range(10, 86400))
      ->capture_default_str();
  app.add_option("--graceful-shutdown-timeout", f.graceful_shutdown,
                 "seconds to finish in-flight reconciles on SIGTERM")
      ->check(CLI::Range(0, 600))
      ->capture_default_str();
  app.add_option("--kube-api-qps", f.qps, "client-side limit of apiserver requests per second")
      ->check(CLI::Range(1.0, 10000.0))
      ->capture_default_str();
  app.add_option("--kube-api-burst", f.burst, "requests allowed above --kube-api-qps in a burst")
      ->check(CLI::Range(1.0, 10000.0))
      ->capture_default_str();
  app.add_flag("--leader-elect", f.leader_elect,
               "elect a leader on a Lease so that only one replica reconciles (run 2+ replicas for fail-over)");
  app.add_option("--leader-election-namespace", f.leader_election_namespace,
                 "namespace of the Lease (default: the operator's own namespace)");
  app.add_option("--leader-election-id", f.leader_election_id, "name of the Lease")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!mcp_operator::configure_logging(f.log_format, f.log_level)) {
    std::cerr << "invalid --log-level " << f.log_level << "\n";
    return 2;
  }
  auto cfg = load_config(f);
  if (!cfg) {
    spdlog::error("msg=\"cannot load the cluster configuration\" error=\"{}\"", cfg.error().describe());
    return 1;
  }
  cfg->qps = f.qps;
  cfg->burst = f.burst;
  const bool in_cluster = std::getenv("KUBERNETES_SERVICE_HOST") != nullptr;
  controllers::verify_mode mode = controllers::verify_mode::direct;
  if (f.verify == "off" || (f.verify == "auto" && !in_cluster))
    mode = controllers::verify_mode::off;
  if (mode == controllers::verify_mode::off && f.verify == "auto") {
    spdlog::info("msg=\"MCP verification is off: the operator runs outside the cluster and cannot reach Services\"");
  }

  asio::io_context ioc(1);
  auto http = kube::client::create(ioc.get_executor(), *cfg);
  if (!http) {
    spdlog::error("msg=\"cannot create the apiserver client\" error=\"{}\"", http.error().describe());
    return 1;
  }
  kube::manager_options mopts;
  mopts.health_probe_bind_address = f.probe_addr;
  mopts.metrics_bind_address = f.metrics_addr;
  mopts.leader_election = f.leader_elect;
  mopts.leader_election_namespace = f.leader_election_namespace.empty() ? own_namespace() : f.leader_election_namespace;
  mopts.leader_election_id = f.leader_election_id;
  mopts.graceful_shutdown_timeout = std::chrono::seconds(f.graceful_shutdown);
  kube::manager mgr(ioc, *http, mopts);

  char host[256] = {};
  gethostname(host, sizeof host - 1);
  // Events go through a client of their own (its own rate limit: a quarter of --kube-api-qps),
  // as client-go's event broadcaster does, so a burst of events never delays a reconcile.
  kube::config events_cfg = *cfg;
  events_cfg.qps = std::max(5.0, f.qps / 4);
  events_cfg.burst = std::max(10.0, f.burst / 4);
  auto events_http = kube::client::create(ioc.get_executor(), events_cfg);
  if (!events_http) {
    spdlog::error("msg=\"cannot create the apiserver client\" error=\"{}\"", events_http.error().describe());
    return 1;
  }
  kube::event_recorder recorder(*events_http, "mcp.v2dy.io/mcp-operator", host);
  // Events are best effort: sent in the background, a failure is logged and never fails a reconcile.
  auto sink = [&recorder, &ioc](const kube::object& regarding, std::string_view type, std::string_view reason,
                                std::string_view action, std::string note) {
    kube::event_spec e{kube::object_reference::to(regarding), std::string(type), std::string(reason),
                       std::string(action), std::move(note)};
    asio::co_spawn(ioc, recorder.record(std::move(e)), [](std::exception_ptr, kube::result<void> r) {
      if (!r)
        spdlog::warn("msg=\"could not record event\" error=\"{}\"", r.error().describe());
    });
  };

  controllers::controller_settings settings;
  settings.render.bridge_image = f.bridge_image;
  settings.render.cluster_domain = f.cluster_domain;
  settings.render.progress_deadline_seconds = f.progress_deadline;
  if (!f.otlp_endpoint.empty()) {
    settings.render.tracing.endpoint = f.otlp_endpoint;
  }
  settings.render.tracing.sample_ratio = f.trace_sample_ratio;
  settings.render.auth.service_account_issuer = f.service_account_issuer;
  settings.version = mcp_version::version;
  settings.concurrency = f.concurrency;
  settings.verify = mode;
  settings.verify_period = std::chrono::seconds(f.verify_period);
  settings.probe_slots = std::make_shared<controllers::probe_limiter>();  // one bound for all namespaces
  auto transport = mode == controllers::verify_mode::off ? controllers::probe_transport{}
                                                         : controllers::direct_transport(f.cluster_domain);

  // One controller for all watched namespaces (a reflector per kind and namespace inside it),
  // with --max-concurrent-reconciles workers per namespace, as before.
  std::vector<std::string> namespaces = split_namespaces(f.watch_namespaces);
  settings.watch_namespaces = namespaces;
  settings.concurrency = f.concurrency * static_cast<unsigned>(std::max<std::size_t>(1, namespaces.size()));
  controllers::mcpserver_controller ctrl(*http, settings, mgr.registry().get(), sink, transport);
  mgr.add(ctrl.ctrl());

  controllers::pool_controller_settings pools;
  pools.render.gateway_image = f.gateway_image;
  pools.render.cluster_domain = f.cluster_domain;
  pools.render.progress_deadline_seconds = f.progress_deadline;
  pools.render.tracing = settings.render.tracing;
  pools.render.auth = settings.render.auth;
  pools.version = mcp_version::version;
  pools.watch_namespaces = namespaces;
  pools.concurrency = settings.concurrency;
  pools.keyring.rotation_period = *mcp_operator::parse_duration(f.gateway_key_rotation);
  pools.keyring.stage_delay = *mcp_operator::parse_duration(f.gateway_key_stage_delay);
  pools.verify = mode;
  pools.verify_period = settings.verify_period;
  pools.probe_slots = settings.probe_slots;
  controllers::mcppool_controller pool_ctrl(*http, pools, mgr.registry().get(), sink);
  mgr.add(pool_ctrl.ctrl());
  spdlog::info("msg=\"mcp-operator starting\" version={} namespaces={} workers={} verify={} leader_elect={}",
               mcp_version::version, f.watch_namespaces.empty() ? "all" : fmt::format("{}", fmt::join(namespaces, ",")),
               f.concurrency, mode == controllers::verify_mode::off ? "off" : "direct", f.leader_elect);
  const int exit_code = mgr.run();
  return exit_code;
}
