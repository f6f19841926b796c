#include "kube/runtime/manager.hpp"

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <optional>

#include "async/task_group.hpp"
#include "ops/health.hpp"
#include "ops/router.hpp"
#include "ops/server.hpp"
#include "task_failure_log.hpp"

namespace kube {

namespace asio = boost::asio;

namespace {

std::string default_identity() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + "_" + new_reconcile_id();
}

// Opens a listener for a controller-runtime style bind address; nullopt when disabled.
std::optional<asio::ip::tcp::acceptor> listen(const asio::any_io_executor& ex, const std::string& address,
                                              bool& failed) {
  asio::ip::tcp::endpoint ep;
  bool disabled = false;
  if (!ops::parse_bind_address(address, ep, disabled)) {
    spdlog::error("msg=\"invalid bind address\" address={}", address);
    failed = true;
    return std::nullopt;
  }
  if (disabled) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  asio::ip::tcp::acceptor acc(ex);
  acc.open(ep.protocol(), ec);
  if (!ec) {
    acc.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acc.bind(ep, ec);
  }
  if (!ec) {
    acc.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    spdlog::error("msg=\"cannot listen\" address={} error=\"{}\"", address, ec.message());
    failed = true;
    return std::nullopt;
  }
  return acc;
}

}  // namespace

manager::manager(asio::io_context& io, std::shared_ptr<client> http, manager_options opts)
    : io_(io), http_(std::move(http)), opts_(std::move(opts)), registry_(std::make_shared<prometheus::Registry>()) {
  if (opts_.identity.empty()) {
    opts_.identity = default_identity();
  }
}

manager::~manager() = default;

bool manager::synced() const {
  for (const auto* c : controllers_) {
    if (!c->synced()) {
      return false;
    }
  }
  return true;
}

int manager::run() {
  int exit_code = 0;
  asio::co_spawn(io_, main_task(exit_code), [this, &exit_code](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("msg=\"manager failed\" error=\"{}\"", ex.what());
      }
      exit_code = 1;
    }
    io_.stop();  // detached work (event writes, verification probes) dies with the process
  });
  io_.run();
  return exit_code;
}

asio::awaitable<void> manager::main_task(int& exit_code) {
  co_await asio::this_coro::throw_if_cancelled(false);
  auto ex = co_await asio::this_coro::executor;

  ops::health_checks live;
  ops::health_checks ready;
  live.add("ping", [] { return ops::check_result::pass(); });
  ready.add("informer-sync",
            [this] { return synced() ? ops::check_result::pass() : ops::check_result::fail("caches not synced"); });
  const ops::router probe_routes(&live, &ready, nullptr);
  const ops::router metric_routes(nullptr, nullptr, registry_);
  bool failed = false;
  auto probe_acc = listen(ex, opts_.health_probe_bind_address, failed);
  auto metric_acc = listen(ex, opts_.metrics_bind_address, failed);
  if (failed) {
    exit_code = 1;
    co_return;
  }
  async::task_group servers(ex, detail::log_task_failure);
  if (probe_acc) {
    servers.spawn("probes", ops::serve(std::move(*probe_acc), probe_routes));
  }
  if (metric_acc) {
    servers.spawn("metrics", ops::serve(std::move(*metric_acc), metric_routes));
  }

  async::task_group caches(ex, detail::log_task_failure);
  for (auto* c : controllers_) {
    caches.spawn(c->name() + "/caches", c->run_caches());
  }
  async::task_group workers(ex, detail::log_task_failure);
  asio::steady_timer wake(ex, asio::steady_timer::time_point::max());
  bool lost = false;
  auto start_workers = [&] {
    for (auto* c : controllers_) {
      workers.spawn(c->name() + "/workers", c->run_workers());
    }
  };
  std::optional<leader_election> elector;
  async::task_group election(ex, detail::log_task_failure);
  if (opts_.leader_election) {
    elector.emplace(http_, opts_.leader_election_namespace, opts_.leader_election_id, opts_.identity, opts_.lease);
    election.spawn("leader-election", elector->run(start_workers, [&] {
      lost = true;
      workers.cancel();  // stop reconciling at once: another candidate may lead soon
      wake.cancel();
    }));
  } else {
    start_workers();
  }

  asio::signal_set signals(ex, SIGTERM, SIGINT);
  int signal_number = 0;
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      signal_number = sig;
      wake.cancel();
    }
  });
  co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));

  if (lost) {
    exit_code = 1;
  } else {
    spdlog::info("msg=\"shutting down\" signal={} grace_seconds={}", signal_number,
                 opts_.graceful_shutdown_timeout.count());
    for (auto* c : controllers_) {
      c->shut_down();
    }
    asio::steady_timer grace(ex, opts_.graceful_shutdown_timeout);
    grace.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) {
        spdlog::warn("msg=\"grace period over; cancelling reconciles\"");
        workers.cancel();
      }
    });
    co_await workers.wait();
    grace.cancel();
    election.cancel();
    co_await election.wait();
    if (elector) {
      co_await elector->release();
    }
  }
  workers.cancel();
  co_await workers.wait();
  signals.cancel();
  caches.cancel();
  servers.cancel();
  co_await caches.wait();
  co_await servers.wait();
  spdlog::info("msg=\"stopped\" exit_code={}", exit_code);
}

}  // namespace kube
