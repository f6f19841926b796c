#include "kube/runtime/work_queue.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace kube {

namespace asio = boost::asio;

namespace {

// controller-runtime's buckets for the workqueue duration histograms: 1 µs .. 1000 s.
prometheus::Histogram::BucketBoundaries duration_buckets() {
  return {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000};
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

queue_metrics queue_metrics::create(prometheus::Registry* registry, const std::string& name) {
  queue_metrics m;
  if (!registry) {
    return m;
  }
  const prometheus::Labels labels{{"name", name}, {"controller", name}};
  m.depth = &prometheus::BuildGauge()
                 .Name("workqueue_depth")
                 .Help("Current depth of workqueue")
                 .Register(*registry)
                 .Add(labels);
  m.adds = &prometheus::BuildCounter()
                .Name("workqueue_adds_total")
                .Help("Total number of adds handled by workqueue")
                .Register(*registry)
                .Add(labels);
  m.retries = &prometheus::BuildCounter()
                   .Name("workqueue_retries_total")
                   .Help("Total number of retries handled by workqueue")
                   .Register(*registry)
                   .Add(labels);
  m.queue_duration = &prometheus::BuildHistogram()
                          .Name("workqueue_queue_duration_seconds")
                          .Help("How long in seconds an item stays in workqueue before being requested")
                          .Register(*registry)
                          .Add(labels, duration_buckets());
  m.work_duration = &prometheus::BuildHistogram()
                         .Name("workqueue_work_duration_seconds")
                         .Help("How long in seconds processing an item from workqueue takes")
                         .Register(*registry)
                         .Add(labels, duration_buckets());
  m.unfinished_work = &prometheus::BuildGauge()
                           .Name("workqueue_unfinished_work_seconds")
                           .Help("How many seconds of work has been done that is in progress")
                           .Register(*registry)
                           .Add(labels);
  return m;
}

work_queue::work_queue(asio::any_io_executor ex, std::string name, rate_limiter_options limits,
                       prometheus::Registry* registry)
    : name_(std::move(name)),
      limiter_(limits),
      timer_(ex, clock::time_point::max()),
      metrics_(queue_metrics::create(registry, name_)) {}

void work_queue::update_depth() {
  if (metrics_.depth) {
    metrics_.depth->Set(static_cast<double>(core_.depth()));
  }
}

void work_queue::add(const object_key& key) {
  if (shutdown_) {
    return;
  }
  if (core_.add(key, clock::now()) && metrics_.adds) {
    metrics_.adds->Increment();
  }
  update_depth();
  wake();
}

void work_queue::add_after(const object_key& key, std::chrono::nanoseconds delay) {
  if (shutdown_) {
    return;
  }
  if (delay <= std::chrono::nanoseconds::zero()) {
    add(key);
    return;
  }
  const auto now = clock::now();
  core_.add_at(key, now + delay, now);
  wake();  // the earliest due time may have moved
}

void work_queue::add_rate_limited(const object_key& key) {
  if (metrics_.retries) {
    metrics_.retries->Increment();
  }
  add_after(key, limiter_.when(key, clock::now()));
}

asio::awaitable<std::optional<object_key>> work_queue::get() {
  auto cs = co_await asio::this_coro::cancellation_state;
  for (;;) {
    const auto now = clock::now();
    if (shutdown_ && !drain_) {
      co_return std::nullopt;
    }
    if (auto p = core_.pop(now)) {
      update_depth();
      if (metrics_.queue_duration) {
        metrics_.queue_duration->Observe(seconds(now - p->queued_at));
      }
      started_[p->key] = now;
      co_return std::move(p->key);
    }
    if (shutdown_ || cs.cancelled() != asio::cancellation_type::none) {
      co_return std::nullopt;
    }
    // Only move the expiry when it changes: moving it cancels the other workers' waits.
    const auto due = core_.next_due().value_or(clock::time_point::max());
    if (timer_.expiry() != due) {
      timer_.expires_at(due);
    }
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void work_queue::done(const object_key& key) {
  if (auto it = started_.find(key); it != started_.end()) {
    if (metrics_.work_duration) {
      metrics_.work_duration->Observe(seconds(clock::now() - it->second));
    }
    started_.erase(it);
  }
  core_.done(key);
  update_depth();
  wake();
}

void work_queue::shut_down(bool drain) {
  shutdown_ = true;
  drain_ = drain;
  wake();
}

}  // namespace kube
