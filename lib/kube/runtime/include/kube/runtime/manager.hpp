// Runs controllers the way controller-runtime's manager does: caches start at once; with
// leader election, workers start only after the Lease is won and stop at once if it is lost
// (the process then exits 1, so a restarted pod campaigns again from scratch); /healthz,
// /readyz (ready = every cache synced) and /metrics (Prometheus text) are served by lib/ops.
// SIGTERM/SIGINT: stop taking work, let in-flight reconciles finish within the grace period,
// release the lease, exit 0.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kube/runtime/controller.hpp"
#include "kube/runtime/leader_election.hpp"

namespace prometheus {
class Registry;
}

namespace kube {

struct manager_options {
  std::string metrics_bind_address = ":8080";  // "0" disables
  std::string health_probe_bind_address = ":8081";
  bool leader_election = false;
  std::string leader_election_namespace = "default";
  std::string leader_election_id = "mcp-operator-lock";
  std::string identity;  // default: hostname + random suffix
  lease_config lease{};
  std::chrono::seconds graceful_shutdown_timeout{30};
};

class manager {
 public:
  manager(boost::asio::io_context& io, std::shared_ptr<client> http, manager_options opts);
  ~manager();

  [[nodiscard]] std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  [[nodiscard]] const std::shared_ptr<client>& http() const { return http_; }
  // The controller must outlive run().
  void add(controller& c) { controllers_.push_back(&c); }

  // Runs until SIGTERM/SIGINT (returns 0) or a lost lease / unusable bind address (returns 1).
  int run();

 private:
  boost::asio::awaitable<void> main_task(int& exit_code);
  [[nodiscard]] bool synced() const;

  boost::asio::io_context& io_;
  std::shared_ptr<client> http_;
  manager_options opts_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<controller*> controllers_;
};

}  // namespace kube
