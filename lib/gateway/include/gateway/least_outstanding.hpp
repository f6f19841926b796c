// The pick of a member's upstream pod for a new request or session: the ready pod with the
// fewest requests outstanding. Pure: the driver passes the pods' current counts.
//
// Ties rotate in id order, not in the order of the span: after picking id X, the next tie goes
// to the smallest tied id after X (wrapping round). The driver rebuilds its pod list as the
// EndpointSlice changes, in any order; ties still spread evenly and a pod that comes or goes
// does not make the rotation skip or repeat the others.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gateway {

struct upstream_pod {
  std::string_view id;  // unique among the pods (the pod's name or address)
  std::size_t outstanding = 0;
  bool ready = false;
};

// The rotation's state, one per member: the id picked last.
struct round_robin_cursor {
  std::string last;
};

// The index in `pods` of the pod to use, or none when no pod is ready. Moves the cursor.
std::optional<std::size_t> pick_least_outstanding(std::span<const upstream_pod> pods, round_robin_cursor& cursor);

}  // namespace gateway
