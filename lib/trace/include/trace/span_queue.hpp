// The exporter's queue of finished spans: bounded, so a collector that is slow or gone never
// makes the request path wait or the process grow: a span that does not fit is dropped and
// counted. Batches are taken from the front. Also the retry rule of OTLP/HTTP export: only
// 429 and 503 (and 502/504, which the OTLP spec lists as retryable too) are retried, with
// exponential backoff (initial, doubling, capped), at most `max_attempts` sends per batch;
// everything else drops the batch (a 400 will not get better by sending it again).
// Single-threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "trace/span.hpp"

namespace trace {

class span_queue {
 public:
  explicit span_queue(std::size_t capacity = 2048) : capacity_(capacity) {}
  // False (and counted as dropped) when full.
  bool push(span s);
  std::vector<span> take(std::size_t max_batch);
  [[nodiscard]] std::size_t size() const { return q_.size(); }
  [[nodiscard]] bool empty() const { return q_.empty(); }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }
  void count_dropped(std::uint64_t n) { dropped_ += n; }

 private:
  std::size_t capacity_;
  std::deque<span> q_;
  std::uint64_t dropped_ = 0;
};

struct retry_policy {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds cap{5000};
  unsigned max_attempts = 4;
  // After attempt number `attempt` (1 = the first send) answered `status` (0: no answer:
  // connection refused, timeout): the delay before the next attempt, or nullopt to stop
  // (delivered, or not worth retrying, or out of attempts).
  [[nodiscard]] std::optional<std::chrono::milliseconds> after(unsigned attempt, unsigned status) const;
};

}  // namespace trace
