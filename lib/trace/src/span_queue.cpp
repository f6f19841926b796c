#include "trace/span_queue.hpp"

#include <algorithm>

namespace trace {

bool span_queue::push(span s) {
  if (q_.size() >= capacity_) {
    ++dropped_;
    return false;
  }
  q_.push_back(std::move(s));
  return true;
}

std::vector<span> span_queue::take(std::size_t max_batch) {
  std::vector<span> out;
  const std::size_t n = std::min(max_batch, q_.size());
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(std::move(q_.front()));
    q_.pop_front();
  }
  return out;
}

std::optional<std::chrono::milliseconds> retry_policy::after(unsigned attempt, unsigned status) const {
  const bool retryable = status == 429 || status == 502 || status == 503 || status == 504;
  if (!retryable || attempt >= max_attempts) {
    return std::nullopt;
  }
  auto d = initial;
  for (unsigned i = 1; i < attempt && d < cap; ++i) {
    d *= 2;
  }
  return std::min(d, cap);
}

}  // namespace trace
