// controller-runtime's default requeue limiter: the larger of a per-item exponential backoff
// (5 ms doubling to 1000 s, reset by forget()) and an overall token bucket (10 qps, burst
// 100), so one failing object backs off on its own while a storm of failures is paced as a
// whole. Pure: callers pass the time.
#pragma once

#include <chrono>
#include <unordered_map>

#include "kube/core/resource.hpp"
#include "kube/core/token_bucket.hpp"

namespace kube {

struct rate_limiter_options {
  std::chrono::milliseconds base{5};
  std::chrono::milliseconds max{1'000'000};
  double qps = 10;
  double burst = 100;
};

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  explicit rate_limiter(rate_limiter_options opts = {}, clock::time_point now = clock::now())
      : opts_(opts), bucket_(opts.qps, opts.burst, now) {}

  // How long to wait before `key` is retried; counts one more failure for it.
  std::chrono::nanoseconds when(const object_key& key, clock::time_point now) {
    unsigned n = failures_[key]++;
    const double exp = static_cast<double>(opts_.base.count()) * static_cast<double>(1ULL << std::min(n, 40u));
    const auto per_item =
        std::chrono::nanoseconds(static_cast<long long>(std::min(exp, static_cast<double>(opts_.max.count())) * 1e6));
    return std::max(per_item, bucket_.reserve(now));
  }
  void forget(const object_key& key) { failures_.erase(key); }
  [[nodiscard]] unsigned retries(const object_key& key) const {
    auto it = failures_.find(key);
    return it == failures_.end() ? 0 : it->second;
  }

 private:
  rate_limiter_options opts_;
  token_bucket bucket_;
  std::unordered_map<object_key, unsigned, object_key_hash> failures_;
};

}  // namespace kube
