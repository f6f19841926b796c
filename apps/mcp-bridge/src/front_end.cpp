// The front end mcp-bridge and mcp-gateway share: the listener, the connections, the
// sessions, and the structured shutdown (see run_front_end in front_end.hpp).
#include "front_end.hpp"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <functional>

#include <boost/asio/as_tuple.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "async/task_group.hpp"
#include "child.hpp"
#include "http_server.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "otlp_exporter.hpp"
#include "session_manager.hpp"

namespace asio = boost::asio;

namespace {

// Exit statuses of a shutdown (docs/bridge.md): which way the bridge stopped.
constexpr int exit_drained = 0;     // every in-flight request finished within the grace period
constexpr int exit_grace_over = 3;  // the grace period ended first: what was left got an error
constexpr int exit_forced = 4;      // a second SIGTERM/SIGINT: everything cancelled at once

// Structured shutdown, driven by events rather than polling: `wake` is cancelled whenever
// something the current phase waits for happens (a request finished, a connection
// closed, the last child was reaped, another signal arrived), and each phase waits on it
// until its condition holds or its deadline passes.
struct shutdown_state {
  explicit shutdown_state(const asio::any_io_executor& ex) : wake(ex) {}
  asio::steady_timer wake;
  int signals = 0;
  void notify() { wake.cancel(); }
  [[nodiscard]] bool forced() const { return signals > 1; }
};

// Waits for `done` until `deadline`; a second signal ends a `cancellable` wait early.
template <class Done>
asio::awaitable<bool> wait_until(shutdown_state& st, std::chrono::steady_clock::time_point deadline, Done done,
                                 bool cancellable = true) {
  while (!done() && !(cancellable && st.forced()) && std::chrono::steady_clock::now() < deadline) {
    st.wake.expires_at(deadline);
    co_await st.wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return done();
}

// Cancels every connection (each is a task of `connections`: terminal cancellation ends its
// current read or write) and waits until they have ended, at most `limit`.
asio::awaitable<void> close_connections(async::task_group& connections, std::chrono::milliseconds limit) {
  using namespace asio::experimental::awaitable_operators;
  connections.cancel();
  asio::steady_timer bound(co_await asio::this_coro::executor, limit);
  co_await (connections.wait() || bound.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (connections.size() > 0) {
    bridge::log::warn("connections still open after cancellation", {{"tasks", std::to_string(connections.size())}});
  }
}

// SIGTERM: stop accepting; let in-flight requests finish within the grace period (soft
// stop); then, or at once on a second signal, end every session (pending requests get a
// JSON-RPC error), cancel every connection, forward SIGTERM to every child (SIGKILL after a
// grace, or at once when forced) and wait until all are reaped.
asio::awaitable<void> shutdown(asio::io_context& ioc, bridge::http_context& ctx, asio::ip::tcp::acceptor& acceptor,
                               async::task_group& connections, bridge::session_manager& sessions,
                               bridge::reaper& reaper, const bridge::options& opts, shutdown_state& st,
                               int& exit_code) {
  using clock = std::chrono::steady_clock;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  ctx.draining = true;
  ctx.on_change = [&st] { st.notify(); };
  const bool drained = co_await wait_until(st, clock::now() + opts.shutdown_grace,
                                           [&] { return ctx.inflight == 0 && sessions.pending_requests() == 0; });
  exit_code = st.forced() ? exit_forced : drained ? exit_drained : exit_grace_over;
  bridge::log::info("draining done", {{"drained", drained ? "true" : "false"},
                                      {"forced", st.forced() ? "true" : "false"},
                                      {"inflight", std::to_string(ctx.inflight)}});
  sessions.stop();  // children get SIGTERM (their groups), pending requests an error
  reaper.signal_children(st.forced() ? SIGKILL : SIGTERM);  // also orphans reparented to us
  // The errors just queued go out to their clients, briefly; then every connection ends.
  co_await wait_until(st, clock::now() + std::chrono::seconds(1), [&] { return ctx.inflight == 0; });
  co_await close_connections(connections, std::chrono::seconds(2));
  // Every child gone: the ones we spawned and the orphans reparented to us.
  reaper.on_reap([&st] { st.notify(); });
  const auto all_gone = [&] { return reaper.watched() == 0 && reaper.signal_children(0) == 0; };
  if (!co_await wait_until(st, clock::now() + std::chrono::seconds(3), all_gone)) {
    reaper.signal_children(SIGKILL);
    co_await wait_until(st, clock::now() + std::chrono::seconds(2), all_gone, false);
  }
  reaper.reap();
  reaper.stop();
  bridge::log::info("stopped",
                    {{"children_left", std::to_string(reaper.watched())}, {"exit_status", std::to_string(exit_code)}});
  ioc.stop();
}

void on_signal(asio::signal_set& signals, shutdown_state& st, const std::function<void()>& begin) {
  signals.async_wait([&signals, &st, begin](const boost::system::error_code& sec, int sig) {
    if (sec) {
      return;
    }
    ++st.signals;
    if (st.signals == 1) {
      bridge::log::info("shutting down", {{"signal", std::to_string(sig)}});
      begin();
    } else {
      bridge::log::warn("second signal: cancelling everything now", {{"signal", std::to_string(sig)}});
      st.notify();
    }
    on_signal(signals, st, begin);
  });
}

}  // namespace

namespace bridge {

int run_front_end(const options& opts, const hooks_maker& make_hooks, log::field serving) {
  ::signal(SIGPIPE, SIG_IGN);  // a child or client closing a pipe is an error code, not death
  asio::io_context ioc(1);
  bridge::metrics stats;
  stats.set_max_sessions(static_cast<std::int64_t>(opts.max_sessions));
  bridge::reaper reaper(ioc.get_executor(), stats);
  reaper.start();
  bridge::tracing traces;  // off without --otlp-endpoint; outlives the sessions that use it
  auto exporter = bridge::start_tracing(ioc.get_executor(), opts, traces);
  if (exporter) {
    stats.add_source([e = exporter.get()] { return e->render_metrics(); });
  }
  bridge::session_manager sessions(ioc.get_executor(), opts, stats, reaper,
                                   make_hooks ? make_hooks(ioc.get_executor(), stats) : bridge::session_hooks{});

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
  bridge::http_context ctx{opts, sessions, stats, address.is_loopback(), 0, 0, false, {}};
  ctx.traces = &traces;
  sessions.set_tracing(&traces);
  sessions.start();
  bridge::log::info("listening", {{"address", opts.host},
                                  {"port", std::to_string(acceptor.local_endpoint().port())},
                                  {"path", opts.path},
                                  serving});
  // The accept loop and every connection: no connection coroutine outlives the shutdown.
  async::task_group connections(ioc.get_executor(), [](std::string_view task, std::string_view error) {
    bridge::log::error("task failed", {{"task", task}, {"error", error}});
  });
  // --auth-issuer: the issuer's keys are fetched now and refreshed while serving; requests
  // that arrive before the first fetch wait for it.
  std::optional<auth::authenticator> oauth;
  if (opts.oauth) {
    oauth.emplace(ioc.get_executor(), *opts.oauth, [](bool ok, const std::string& what) {
      if (ok) {
        bridge::log::info("OAuth issuer", {{"keys", what}});
      } else {
        bridge::log::warn("OAuth issuer unreachable (the last keys stay in use)", {{"error", what}});
      }
    });
    ctx.oauth = &*oauth;
    connections.spawn("auth-keys", oauth->keys().run());
    bridge::log::info("OAuth 2.1 resource server",
                      {{"issuer", opts.oauth->rules.issuer}, {"resource", opts.oauth->rules.audience}});
  }
  connections.spawn("accept", bridge::accept_loop(acceptor, ctx, connections));

  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  shutdown_state st(ioc.get_executor());
  int exit_code = exit_drained;
  on_signal(signals, st, [&] {
    asio::co_spawn(ioc, shutdown(ioc, ctx, acceptor, connections, sessions, reaper, opts, st, exit_code),
                   asio::detached);
  });
  ioc.run();
  // The pumps and timers the shutdown aborted still have handlers queued (and the group
  // frees the entries of the connections it ended); let them unwind now, while everything
  // they refer to is alive (destroying the io_context last would run their destructors
  // after `ctx` and `sessions` are gone).
  ctx.on_change = nullptr;
  signals.cancel();
  if (exporter) {
    // The spans of the last requests go out too, within the 2 s this unwinding is given.
    asio::co_spawn(ioc, exporter->flush(std::chrono::milliseconds(1500)), asio::detached);
  }
  ioc.restart();
  ioc.run_for(std::chrono::seconds(2));
  if (!ioc.stopped()) {
    // Something still waits: leave without running destructors that would touch it.
    bridge::log::warn("exiting with work still queued");
    std::fflush(stderr);
    std::_Exit(exit_code);
  }
  return exit_code;
}

}  // namespace bridge
