// The MCPPool controller, on the runtime's toolkit like the MCPServer one: a kube::controller
// whose reconcile keeps the pool's keyring Secret (created once, rotated in two phases; see
// mcppool_keyring.hpp), hands the objects render() asks for to a kube::owned_set, and writes
// the status compute_pool_status() derives through a kube::status_writer.
//
// It watches the MCPServers of its namespaces (cut to their labels and status) and reconciles
// the pools that list or select a changed server, or that reported it as a member (so a server
// whose labels no longer match leaves the pool's status). The keyring Secret is not cached (the
// operator may not list or watch Secrets): it is read by name in each reconcile and written with
// a merge patch that carries its resourceVersion.
//
// The Role the gateway gets is created by the operator, and the apiserver lets a subject grant
// only what it holds itself (RBAC escalation prevention): so the operator holds get, list and
// watch on mcppools, mcpservers and endpointslices (declared with uses(), kept in role.yaml).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "controllers/mcppool_keyring.hpp"
#include "controllers/mcppool_render.hpp"
#include "controllers/mcppool_status.hpp"
#include "controllers/mcpserver_controller.hpp"
#include "kube/runtime/controller.hpp"

namespace controllers {

struct pool_controller_settings {
  pool_render_options render;
  std::string field_manager = "mcp-operator";
  std::string version;                        // the operator's, sent as clientInfo.version
  std::vector<std::string> watch_namespaces;  // empty = all namespaces
  unsigned concurrency = 2;
  keyring_policy keyring;
  // As for MCPServer: off in the integration tier, where nothing answers behind a Service.
  verify_mode verify = verify_mode::direct;
  std::chrono::seconds verify_period{300};
  std::chrono::seconds verify_retry{30};
  std::chrono::seconds verify_timeout{10};
  std::shared_ptr<probe_limiter> probe_slots;  // shared with the MCPServer controller
};

class mcppool_controller {
 public:
  mcppool_controller(std::shared_ptr<kube::client> http, pool_controller_settings settings,
                     prometheus::Registry* registry, event_sink events);
  ~mcppool_controller();

  kube::controller& ctrl() { return *ctrl_; }
  [[nodiscard]] std::vector<kube::permission> permissions() const { return ctrl_->permissions(); }

 private:
  struct gateway_view {
    std::int64_t deployment_generation = -1;
    std::int64_t pool_generation = -1;
    std::optional<pool_report> report;
    std::optional<verification> verified;
    std::chrono::steady_clock::time_point at{};           // the last look at the gateway
    std::chrono::steady_clock::time_point verified_at{};  // the last MCP handshake through it
    bool running = false;
    int failures = 0;
  };
  struct keyring_result {
    std::optional<std::chrono::seconds> next;  // when the keyring needs the next step
    std::string name_taken;                    // non-empty: the Secret is someone else's
  };

  boost::asio::awaitable<kube::reconcile_result> reconcile(kube::object_ptr obj, kube::reconcile_context& ctx);
  boost::asio::awaitable<kube::result<keyring_result>> ensure_keyring(const kube::object& obj,
                                                                      const api::mcppool& pool);
  boost::asio::awaitable<kube::result<void>> apply_owned(const kube::object& obj, std::vector<kube::object> want,
                                                         kube::reconcile_context& ctx);
  boost::asio::awaitable<kube::reconcile_result> finish(const kube::object& obj, const api::mcppool& pool,
                                                        pool_observed& obs, const boost::json::object& prev,
                                                        std::optional<std::chrono::seconds> next);
  std::vector<kube::object_key> pools_of(const kube::object& server) const;
  void maybe_ask_gateway(const api::mcppool& pool, const boost::json::object* deployment, bool ready);
  boost::asio::awaitable<void> ask_gateway(api::mcppool pool, std::int64_t deployment_generation, bool handshake);
  std::chrono::seconds retry_after(const gateway_view& v) const;
  void emit(const kube::object& obj, std::string_view type, std::string_view reason, std::string_view action,
            std::string note) const;

  std::shared_ptr<kube::client> http_;
  pool_controller_settings settings_;
  event_sink events_;
  std::unique_ptr<kube::controller> ctrl_;
  std::unique_ptr<kube::owned_set> applier_;
  std::unique_ptr<kube::status_writer> status_;
  status_metrics status_metrics_;  // what each written status says, on /metrics
  std::optional<kube::cache_ref> deployments_;
  std::optional<kube::cache_ref> servers_;
  std::unordered_map<std::string, gateway_view> views_;  // by MCPPool UID
};

}  // namespace controllers
