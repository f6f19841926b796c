#include "kube/runtime/controller.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/throw_exception.hpp>

#include <random>
#include <set>

#include "async/task_group.hpp"
#include "task_failure_log.hpp"

namespace kube {

namespace asio = boost::asio;

void throw_exception_from_error(const reconcile_error& e, const boost::source_location& loc) {
  boost::throw_with_location(std::runtime_error(e.message), loc);
}

std::string new_reconcile_id() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::uint64_t hi = engine();
  std::uint64_t lo = engine();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

namespace detail {

enum role { primary_role, owned_role, watched_role };

// One watched kind: a cache (and reflector) per watched namespace.
struct watched_kind {
  api_resource resource;
  int role = watched_role;
  watcher_config config;
  change_handler on_change;
  std::vector<std::string> namespaces;  // {""} = all
  std::vector<api> sources;
  std::vector<std::unique_ptr<store>> caches;
  std::vector<std::unique_ptr<reflector_stats>> stats;

  [[nodiscard]] const store* cache_for(const std::string& ns) const {
    if (namespaces.size() == 1 && namespaces.front().empty()) {
      return caches.front().get();
    }
    for (std::size_t i = 0; i < namespaces.size(); ++i) {
      if (namespaces[i] == ns) {
        return caches[i].get();
      }
    }
    return nullptr;
  }
};

}  // namespace detail

struct controller::metrics {
  prometheus::Family<prometheus::Counter>* total = nullptr;
  prometheus::Counter* errors = nullptr;
  prometheus::Counter* terminal_errors = nullptr;
  prometheus::Histogram* time = nullptr;
  prometheus::Gauge* active_workers = nullptr;
  std::string name;

  void count(const char* result) const {
    if (total) {
      total->Add({{"controller", name}, {"result", result}}).Increment();
    }
  }
};

controller::controller(std::shared_ptr<client> http, api_resource primary, controller_options opts,
                       reconcile_fn reconcile, error_policy_fn error_policy, prometheus::Registry* registry)
    : http_(std::move(http)),
      primary_(std::move(primary)),
      opts_(std::move(opts)),
      reconcile_(std::move(reconcile)),
      error_policy_(std::move(error_policy)),
      queue_(http_->executor(), opts_.name, opts_.rate_limits, registry),
      metrics_(std::make_unique<metrics>()) {
  metrics_->name = opts_.name;
  if (registry) {
    const prometheus::Labels l{{"controller", opts_.name}};
    metrics_->total = &prometheus::BuildCounter()
                           .Name("controller_runtime_reconcile_total")
                           .Help("Total number of reconciliations per controller")
                           .Register(*registry);
    for (const char* r : {"success", "error", "requeue", "requeue_after"}) {
      metrics_->total->Add({{"controller", opts_.name}, {"result", r}});  // present at 0, as controller-runtime does
    }
    metrics_->errors = &prometheus::BuildCounter()
                            .Name("controller_runtime_reconcile_errors_total")
                            .Help("Total number of reconciliation errors per controller")
                            .Register(*registry)
                            .Add(l);
    metrics_->terminal_errors = &prometheus::BuildCounter()
                                     .Name("controller_runtime_terminal_reconcile_errors_total")
                                     .Help("Total number of terminal reconciliation errors per controller")
                                     .Register(*registry)
                                     .Add(l);
    metrics_->time = &prometheus::BuildHistogram()
                          .Name("controller_runtime_reconcile_time_seconds")
                          .Help("Length of time per reconciliation per controller")
                          .Register(*registry)
                          .Add(l, prometheus::Histogram::BucketBoundaries{
                                      0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
                                      0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
                                      6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60});
    metrics_->active_workers = &prometheus::BuildGauge()
                                    .Name("controller_runtime_active_workers")
                                    .Help("Number of currently used workers per controller")
                                    .Register(*registry)
                                    .Add(l);
    prometheus::BuildGauge()
        .Name("controller_runtime_max_concurrent_reconciles")
        .Help("Maximum number of concurrent reconciles per controller")
        .Register(*registry)
        .Add(l)
        .Set(opts_.concurrency);
  }
  watch_options w;
  w.label_selector = opts_.label_selector;
  add_kind(
      primary_, std::move(w), [this](const store_change& c) { queue_.add(key_of(*c.obj)); }, detail::primary_role);
}

controller::~controller() = default;

object_ptr cache_ref::get(const object_key& key) const {
  const store* s = kind_->cache_for(key.ns);
  return s != nullptr ? s->get(key) : nullptr;
}

std::vector<object_ptr> cache_ref::list_namespace(const std::string& ns) const {
  const store* s = kind_->cache_for(ns);
  return s != nullptr ? s->list_namespace(ns) : std::vector<object_ptr>{};
}

std::vector<object_ptr> cache_ref::controlled_by(const std::string& owner_uid) const {
  std::vector<object_ptr> out;
  for (const auto& c : kind_->caches) {
    auto part = c->controlled_by(owner_uid);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::vector<object_ptr> cache_ref::indexed(const std::string& ns, const std::string& value) const {
  const store* s = kind_->cache_for(ns);
  return s != nullptr ? s->indexed(ns, value) : std::vector<object_ptr>{};
}

const api_resource& cache_ref::resource() const {
  return kind_->resource;
}

std::size_t cache_ref::size() const {
  std::size_t n = 0;
  for (const auto& c : kind_->caches) {
    n += c->size();
  }
  return n;
}

bool cache_ref::ready() const {
  for (const auto& c : kind_->caches) {
    if (!c->ready()) {
      return false;
    }
  }
  return true;
}

reflector_stats cache_ref::stats() const {
  reflector_stats sum;
  for (const auto& st : kind_->stats) {
    sum.lists += st->lists;
    sum.watches += st->watches;
    sum.events += st->events;
    sum.failures += st->failures;
  }
  return sum;
}

detail::watched_kind& controller::add_kind(api_resource r, watch_options w, change_handler h, int role) {
  auto k = std::make_unique<detail::watched_kind>();
  k->resource = std::move(r);
  k->role = role;
  k->config.label_selector = std::move(w.label_selector);
  k->config.transform = std::move(w.transform);
  k->on_change = std::move(h);
  k->namespaces = opts_.namespaces.empty() || !k->resource.namespaced ? std::vector<std::string>{""} : opts_.namespaces;
  for (const auto& ns : k->namespaces) {
    k->sources.emplace_back(http_, k->resource, ns);
    k->caches.push_back(std::make_unique<store>());
    if (w.index) {
      k->caches.back()->set_index(w.index);
    }
    k->stats.push_back(std::make_unique<reflector_stats>());
  }
  kinds_.push_back(std::move(k));
  return *kinds_.back();
}

cache_ref controller::owns(api_resource child, watch_options w) {
  auto& k = add_kind(
      std::move(child), std::move(w),
      [this](const store_change& c) {
        auto owner = controller_of(*c.obj);
        if (owner && owner->kind == primary_.kind && owner->api_version == primary_.api_version()) {
          queue_.add({std::string(namespace_of(*c.obj)), owner->name});
        }
      },
      detail::owned_role);
  return cache_ref(&k);
}

cache_ref controller::watches(api_resource other, mapper_fn map, watch_options w) {
  auto& k = add_kind(
      std::move(other), std::move(w),
      [this, map = std::move(map)](const store_change& c) {
        for (auto& key : map(*c.obj)) {
          queue_.add(key);
        }
      },
      detail::watched_role);
  return cache_ref(&k);
}

cache_ref controller::cache() const {
  return cache_ref(kinds_.front().get());
}

std::vector<permission> controller::permissions() const {
  std::set<permission> out(extra_.begin(), extra_.end());
  for (const auto& k : kinds_) {
    std::vector<const char*> verbs{"list", "watch"};
    if (k->role == detail::owned_role) {
      verbs.insert(verbs.end(), {"get", "create", "patch", "delete"});
    }
    for (const char* v : verbs) {
      out.insert({k->resource.group, k->resource.plural, v});
    }
  }
  return {out.begin(), out.end()};
}

bool controller::synced() const {
  for (const auto& k : kinds_) {
    if (!cache_ref(k.get()).ready()) {
      return false;
    }
  }
  return true;
}

asio::awaitable<void> controller::run_caches() {
  async::task_group tasks(co_await asio::this_coro::executor, detail::log_task_failure);
  for (auto& k : kinds_) {
    for (std::size_t i = 0; i < k->sources.size(); ++i) {
      tasks.spawn(opts_.name + "/reflector",
                  reflect(k->sources[i], k->config, *k->caches[i], k->on_change, k->stats[i].get()));
    }
  }
  co_await tasks.join_or_cancel();
}

asio::awaitable<void> controller::run_workers() {
  auto ex = co_await asio::this_coro::executor;
  auto cs = co_await asio::this_coro::cancellation_state;
  asio::steady_timer poll(ex);
  while (!synced()) {
    poll.expires_after(std::chrono::milliseconds(100));
    auto [ec] = co_await poll.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || cs.cancelled() != asio::cancellation_type::none) {
      co_return;
    }
  }
  spdlog::info("msg=\"caches synced; starting workers\" controller={} workers={}", opts_.name, opts_.concurrency);
  async::task_group workers(ex, detail::log_task_failure);
  for (unsigned i = 0; i < std::max(1u, opts_.concurrency); ++i) {
    workers.spawn(opts_.name + "/worker", worker());
  }
  co_await workers.join_or_cancel();
}

asio::awaitable<void> controller::worker() {
  for (;;) {
    auto key = co_await queue_.get();
    if (!key) {
      co_return;
    }
    co_await process(*key);
    queue_.done(*key);
  }
}

asio::awaitable<void> controller::process(const object_key& key) {
  reconcile_context ctx{opts_.name, new_reconcile_id(), key, http_};
  auto obj = cache().get(key);
  if (metrics_->active_workers) {
    metrics_->active_workers->Increment();
  }
  const auto start = std::chrono::steady_clock::now();
  reconcile_result r = reconcile_error::retry("not run");
  try {
    r = co_await reconcile_(obj, ctx);
  } catch (const std::exception& e) {
    r = reconcile_error::retry(std::string("reconciler threw: ") + e.what());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (metrics_->time) {
    metrics_->time->Observe(secs);
  }
  if (metrics_->active_workers) {
    metrics_->active_workers->Decrement();
  }
  if (r) {
    queue_.forget(key);
    if (r->requeue_after) {
      queue_.add_after(key, *r->requeue_after);
      metrics_->count("requeue_after");
    } else {
      metrics_->count("success");
    }
    co_return;
  }
  const auto& err = r.error();
  metrics_->count("error");
  if (metrics_->errors) {
    metrics_->errors->Increment();
  }
  spdlog::error("msg=\"reconciler error\" controller={} key={} reconcile_id={} terminal={} error=\"{}\"", opts_.name,
                key.str(), ctx.reconcile_id, err.terminal, err.message);
  if (err.terminal) {
    if (metrics_->terminal_errors) {
      metrics_->terminal_errors->Increment();
    }
    queue_.forget(key);
    co_return;
  }
  if (!error_policy_) {
    queue_.add_rate_limited(key);
    co_return;
  }
  auto a = error_policy_(obj, err, ctx);
  if (a.requeue_after) {
    queue_.add_after(key, *a.requeue_after);
  } else {
    queue_.forget(key);
  }
}

}  // namespace kube
