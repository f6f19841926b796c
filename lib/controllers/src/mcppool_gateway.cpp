// The MCPPool controller asking its gateway (verification on only): GET /pool for the gateway's
// own view of the members, tools and conflicts, then an MCP handshake (initialize, tools/list)
// through the pool's URL for the Verified condition. In the background, never blocking a
// reconcile; one at a time per pool, under the operator-wide probe_limiter, within
// verify_timeout each; the result lands in the next reconcile. The gateway's view changes
// without any API object changing (a member's session fails or comes back), so /pool is read
// every report_period (one small GET; the status is written only when it changed), while the
// handshake runs every verify_period, or at once after a change of the pool or its Deployment.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "controllers/mcppool_controller.hpp"
#include "kube/runtime/controller.hpp"

namespace controllers {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string view_key(const api::mcppool& pool) {
  return pool.namespace_ + "/" + pool.name;
}

std::int64_t generation_or(const json::object* o, std::int64_t def) {
  return o == nullptr ? def : kube::generation_of(*o).value_or(def);
}

// How often a healthy pool's status follows its gateway's view of the members.
constexpr std::chrono::seconds report_period{10};

}  // namespace

std::chrono::seconds mcppool_controller::retry_after(const gateway_view& v) const {
  if (v.verified && v.verified->ok && v.report)
    return std::min(report_period, settings_.verify_period);
  // Right after the gateway became Ready its Service may not route yet: every second 5 times,
  // then doubling up to verify_retry (as for MCPServer).
  const int doubling = std::clamp(v.failures - 5, 0, 16);
  return std::min(std::chrono::seconds(std::int64_t{1} << doubling), settings_.verify_retry);
}

void mcppool_controller::maybe_ask_gateway(const api::mcppool& pool, const json::object* deployment, bool ready) {
  if (settings_.verify == verify_mode::off || !ready)
    return;
  const std::int64_t gen = generation_or(deployment, 0);
  gateway_view& v = views_[view_key(pool)];
  const bool stale = v.deployment_generation != gen || v.pool_generation != pool.generation || !v.verified ||
                     std::chrono::steady_clock::now() - v.at >= retry_after(v);
  if (v.running || !stale)
    return;
  const bool handshake = !v.verified || !v.verified->ok || v.deployment_generation != gen ||
                         v.pool_generation != pool.generation ||
                         std::chrono::steady_clock::now() - v.verified_at >= settings_.verify_period;
  v.running = true;
  asio::co_spawn(http_->executor(), ask_gateway(pool, gen, handshake), asio::detached);
}

asio::awaitable<void> mcppool_controller::ask_gateway(api::mcppool pool, std::int64_t deployment_generation,
                                                      bool handshake) {
  if (!settings_.probe_slots)
    settings_.probe_slots = std::make_shared<probe_limiter>();
  auto slot = co_await settings_.probe_slots->acquire();
  const std::string host = pool.name + "." + pool.namespace_ + ".svc." + settings_.render.cluster_domain;
  const std::string port = std::to_string(pool.spec.port);
  std::optional<pool_report> report;
  try {
    probe_request req{"GET", {{"Accept", "application/json"}}, ""};
    const std::string target = "/pool";
    const auto deadline = std::chrono::steady_clock::now() + settings_.verify_timeout;
    auto res = co_await http_exchange(host, port, target, std::move(req), deadline);
    if (res.status == 200 && !res.too_large)
      report = parse_pool_report(res.body);  // anything else: no view, the operator's stays
  } catch (const std::exception&) {
    // Unreachable: the handshake below says why in the Verified condition.
  }
  std::optional<verification> verified;
  if (handshake) {
    probe_exchange exchange = [host, port](probe_request req, std::chrono::steady_clock::time_point deadline) {
      return http_exchange(host, port, std::string(pool_path), std::move(req), deadline);
    };
    std::optional<std::string> auth_metadata;
    if (pool.spec.auth)
      auth_metadata = parts::auth_metadata_url(*pool.spec.auth, pool_url(pool, settings_.render));
    verified =
        co_await run_probe(std::move(exchange), settings_.version, settings_.verify_timeout, std::move(auth_metadata));
  }
  slot.release();
  gateway_view& v = views_[view_key(pool)];
  v.running = false;
  v.deployment_generation = deployment_generation;
  v.pool_generation = pool.generation;
  const auto now = std::chrono::steady_clock::now();
  if (verified) {
    v.verified = std::move(verified);
    v.verified_at = now;
  }
  v.failures = v.verified && v.verified->ok && report ? 0 : v.failures + 1;
  v.report = std::move(report);
  v.at = now;
  ctrl_->queue().add({pool.namespace_, pool.name});
}

}  // namespace controllers
