// mcp-gateway: one MCP endpoint for the members of an MCPPool. The front end is mcp-bridge's
// (every revision, limits, Origin and token checks, metrics, graceful shutdown); each session
// is a pool_link in front of the members (pool_link.hpp), and the replica's shared state is
// the pool_directory (pool_directory.hpp). Everything runs on one io_context thread.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

#include "front_end.hpp"
#include "gateway/seal.hpp"
#include "log.hpp"
#include "mcp/protocol.hpp"
#include "pool_directory.hpp"
#include "pool_link.hpp"
#include "pool_options.hpp"

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

boost::asio::awaitable<std::optional<std::string>> name_session(std::shared_ptr<bridge::server_link> link) {
  auto pool = std::static_pointer_cast<gw::pool_link>(std::move(link));
  co_return co_await pool->sealed_id();
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = gw::parse_pool_options(argc, argv);
  if (!parsed.opts) {
    return parsed.exit_code;
  }
  const gw::pool_options opts = std::move(*parsed.opts);
  bridge::log::configure(opts.front.log_format, bridge::log::level::info);
  std::shared_ptr<gw::pool_directory> dir;
  bool started = true;
  const std::string serving = std::to_string(opts.members.size()) + " members";
  const int rc = bridge::run_front_end(
      opts.front,
      [&](const boost::asio::any_io_executor& ex, bridge::metrics&) {
        dir = std::make_shared<gw::pool_directory>(ex, opts);
        started = dir->start();
        bridge::session_hooks h;
        h.make_link = [d = dir]() -> boost::system::result<std::shared_ptr<bridge::server_link>> {
          auto l = std::make_shared<gw::pool_link>(d);
          d->add_session(l);
          return std::shared_ptr<bridge::server_link>(std::move(l));
        };
        h.name = name_session;
        h.restore = [d = dir](std::string_view id) -> std::optional<bridge::session_hooks::restored> {
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
        h.ready = [d = dir] { return d->ready(); };
        h.stop = [d = dir] { d->stop(); };
        h.release_on_close = true;
        return h;
      },
      bridge::log::field{"pool", serving});
  return started ? rc : 1;
}
