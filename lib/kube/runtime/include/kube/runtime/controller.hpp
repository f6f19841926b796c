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
// controller_runtime_max_concurrent_reconciles, and the work queue's workqueue_*: one set
// per controller, however many namespaces it watches.
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
  // The namespaces watched, each by its own reflector per kind (namespaced RBAC suffices);
  // empty = all namespaces.
  std::vector<std::string> namespaces;
  std::string label_selector;  // of the primary kind
  unsigned concurrency = 1;    // controller-runtime's MaxConcurrentReconciles default
  rate_limiter_options rate_limits{};
};

// How one kind is watched and cached.
struct watch_options {
  std::string label_selector;  // e.g. the operator's managed-by label for what it owns
  // Keeps only what the controller reads (see watcher_config::transform).
  std::function<void(object&)> transform;
  // One index value per object (see store::set_index), read with cache_ref::indexed().
  std::function<std::optional<std::string>(const object&)> index;
};

// One RBAC rule triple the controller needs: (apiGroup, resource, verb).
struct permission {
  std::string group, resource, verb;
  friend auto operator<=>(const permission&, const permission&) = default;
};

namespace detail {
struct watched_kind;
}

// A read handle on the cache of one watched kind, across every namespace the controller
// watches: what owns() and watches() return, so a reconciler never looks a cache up by
// position. Valid as long as the controller.
class cache_ref {
 public:
  [[nodiscard]] object_ptr get(const object_key& key) const;
  [[nodiscard]] std::vector<object_ptr> list_namespace(const std::string& ns) const;
  [[nodiscard]] std::vector<object_ptr> controlled_by(const std::string& owner_uid) const;
  [[nodiscard]] std::vector<object_ptr> indexed(const std::string& ns, const std::string& value) const;
  [[nodiscard]] const api_resource& resource() const;
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] bool ready() const;
  [[nodiscard]] reflector_stats stats() const;  // summed over the namespaces

 private:
  friend class controller;
  explicit cache_ref(const detail::watched_kind* k) : kind_(k) {}
  const detail::watched_kind* kind_;
};

class controller {
 public:
  controller(std::shared_ptr<client> http, api_resource primary, controller_options opts, reconcile_fn reconcile,
             error_policy_fn error_policy = {}, prometheus::Registry* registry = nullptr);
  ~controller();

  // Also watch `child` objects and reconcile their controller owner when it is a primary.
  // Declares list/watch plus what an owned_set needs to apply and prune them
  // (get, for a name missing from the cache; create; patch; delete).
  cache_ref owns(api_resource child, watch_options w = {});
  // Also watch `other` objects (in the controller's namespaces) and reconcile what `map`
  // returns. Declares list/watch.
  cache_ref watches(api_resource other, mapper_fn map, watch_options w = {});
  // A permission the reconciler needs beyond its watched kinds (status writes, events, ...).
  void uses(permission p) { extra_.push_back(std::move(p)); }
  // Every permission the controller needs, derived from the declared kinds and uses(): the
  // source of the RBAC role (a test keeps config/rbac equal to it).
  [[nodiscard]] std::vector<permission> permissions() const;

  // Fills the caches (one reflector per watched kind and namespace) until cancelled.
  boost::asio::awaitable<void> run_caches();
  // Waits for the caches to be synced, then reconciles with `concurrency` workers until
  // shut_down(), or until cancelled (in-flight reconciles abort).
  boost::asio::awaitable<void> run_workers();
  // Stop taking work: in-flight reconciles finish, queued keys are dropped (they are rebuilt
  // from the caches by whoever runs next), and run_workers() returns.
  void shut_down() { queue_.shut_down(false); }

  [[nodiscard]] bool synced() const;
  [[nodiscard]] cache_ref cache() const;  // the primary kind's
  [[nodiscard]] work_queue& queue() { return queue_; }
  [[nodiscard]] const std::string& name() const { return opts_.name; }
  [[nodiscard]] const std::shared_ptr<client>& http() const { return http_; }

 private:
  struct metrics;

  boost::asio::awaitable<void> worker();
  boost::asio::awaitable<void> process(const object_key& key);
  detail::watched_kind& add_kind(api_resource r, watch_options w, change_handler h, int role);

  std::shared_ptr<client> http_;
  api_resource primary_;
  controller_options opts_;
  reconcile_fn reconcile_;
  error_policy_fn error_policy_;
  std::vector<std::unique_ptr<detail::watched_kind>> kinds_;  // [0] = primary
  std::vector<permission> extra_;
  work_queue queue_;
  std::unique_ptr<metrics> metrics_;
};

// A random UUID (version 4) string: controller-runtime's reconcileID format.
std::string new_reconcile_id();

}  // namespace kube
