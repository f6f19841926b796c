#include "kube/runtime/queue_core.hpp"

namespace kube {

bool queue_core::add(const object_key& key, clock::time_point now) {
  if (!dirty_.insert(key).second) {
    return false;
  }
  added_at_.emplace(key, now);
  if (!processing_.contains(key)) {
    queue_.push_back(key);
  }
  return true;
}

void queue_core::add_at(const object_key& key, clock::time_point when, clock::time_point now) {
  if (when <= now) {
    add(key, now);
    return;
  }
  if (auto it = delayed_at_.find(key); it != delayed_at_.end()) {
    if (it->second <= when) {
      return;  // already due earlier
    }
    for (auto [b, e] = delayed_.equal_range(it->second); b != e; ++b) {
      if (b->second == key) {
        delayed_.erase(b);
        break;
      }
    }
  }
  delayed_.emplace(when, key);
  delayed_at_[key] = when;
}

void queue_core::promote_due(clock::time_point now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    auto key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    delayed_at_.erase(key);
    add(key, now);
  }
}

std::optional<queue_core::popped> queue_core::pop(clock::time_point now) {
  promote_due(now);
  if (queue_.empty()) {
    return std::nullopt;
  }
  popped out{std::move(queue_.front()), now};
  queue_.pop_front();
  processing_.insert(out.key);
  dirty_.erase(out.key);
  if (auto it = added_at_.find(out.key); it != added_at_.end()) {
    out.queued_at = it->second;
    added_at_.erase(it);
  }
  return out;
}

void queue_core::done(const object_key& key) {
  processing_.erase(key);
  if (dirty_.contains(key)) {
    // Re-added while processed: it waited in the dirty set and now gets its turn.
    queue_.push_back(key);
  }
}

std::optional<queue_core::clock::time_point> queue_core::next_due() const {
  if (delayed_.empty()) {
    return std::nullopt;
  }
  return delayed_.begin()->first;
}

}  // namespace kube
