// A minimal manager for the leader-election and probe tests: one controller that reconciles the
// ConfigMaps of a namespace every 200 ms while leading and prints one line per reconcile
// ("RECONCILE <identity> <unix ms>") to stdout, so the test can prove that two processes
// never reconcile at the same time.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "kube/client/config.hpp"
#include "kube/runtime/manager.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <identity> <namespace>\n", argv[0]);
    return 2;
  }
  // stdout carries the RECONCILE lines; logs go to stderr (house rule for every program).
  spdlog::set_default_logger(spdlog::stderr_color_mt("kube-leader-demo"));
  const std::string identity = argv[1];
  const std::string ns = argv[2];
  boost::asio::io_context io;
  auto cfg = kube::default_config();
  if (!cfg) {
    spdlog::error("msg=\"no config\" error=\"{}\"", cfg.error().describe());
    return 1;
  }
  auto http = kube::client::create(io.get_executor(), *cfg).value();
  kube::manager_options opts;
  // The probe test serves them on ports it picked; the election test needs none.
  const char* metrics = std::getenv("KUBE_DEMO_METRICS_ADDR");
  const char* probes = std::getenv("KUBE_DEMO_PROBE_ADDR");
  opts.metrics_bind_address = metrics ? metrics : "0";
  opts.health_probe_bind_address = probes ? probes : "0";
  opts.leader_election = true;
  opts.leader_election_namespace = ns;
  opts.leader_election_id = "kube-leader-test";
  opts.identity = identity;
  kube::manager mgr(io, http, opts);

  kube::controller_options copts;
  copts.name = "ticker";
  copts.namespaces = {ns};
  auto reconcile = [identity](kube::object_ptr,
                              kube::reconcile_context&) -> boost::asio::awaitable<kube::reconcile_result> {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    std::printf("RECONCILE %s %lld\n", identity.c_str(), static_cast<long long>(ms));
    std::fflush(stdout);
    co_return kube::action::requeue(std::chrono::milliseconds(200));
  };
  kube::controller ticker(http, kube::resources::config_maps(), copts, reconcile, {}, mgr.registry().get());
  mgr.add(ticker);
  return mgr.run();
}
