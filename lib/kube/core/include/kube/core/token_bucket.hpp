// A token bucket that hands out reservations, like Go's rate.Limiter.Reserve: each call takes
// one token and says how long to wait until that token exists (tokens may go negative, so
// waiters queue fairly). Used for client-go's client-side QPS/burst limit and for
// controller-runtime's overall requeue limiter. Pure: the caller passes the time.
#pragma once

#include <algorithm>
#include <chrono>

namespace kube {

class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  // qps <= 0 disables the limit (every reservation is immediate).
  token_bucket(double qps, double burst, clock::time_point now)
      : qps_(qps), burst_(burst), tokens_(burst), last_(now) {}

  // Takes a token; returns how long after `now` it may be used.
  std::chrono::nanoseconds reserve(clock::time_point now) {
    if (qps_ <= 0) {
      return std::chrono::nanoseconds(0);
    }
    refill(now);
    tokens_ -= 1.0;
    if (tokens_ >= 0) {
      return std::chrono::nanoseconds(0);
    }
    return std::chrono::nanoseconds(static_cast<long long>(-tokens_ / qps_ * 1e9));
  }

 private:
  void refill(clock::time_point now) {
    if (now > last_) {
      const double elapsed = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
      last_ = now;
    }
  }

  double qps_;
  double burst_;
  double tokens_;
  clock::time_point last_;
};

}  // namespace kube
