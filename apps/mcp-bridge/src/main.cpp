// mcp-bridge: serves a stdio MCP server over HTTP. See http_server.hpp for the endpoints
// and session.hpp for how messages are routed. Everything runs on one io_context thread.
#include <signal.h>

#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "child.hpp"
#include "copy_self.hpp"
#include "http_server.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "session_manager.hpp"

namespace asio = boost::asio;

namespace {

// SIGTERM: stop accepting, let in-flight requests finish within the grace period, then
// end every session (children get SIGTERM, then SIGKILL) and wait until all are reaped.
asio::awaitable<void> shutdown(asio::io_context& ioc, bridge::http_context& ctx, asio::ip::tcp::acceptor& acceptor,
                               bridge::session_manager& sessions, bridge::reaper& reaper, const bridge::options& opts) {
  boost::system::error_code ignored;
  acceptor.close(ignored);
  ctx.draining = true;
  asio::steady_timer t(co_await asio::this_coro::executor);
  const auto grace_end = std::chrono::steady_clock::now() + opts.shutdown_grace;
  while (sessions.pending_requests() > 0 && std::chrono::steady_clock::now() < grace_end) {
    t.expires_after(std::chrono::milliseconds(50));
    co_await t.async_wait(asio::use_awaitable);
  }
  sessions.stop();
  const auto reap_end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (reaper.watched() > 0 && std::chrono::steady_clock::now() < reap_end) {
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(asio::use_awaitable);
  }
  reaper.stop();
  bridge::log::info("stopped", {{"children_left", std::to_string(reaper.watched())}});
  ioc.stop();
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = bridge::parse_options(argc, argv);
  if (!parsed.opts) {
    return parsed.exit_code;
  }
  const bridge::options opts = std::move(*parsed.opts);
  if (opts.copy_to) {
    if (auto err = bridge::install_executable(bridge::self_executable, *opts.copy_to); !err.empty()) {
      std::fprintf(stderr, "mcp-bridge: %s\n", err.c_str());
      return 1;
    }
    return 0;
  }
  bridge::log::configure(opts.log_format, bridge::log::level::info);
  ::signal(SIGPIPE, SIG_IGN);  // a child or client closing a pipe is an error code, not death

  asio::io_context ioc(1);
  bridge::metrics stats;
  bridge::reaper reaper(ioc.get_executor());
  reaper.start();
  bridge::session_manager sessions(ioc.get_executor(), opts, stats, reaper);

  boost::system::error_code ec;
  const auto address = asio::ip::make_address(opts.host, ec);
  if (ec) {
    bridge::log::error("--host must be an IP address", {{"host", opts.host}});
    return 2;
  }
  asio::ip::tcp::acceptor acceptor(ioc);
  const asio::ip::tcp::endpoint endpoint(address, opts.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    bridge::log::error("cannot listen", {{"address", opts.host}, {"error", ec.message()}});
    return 1;
  }
  bridge::http_context ctx{opts, sessions, stats, address.is_loopback()};
  sessions.start();
  bridge::log::info("listening", {{"address", opts.host},
                                  {"port", std::to_string(acceptor.local_endpoint().port())},
                                  {"path", opts.path},
                                  {"command", opts.command.front()}});
  asio::co_spawn(ioc, bridge::accept_loop(acceptor, ctx), asio::detached);

  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& sec, int sig) {
    if (sec) {
      return;
    }
    bridge::log::info("shutting down", {{"signal", std::to_string(sig)}});
    asio::co_spawn(ioc, shutdown(ioc, ctx, acceptor, sessions, reaper, opts), asio::detached);
  });
  ioc.run();
  return 0;
}
