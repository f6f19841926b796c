// The MCPServer controller, on the runtime's toolkit: a kube::controller whose reconcile hands
// the objects that render() asks for to a kube::owned_set (apply what changed, removals
// included; prune what the spec no longer asks for), verifies the server over MCP once it is
// Ready (in the background, never blocking a reconcile), and writes the status that
// compute_status() derives through a kube::status_writer. Level-based: every reconcile starts
// from the cached MCPServer and the caches of what it owns (only objects with the operator's
// managed-by label; Pods projected to their status and indexed by instance label).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "controllers/mcp_probe.hpp"
#include "controllers/mcpserver_render.hpp"
#include "controllers/mcpserver_status.hpp"
#include "controllers/probe_limiter.hpp"
#include "controllers/status_metrics.hpp"
#include "kube/runtime/controller.hpp"

namespace prometheus {
class Registry;
}

namespace kube {
class owned_set;
class status_writer;
}  // namespace kube

namespace controllers {

// The label selector of everything the operator makes (its caches see nothing else).
inline constexpr std::string_view managed_by_selector = "app.kubernetes.io/managed-by=mcp-operator";
// Annotation holding the hash of the body last applied to an owned object (see kube::owned_set).
inline constexpr std::string_view applied_hash_annotation = "mcp.v2dy.io/applied-hash";

// How events reach the cluster: regarding object, type (Normal/Warning), reason, action, note.
using event_sink = std::function<void(const kube::object& regarding, std::string_view type, std::string_view reason,
                                      std::string_view action, std::string note)>;

// How the operator reaches a server's MCP endpoint for the Verified condition.
enum class verify_mode {
  direct,  // http://<name>.<namespace>.svc.<domain>:<port><path> (the operator runs in the cluster)
  proxy,   // through the apiserver's service proxy (the operator runs outside the cluster)
  off,     // Verified stays Unknown
};

struct controller_settings {
  render_options render;
  std::string field_manager = "mcp-operator";
  std::string version;                        // the operator's, sent as clientInfo.version
  std::vector<std::string> watch_namespaces;  // empty = all namespaces
  unsigned concurrency = 4;                   // reconcile workers
  verify_mode verify = verify_mode::direct;
  std::chrono::seconds verify_period{300};  // re-check a verified server this often
  std::chrono::seconds verify_retry{30};    // re-check a failing server this often
  // The whole probe (every exchange of it, from connecting to the last byte): a server that
  // answers slowly, or never finishes an answer, fails with reason Timeout after this long.
  std::chrono::seconds verify_timeout{10};
  // Probes running at once across the operator; share one limiter between the controllers of
  // all watched namespaces. Null: the controller makes its own with default_concurrent_probes.
  std::shared_ptr<probe_limiter> probe_slots;
};

// One HTTP exchange with a server's MCP endpoint, as the verifier needs it, finished by
// `deadline` (the whole probe's). Throws on a transport failure (connection refused, the
// deadline passing); any HTTP answer is a response, a body over probe_limits::max_body one
// with too_large set.
using probe_transport = std::function<boost::asio::awaitable<probe_response>(
    api::mcpserver server, probe_request req, std::chrono::steady_clock::time_point deadline)>;

// Plain HTTP to the server's Service DNS name.
probe_transport direct_transport(std::string cluster_domain);

// One exchange with http://<host>:<port><target>: a new connection, done by `deadline`, the
// body read up to probe_limits::max_body (too_large past it). Throws on a transport failure.
// req.method is POST, DELETE or GET (the pool's /pool report).
boost::asio::awaitable<probe_response> http_exchange(std::string host, std::string port, std::string target,
                                                     probe_request req, std::chrono::steady_clock::time_point deadline);

// One HTTP exchange with an MCP endpoint already chosen (a server's, or a pool's gateway), with
// probe_transport's contract.
using probe_exchange = std::function<boost::asio::awaitable<probe_response>(
    probe_request req, std::chrono::steady_clock::time_point deadline)>;

// Runs the MCP probe to the end over `exchange`, all of it within `timeout` (Timeout after it).
// `auth_metadata`: the endpoint enforces spec.auth (mcp_probe::expect_auth).
boost::asio::awaitable<verification> run_probe(probe_exchange exchange, std::string version,
                                               std::chrono::steady_clock::duration timeout,
                                               std::optional<std::string> auth_metadata = std::nullopt);
// The same toward `server`'s endpoint over `transport`.
boost::asio::awaitable<verification> run_probe(probe_transport transport, api::mcpserver server, std::string version,
                                               std::chrono::steady_clock::duration timeout,
                                               std::optional<std::string> auth_metadata = std::nullopt);

class mcpserver_controller {
 public:
  // `transport` may be empty when settings.verify is off.
  mcpserver_controller(std::shared_ptr<kube::client> http, controller_settings settings, prometheus::Registry* registry,
                       event_sink events, probe_transport transport);
  ~mcpserver_controller();

  kube::controller& ctrl() { return *ctrl_; }
  // The RBAC permissions it needs (a unit test compares them with config/rbac/role.yaml).
  [[nodiscard]] std::vector<kube::permission> permissions() const { return ctrl_->permissions(); }

 private:
  struct verify_state {
    std::int64_t deployment_generation = -1;  // the rollout it verified
    std::optional<verification> last;
    std::chrono::steady_clock::time_point at{};
    bool running = false;
    int failures = 0;  // failed checks in a row
  };
  std::chrono::seconds retry_after(const verify_state& st) const;

  boost::asio::awaitable<kube::reconcile_result> reconcile(kube::object_ptr obj, kube::reconcile_context& ctx);
  boost::asio::awaitable<kube::reconcile_result> failed(const kube::object& mcp, const api::mcpserver& server,
                                                        const observed& obs, const boost::json::object& prev);
  boost::asio::awaitable<kube::result<void>> apply_owned(const kube::object& mcp, const rendered& want,
                                                         kube::reconcile_context& ctx);
  boost::asio::awaitable<kube::result<void>> write_status(const kube::object& mcp, boost::json::object status);
  void maybe_verify(const api::mcpserver& server, const boost::json::object* deployment, bool ready,
                    const boost::json::object& status);
  boost::asio::awaitable<void> verify_task(api::mcpserver server, std::int64_t deployment_generation);
  std::optional<std::chrono::seconds> requeue_for(const api::mcpserver& server, bool ready) const;
  void emit(const kube::object& mcp, std::string_view type, std::string_view reason, std::string_view action,
            std::string note) const;

  std::shared_ptr<kube::client> http_;
  controller_settings settings_;
  event_sink events_;
  probe_transport transport_;
  std::unique_ptr<kube::controller> ctrl_;
  std::unique_ptr<kube::owned_set> applier_;
  std::unique_ptr<kube::status_writer> status_;
  status_metrics status_metrics_;  // what each written status says, on /metrics
  std::optional<kube::cache_ref> deployments_;
  std::optional<kube::cache_ref> pods_;
  std::optional<kube::cache_ref> replica_sets_;
  std::unordered_map<std::string, verify_state> verify_;  // by MCPServer UID
};

}  // namespace controllers
