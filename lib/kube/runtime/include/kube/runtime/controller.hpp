// A controller in kube-rs's shape with controller-runtime's behaviour and metrics:
//
//   reconcile(obj, ctx) -> awaitable<reconcile_result>   where result = action | reconcile_error
//   action::requeue(d) / action::await_change()
//   error_policy(obj, err, ctx) -> action                 (default: rate-limited requeue)
//
// Requests carry only the object key; the reconciler gets the cached object (null when it is
// gone), so it is level-based and idempotent. A key is never reconciled twice at once, and a
// change during a reconcile queues it again (work_queue). Terminal errors are logged and
// counted but not retried until the object changes. Every log line of a reconcile carries its
// reconcile_id. Metrics: controller_runtime_reconcile_total{controller,result},
// controller_runtime_reconcile_errors_total, controller_runtime_terminal_reconcile_errors_total,
// controller_runtime_reconcile_time_seconds, controller_runtime_active_workers,
// controller_runtime_max_concurrent_reconciles, and the work queue's workqueue_*.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/client/api.hpp"
#include "kube/runtime/reflector.hpp"
#include "kube/runtime/store.hpp"
#include "kube/runtime/work_queue.hpp"

namespace kube {

struct action {
  std::optional<std::chrono::nanoseconds> requeue_after;

  static action requeue(std::chrono::nanoseconds d) { return {d}; }
  static action await_change() { return {}; }
};

struct reconcile_error {
  std::string message;
  bool terminal = false;  // retrying cannot help; wait for the object to change

  static reconcile_error retry(std::string m) { return {std::move(m), false}; }
  static reconcile_error terminal_error(std::string m) { return {std::move(m), true}; }
};
[[noreturn]] void throw_exception_from_error(const reconcile_error& e, const boost::source_location& loc);

using reconcile_result = boost::system::result<action, reconcile_error>;

struct reconcile_context {
  std::string controller;
  std::string reconcile_id;  // random, unique per reconcile; put it in every log line
  object_key key;
  std::shared_ptr<client> http;
};

using reconcile_fn = std::function<boost::asio::awaitable<reconcile_result>(object_ptr, reconcile_context&)>;
using error_policy_fn = std::function<action(object_ptr, const reconcile_error&, reconcile_context&)>;
using mapper_fn = std::function<std::vector<object_key>(const object&)>;

struct controller_options {
  std::string name;  // metric label and log field
  std::string ns;    // "" = all namespaces
  std::string label_selector;
  unsigned concurrency = 1;  // controller-runtime's MaxConcurrentReconciles default
  rate_limiter_options rate_limits{};
};

class controller {
 public:
  controller(std::shared_ptr<client> http, api_resource primary, controller_options opts, reconcile_fn reconcile,
             error_policy_fn error_policy = {}, prometheus::Registry* registry = nullptr);
  ~controller();

  // Also watch `child` objects and reconcile their controller owner when it is a primary.
  void owns(api_resource child);
  // Also watch `other` objects (in the controller's namespace) and reconcile what `map` returns.
  void watches(api_resource other, mapper_fn map);

  // Fills the caches (one reflector per watched type) until cancelled.
  boost::asio::awaitable<void> run_caches();
  // Waits for the caches to be synced, then reconciles with `concurrency` workers until
  // shut_down(), or until cancelled (in-flight reconciles abort).
  boost::asio::awaitable<void> run_workers();
  // Stop taking work: in-flight reconciles finish, queued keys are dropped (they are rebuilt
  // from the caches by whoever runs next), and run_workers() returns.
  void shut_down() { queue_.shut_down(false); }

  [[nodiscard]] bool synced() const;
  [[nodiscard]] const store& cache() const { return *sources_.front().cache; }
  [[nodiscard]] const store& cache_of(std::size_t i) const { return *sources_.at(i).cache; }
  [[nodiscard]] work_queue& queue() { return queue_; }
  [[nodiscard]] const std::string& name() const { return opts_.name; }
  [[nodiscard]] const reflector_stats& stats(std::size_t i = 0) const { return *sources_.at(i).stats; }

 private:
  struct source {
    api from;
    std::unique_ptr<store> cache;
    std::unique_ptr<reflector_stats> stats;
    change_handler on_change;
  };
  struct metrics;

  boost::asio::awaitable<void> worker();
  boost::asio::awaitable<void> process(const object_key& key);
  void add_source(api_resource r, change_handler h);

  std::shared_ptr<client> http_;
  api_resource primary_;
  controller_options opts_;
  reconcile_fn reconcile_;
  error_policy_fn error_policy_;
  std::vector<source> sources_;
  work_queue queue_;
  std::unique_ptr<metrics> metrics_;
};

// A random UUID (version 4) string: controller-runtime's reconcileID format.
std::string new_reconcile_id();

}  // namespace kube
