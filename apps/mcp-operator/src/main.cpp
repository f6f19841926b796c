// mcp-operator: the controller manager for MCPServer (mcp.v2dy.io/v1).
//
// One single-threaded io_context runs everything: the apiserver client, the caches, the
// reconcile workers, the MCP verifier and the probe/metrics listeners. SIGTERM stops taking
// work, lets in-flight reconciles finish within --graceful-shutdown-timeout, then cancels
// what is left and exits 0.
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>
#include <cstdlib>
#include <iostream>

#include "controllers/mcpserver_controller.hpp"
#include "event_recorder.hpp"
#include "kube/client/config.hpp"
#include "kube/runtime/task_group.hpp"
#include "log_format.hpp"
#include "mcp_version.hpp"
#include "ops/server.hpp"

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
  std::string log_level = "info";
  std::string log_format = "json";
  std::string verify = "auto";
  std::string cluster_domain = "cluster.local";
  int progress_deadline = 600;
  int verify_period = 300;
  int graceful_shutdown = 30;
  double qps = 50;
  double burst = 100;
};

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

bool listen(asio::io_context& ioc, const std::string& addr, const char* what, kube::task_group& tasks,
            const ops::router& routes) {
  asio::ip::tcp::endpoint ep;
  bool disabled = false;
  if (!ops::parse_bind_address(addr, ep, disabled)) {
    spdlog::error("msg=\"invalid bind address\" flag={} value={}", what, addr);
    return false;
  }
  if (disabled)
    return true;
  boost::system::error_code ec;
  asio::ip::tcp::acceptor acceptor(ioc);
  if (acceptor.open(ep.protocol(), ec); !ec)
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(ep, ec);
  if (!ec)
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec && ep.address().is_v6() && ep.address().to_v6().is_unspecified()) {
    // No IPv6 on this host: fall back to all IPv4 interfaces.
    ep = asio::ip::tcp::endpoint(asio::ip::address_v4::any(), ep.port());
    acceptor = asio::ip::tcp::acceptor(ioc);
    ec.clear();
    if (acceptor.open(ep.protocol(), ec); !ec)
      acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
      acceptor.bind(ep, ec);
    if (!ec)
      acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    spdlog::error("msg=\"cannot listen\" flag={} address={} error=\"{}\"", what, addr, ec.message());
    return false;
  }
  spdlog::info("msg=\"serving\" what={} address={}:{}", what, ep.address().to_string(), ep.port());
  tasks.spawn(what, ops::serve(std::move(acceptor), routes));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  flags f;
  CLI::App app{"mcp-operator: runs MCP servers on Kubernetes (MCPServer, mcp.v2dy.io/v1)"};
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
  auto registry = std::make_shared<prometheus::Registry>();
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  mcp_operator::event_recorder recorder(*http, "mcp.v2dy.io/mcp-operator", host);
  auto sink = [&recorder](const kube::object& regarding, std::string_view type, std::string_view reason,
                          std::string_view action,
                          std::string note) { recorder.record(regarding, type, reason, action, std::move(note)); };

  controllers::controller_settings settings;
  settings.render.bridge_image = f.bridge_image;
  settings.render.cluster_domain = f.cluster_domain;
  settings.render.progress_deadline_seconds = f.progress_deadline;
  settings.version = mcp_version::version;
  settings.concurrency = f.concurrency;
  settings.verify = mode;
  settings.verify_period = std::chrono::seconds(f.verify_period);
  auto transport = mode == controllers::verify_mode::off
                       ? controllers::probe_transport{}
                       : controllers::direct_transport(f.cluster_domain, settings.verify_timeout);

  std::vector<std::string> namespaces = split_namespaces(f.watch_namespaces);
  if (namespaces.empty())
    namespaces.emplace_back();  // all namespaces
  std::vector<std::unique_ptr<controllers::mcpserver_controller>> ctrls;
  for (const auto& ns : namespaces) {
    settings.watch_namespace = ns;
    ctrls.push_back(
        std::make_unique<controllers::mcpserver_controller>(*http, settings, registry.get(), sink, transport));
  }

  ops::health_checks live;
  live.add("ping", [] { return ops::check_result::pass(); });
  ops::health_checks ready;
  ready.add("informer-sync", [&ctrls] {
    for (auto& c : ctrls) {
      if (!c->ctrl().synced())
        return ops::check_result::fail("caches not synced yet");
    }
    return ops::check_result::pass();
  });
  ops::router probe_routes(&live, &ready, nullptr);
  ops::router metric_routes(nullptr, nullptr, registry);

  kube::task_group servers(ioc.get_executor());
  kube::task_group caches(ioc.get_executor());
  kube::task_group workers(ioc.get_executor());
  if (!listen(ioc, f.probe_addr, "health-probe-bind-address", servers, probe_routes) ||
      !listen(ioc, f.metrics_addr, "metrics-bind-address", servers, metric_routes)) {
    return 1;
  }
  for (auto& c : ctrls) {
    caches.spawn("caches", c->ctrl().run_caches());
    workers.spawn("workers", c->ctrl().run_workers());
  }
  spdlog::info("msg=\"mcp-operator started\" version={} namespaces={} workers={} verify={}", mcp_version::version,
               f.watch_namespaces.empty() ? "all" : fmt::format("{}", fmt::join(namespaces, ",")), f.concurrency,
               mode == controllers::verify_mode::off ? "off" : "direct");

  int exit_code = 0;
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  auto shutdown = [&]() -> asio::awaitable<void> {
    auto [ec, sig] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec)
      co_return;
    spdlog::info("msg=\"shutting down: no new work; finishing in-flight reconciles\" signal={} grace_seconds={}", sig,
                 f.graceful_shutdown);
    for (auto& c : ctrls)
      c->ctrl().shut_down();
    asio::steady_timer grace(ioc, std::chrono::seconds(f.graceful_shutdown));
    grace.async_wait([&](boost::system::error_code e) {
      if (!e) {
        spdlog::warn("msg=\"grace period over; cancelling the remaining reconciles\"");
        workers.cancel();
      }
    });
    co_await workers.wait();
    grace.cancel();
    caches.cancel();
    servers.cancel();
    co_await caches.wait();
    co_await servers.wait();
    spdlog::info("msg=\"stopped\"");
    ioc.stop();
  };
  asio::co_spawn(ioc, shutdown(), asio::detached);
  ioc.run();
  return exit_code;
}
