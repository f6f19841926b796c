// The controller's work queue: queue_core's deduplication and one-at-a-time guarantee, timers
// for add_after, controller-runtime's rate-limited requeue, coroutine waiting for work, and
// the workqueue_* metrics under controller-runtime's names (label name=<controller>).
// shut_down() stops accepting keys (optionally draining the queued ones), then get() returns
// nullopt. Single-threaded executor, like the rest of kube::runtime.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "kube/runtime/queue_core.hpp"
#include "kube/runtime/rate_limiter.hpp"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
class Histogram;
}  // namespace prometheus

namespace kube {

struct queue_metrics {
  prometheus::Gauge* depth = nullptr;
  prometheus::Counter* adds = nullptr;
  prometheus::Counter* retries = nullptr;
  prometheus::Histogram* queue_duration = nullptr;
  prometheus::Histogram* work_duration = nullptr;
  prometheus::Gauge* unfinished_work = nullptr;

  // Registers (or reuses) the families in `registry`; a null registry gives no-op metrics.
  static queue_metrics create(prometheus::Registry* registry, const std::string& name);
};

class work_queue {
 public:
  using clock = std::chrono::steady_clock;

  work_queue(boost::asio::any_io_executor ex, std::string name, rate_limiter_options limits = {},
             prometheus::Registry* registry = nullptr);

  void add(const object_key& key);
  void add_after(const object_key& key, std::chrono::nanoseconds delay);
  void add_rate_limited(const object_key& key);
  void forget(const object_key& key) { limiter_.forget(key); }
  [[nodiscard]] unsigned retries(const object_key& key) const { return limiter_.retries(key); }

  // The next key to process, or nullopt once shut down and drained (or on cancellation).
  boost::asio::awaitable<std::optional<object_key>> get();
  void done(const object_key& key);

  // drain: keys already queued are still handed out; otherwise get() returns nullopt at
  // once (controller-runtime's behaviour on manager shutdown: in-flight work finishes, the
  // rest is rebuilt from the caches after the restart).
  void shut_down(bool drain = true);
  [[nodiscard]] bool shutting_down() const { return shutdown_; }
  [[nodiscard]] std::size_t depth() const { return core_.depth(); }
  [[nodiscard]] std::size_t processing() const { return core_.processing(); }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  void wake() { timer_.cancel(); }
  void update_depth();

  std::string name_;
  queue_core core_;
  rate_limiter limiter_;
  boost::asio::steady_timer timer_;
  bool shutdown_ = false;
  bool drain_ = true;
  std::unordered_map<object_key, clock::time_point, object_key_hash> started_;
  queue_metrics metrics_;
};

}  // namespace kube
