// The two measurements the load generator makes, each bounded in time by the per-request
// timeout and the run's length:
//  - load: N sessions initialize at once, then each calls `echo` in a closed loop (one call
//    in flight per session), for a warm-up plus a measured window or for a fixed number of
//    calls; optionally samples a process's resident memory with the sessions open.
//  - init: sessions opened one after another; the time until each is usable (initialize
//    answered and notifications/initialized accepted).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "session.hpp"

namespace loadgen {

using session_factory = std::function<std::unique_ptr<session>()>;

struct load_config {
  unsigned sessions = 1;
  double warmup_s = 1;
  double duration_s = 5;  // the measured window (when calls == 0)
  unsigned calls = 0;     // calls per session instead of a window; all of them are measured
  int rss_pid = 0;        // sample this process's VmRSS, and its CPU time over the window (0: don't)
  double settle_s = 0.5;  // wait before each memory sample
};
boost::asio::awaitable<boost::json::object> run_load(session_factory make, load_config cfg);

struct init_config {
  unsigned count = 5;
  double pause_s = 1;  // between sessions (lets a warm pool refill)
  // Realtime ns when the proxy was started: the first session is retried until the proxy
  // accepts connections, and its time is counted from then (start-up to first usable session).
  std::optional<std::int64_t> started_ns;
  double start_timeout_s = 30;
};
boost::asio::awaitable<boost::json::object> run_init(session_factory make, init_config cfg);

}  // namespace loadgen
