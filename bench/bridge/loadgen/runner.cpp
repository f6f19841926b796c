#include "runner.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <vector>

#include "stats.hpp"

namespace loadgen {
namespace asio = boost::asio;
namespace json = boost::json;
using asio::as_tuple;
using asio::use_awaitable;
using clock = std::chrono::steady_clock;

namespace {

double ms_since(clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock::now() - t0).count();
}

asio::awaitable<void> sleep_for(double seconds) {
  asio::steady_timer t(co_await asio::this_coro::executor,
                       std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds)));
  co_await t.async_wait(as_tuple(use_awaitable));
}

asio::awaitable<void> sleep_until(clock::time_point t) {
  asio::steady_timer timer(co_await asio::this_coro::executor, t);
  co_await timer.async_wait(as_tuple(use_awaitable));
}

// Runs f(0..n-1) concurrently and returns when all have finished (rethrowing the first error).
template <class F>
asio::awaitable<void> for_all(unsigned n, F f) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer done(ex, clock::time_point::max());
  unsigned left = n;
  std::exception_ptr first;
  for (unsigned i = 0; i < n; ++i) {
    asio::co_spawn(ex, f(i), [&](const std::exception_ptr& e) {
      if (e && !first) {
        first = e;
      }
      if (--left == 0) {
        done.cancel();
      }
    });
  }
  if (left > 0) {
    co_await done.async_wait(as_tuple(use_awaitable));
  }
  if (first) {
    std::rethrow_exception(first);
  }
}

}  // namespace

asio::awaitable<json::object> run_load(session_factory make, load_config cfg) {
  std::vector<std::unique_ptr<session>> sessions;
  std::vector<bool> usable(cfg.sessions, false);
  for (unsigned i = 0; i < cfg.sessions; ++i) {
    sessions.push_back(make());
  }
  json::object rss;
  if (cfg.rss_pid > 0) {
    rss["before"] = rss_kib(cfg.rss_pid);
  }

  tally init;
  const auto t_start = clock::now();
  co_await for_all(cfg.sessions, [&](unsigned i) -> asio::awaitable<void> {
    const auto t0 = clock::now();
    const outcome o = co_await sessions[i]->initialize();
    init.add(o, ms_since(t0), sessions[i]->last_status());
    usable[i] = o == outcome::ok;
  });
  const double init_wall_s = std::chrono::duration<double>(clock::now() - t_start).count();
  if (cfg.rss_pid > 0) {
    co_await sleep_for(cfg.settle_s);
    rss["sessions_open"] = rss_kib(cfg.rss_pid);
  }

  // Calls: a window [measure_from, measure_to) after a warm-up, or a fixed count.
  tally calls;
  const auto calls_start = clock::now();
  const auto measure_from = calls_start + std::chrono::duration_cast<clock::duration>(
                                              std::chrono::duration<double>(cfg.calls > 0 ? 0 : cfg.warmup_s));
  const auto measure_to =
      measure_from + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(cfg.duration_s));
  // One more task samples the proxy's CPU time at the window's edges (not in count mode).
  const bool sample_cpu = cfg.rss_pid > 0 && cfg.calls == 0;
  double cpu_from = 0;
  double cpu_to = 0;
  co_await for_all(cfg.sessions + 1, [&](unsigned i) -> asio::awaitable<void> {
    if (i == cfg.sessions) {
      if (sample_cpu) {
        co_await sleep_until(measure_from);
        cpu_from = cpu_ms(cfg.rss_pid);
        co_await sleep_until(measure_to);
        cpu_to = cpu_ms(cfg.rss_pid);
      }
      co_return;
    }
    if (!usable[i]) {
      co_return;
    }
    for (std::uint64_t n = 0;; ++n) {
      if (cfg.calls > 0 ? n >= cfg.calls : clock::now() >= measure_to) {
        co_return;
      }
      const auto t0 = clock::now();
      const outcome o = co_await sessions[i]->call(n);
      if (cfg.calls > 0 || t0 >= measure_from) {
        calls.add(o, ms_since(t0), sessions[i]->last_status());
      }
      if (o == outcome::timeout || o == outcome::connect_error) {
        co_return;  // a session that hung or lost its server is not retried
      }
    }
  });
  const double window_s =
      cfg.calls > 0 ? std::chrono::duration<double>(clock::now() - calls_start).count() : cfg.duration_s;
  if (cfg.rss_pid > 0) {
    co_await sleep_for(cfg.settle_s);
    rss["after_calls"] = rss_kib(cfg.rss_pid);
  }
  co_await for_all(cfg.sessions, [&](unsigned i) -> asio::awaitable<void> { co_await sessions[i]->close(); });
  const double wall_s = std::chrono::duration<double>(clock::now() - t_start).count();

  const auto ok = calls.outcomes[static_cast<std::size_t>(outcome::ok)];
  json::object out{{"sessions", cfg.sessions},
                   {"init", init.to_json()},
                   {"init_wall_s", init_wall_s},
                   {"calls", calls.to_json()},
                   {"window_s", window_s},
                   {"rps", window_s > 0 ? static_cast<double>(ok) / window_s : 0.0},
                   {"wall_s", wall_s}};
  if (cfg.rss_pid > 0) {
    out["rss_kib"] = rss;
  }
  if (sample_cpu) {
    // The proxy's own CPU per successful call in the window (its children excluded).
    out["proxy_cpu_ms"] = cpu_to - cpu_from;
    out["proxy_cpu_us_per_call"] = ok > 0 ? (cpu_to - cpu_from) * 1000.0 / static_cast<double>(ok) : 0.0;
  }
  co_return out;
}

asio::awaitable<json::object> run_init(session_factory make, init_config cfg) {
  json::array samples;
  tally t;
  std::optional<double> startup_ms;
  std::optional<outcome> startup_outcome;
  for (unsigned i = 0; i < cfg.count; ++i) {
    if (i > 0) {
      co_await sleep_for(cfg.pause_s);
    }
    auto s = make();
    const auto t0 = clock::now();
    outcome o = co_await s->initialize();
    if (i == 0 && cfg.started_ns) {
      // Retry until the proxy listens, bounded by start_timeout_s.
      while (o == outcome::connect_error && ms_since(t0) < cfg.start_timeout_s * 1000) {
        co_await sleep_for(0.01);
        s = make();
        o = co_await s->initialize();
      }
      const auto now_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      startup_ms = static_cast<double>(now_ns - *cfg.started_ns) / 1e6;
      startup_outcome = o;
    } else {
      const double ms = ms_since(t0);
      t.add(o, ms, s->last_status());
      samples.push_back(o == outcome::ok ? json::value(ms) : json::value(std::string(to_string(o))));
    }
    co_await s->close();
  }
  json::object out{{"init", t.to_json()}, {"samples_ms", samples}};
  if (startup_ms && startup_outcome == outcome::ok) {
    out["startup_to_first_session_ms"] = *startup_ms;
  } else if (startup_outcome) {
    out["startup_outcome"] = to_string(*startup_outcome);
  }
  co_return out;
}

}  // namespace loadgen
