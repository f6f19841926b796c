// The bookkeeping of client-go's work queue, pure and clock-injected: a FIFO of keys with a
// dirty set (queued, deduplicated) and a processing set (handed out, not yet done). A key is
// never handed out twice at once; adding it while it is processed marks it dirty, and done()
// queues it again, so no change is lost. add_after keeps the earliest time per key.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "kube/core/resource.hpp"

namespace kube {

class queue_core {
 public:
  using clock = std::chrono::steady_clock;

  // Returns true when the key was newly queued (not already dirty).
  bool add(const object_key& key, clock::time_point now);
  void add_at(const object_key& key, clock::time_point when, clock::time_point now);
  struct popped {
    object_key key;
    clock::time_point queued_at;  // when it entered the queue, for the queue-duration metric
  };
  // Moves due delayed keys into the queue, then hands out the first queued key.
  std::optional<popped> pop(clock::time_point now);
  void done(const object_key& key);

  // When the earliest delayed key becomes due.
  [[nodiscard]] std::optional<clock::time_point> next_due() const;
  [[nodiscard]] std::size_t depth() const { return queue_.size(); }
  [[nodiscard]] std::size_t processing() const { return processing_.size(); }
  [[nodiscard]] std::size_t waiting() const { return delayed_.size(); }
  void promote_due(clock::time_point now);

 private:
  std::deque<object_key> queue_;
  std::unordered_set<object_key, object_key_hash> dirty_;
  std::unordered_set<object_key, object_key_hash> processing_;
  std::unordered_map<object_key, clock::time_point, object_key_hash> added_at_;
  std::multimap<clock::time_point, object_key> delayed_;
  std::unordered_map<object_key, clock::time_point, object_key_hash> delayed_at_;
};

}  // namespace kube
