#include "gateway/least_outstanding.hpp"

namespace gateway {

std::optional<std::size_t> pick_least_outstanding(std::span<const upstream_pod> pods, round_robin_cursor& cursor) {
  std::optional<std::size_t> least;  // fewest outstanding among the ready pods
  std::optional<std::size_t> after;  // of those tied, the smallest id after cursor.last
  std::optional<std::size_t> first;  // of those tied, the smallest id (the rotation wraps)
  for (std::size_t i = 0; i < pods.size(); ++i) {
    const auto& pod = pods[i];
    if (!pod.ready) {
      continue;
    }
    if (least && pod.outstanding > pods[*least].outstanding) {
      continue;
    }
    if (least && pod.outstanding < pods[*least].outstanding) {
      after.reset();
      first.reset();
    }
    least = i;
    if (!first || pod.id < pods[*first].id) {
      first = i;
    }
    if (pod.id > cursor.last && (!after || pod.id < pods[*after].id)) {
      after = i;
    }
  }
  if (!least) {
    return std::nullopt;
  }
  const std::size_t chosen = after ? *after : *first;
  cursor.last = pods[chosen].id;
  return chosen;
}

}  // namespace gateway
