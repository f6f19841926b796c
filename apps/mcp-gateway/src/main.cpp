// mcp-gateway: one MCP endpoint for the members of an MCPPool. The front end is mcp-bridge's
// (every revision, limits, Origin and token checks, metrics, graceful shutdown); each session
// is a pool_link in front of the members (pool_link.hpp), and the replica's shared state is
// the pool_directory (pool_directory.hpp), chosen by the pool_runtime (from flags, or from the
// API through pool_source with --pool). Everything runs on one io_context thread.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

#include "front_end.hpp"
#include "gateway/seal.hpp"
#include "kube/client/client.hpp"
#include "kube/client/config.hpp"
#include "log.hpp"
#include "mcp/protocol.hpp"
#include "pool_directory.hpp"
#include "pool_link.hpp"
#include "pool_options.hpp"
#include "pool_runtime.hpp"
#include "pool_source.hpp"

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

boost::asio::awaitable<std::optional<std::string>> name_session(std::shared_ptr<bridge::server_link> link) {
  auto pool = std::static_pointer_cast<gw::pool_link>(std::move(link));
  co_return co_await pool->sealed_id();
}

// lib/kube logs through spdlog: to stderr, like the gateway's own lines.
void route_kube_logs() {
  auto logger = spdlog::stderr_logger_mt("kube");
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l component=kube %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(std::move(logger));
}

bridge::http_upstream_config member_limits(const gw::pool_options& o) {
  bridge::http_upstream_config c;
  c.max_message = o.front.max_line;
  c.request_timeout = o.front.request_timeout;
  c.write_timeout = o.front.write_timeout;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = gw::parse_pool_options(argc, argv);
  if (!parsed.opts) {
    return parsed.exit_code;
  }
  const gw::pool_options opts = std::move(*parsed.opts);
  bridge::log::configure(opts.front.log_format, bridge::log::level::info);
  if (auto why = gw::pool_directory::check_keyring(opts); !why.empty()) {
    bridge::log::error("cannot start", {{"error", why}});
    return 1;
  }
  std::optional<kube::config> kube_cfg;
  if (opts.api) {
    route_kube_logs();
    auto cfg = kube::default_config();
    if (!cfg) {
      bridge::log::error("cannot load the cluster configuration", {{"error", cfg.error().describe()}});
      return 1;
    }
    cfg->user_agent = "mcp-gateway";
    kube_cfg = std::move(*cfg);
  }
  // The runtime and the source live in the hooks only: the front end destroys its hooks before
  // its io_context, and their timers and sockets must go before the executor they use.
  bool started = true;
  const std::string serving =
      opts.api ? "MCPPool " + opts.api->ns + "/" + opts.api->pool : std::to_string(opts.members.size()) + " members";
  const int rc = bridge::run_front_end(
      opts.front,
      [&](const boost::asio::any_io_executor& ex, bridge::metrics& stats) {
        auto runtime = std::make_shared<gw::pool_runtime>(ex, opts);
        // /metrics: the members of the directory serving now, read at each scrape.
        stats.add_source([rt = std::weak_ptr<gw::pool_runtime>(runtime)] {
          auto r = rt.lock();
          return r ? r->metrics_text() : std::string();
        });
        std::shared_ptr<gw::pool_source> source;
        if (opts.api) {
          auto http = kube::client::create(ex, *kube_cfg);
          if (!http) {
            bridge::log::error("cannot create the apiserver client", {{"error", http.error().describe()}});
            started = false;
          } else {
            source = std::make_shared<gw::pool_source>(ex, *http, *opts.api, member_limits(opts),
                                                       [rt = runtime](auto view) { rt->apply(std::move(view)); });
            source->start();
          }
        } else {
          started = runtime->start_static();
        }
        bridge::session_hooks h;
        h.make_link = [rt = runtime]() -> boost::system::result<std::shared_ptr<bridge::server_link>> {
          auto d = rt->current();
          if (!d) {
            return boost::system::errc::make_error_code(boost::system::errc::resource_unavailable_try_again);
          }
          auto l = std::make_shared<gw::pool_link>(d);
          d->add_session(l);
          return std::shared_ptr<bridge::server_link>(std::move(l));
        };
        h.name = name_session;
        h.restore = [rt = runtime](std::string_view id) -> std::optional<bridge::session_hooks::restored> {
          auto d = rt->current();
          if (!d) {
            return std::nullopt;
          }
          auto record = gateway::open(id, d->keyring(), unix_now());
          if (!record) {
            return std::nullopt;  // not ours, tampered, expired, or sealed by a key since retired: 404
          }
          auto rev = mcp::parse_revision(record->protocol_revision);
          if (!rev) {
            return std::nullopt;
          }
          auto l = std::make_shared<gw::pool_link>(d);
          if (!l->resume(*record)) {
            return std::nullopt;
          }
          d->add_session(l);
          return bridge::session_hooks::restored{std::move(l), *rev};
        };
        h.ready = [rt = runtime, src = source] { return (!src || src->synced()) && rt->ready(); };
        h.document = [rt = runtime](std::string_view path) -> std::optional<std::string> {
          return path == "/pool" ? rt->status_json() : std::nullopt;
        };
        h.stop = [rt = runtime, src = source] {
          if (src) {
            src->stop();
          }
          rt->stop();
        };
        h.release_on_close = true;
        return h;
      },
      bridge::log::field{"pool", serving});
  return started ? rc : 1;
}
