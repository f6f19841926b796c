#include "mcp/id_remap.hpp"

namespace mcp {

std::int64_t id_remapper::map(std::uint64_t session, boost::json::value original) {
  const std::int64_t id = next_++;
  pending_.emplace(id, origin{session, std::move(original)});
  return id;
}

std::optional<origin> id_remapper::take(const boost::json::value& child_id) {
  std::int64_t key = 0;
  if (child_id.is_int64()) {
    key = child_id.get_int64();
  } else if (child_id.is_uint64() && child_id.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    key = static_cast<std::int64_t>(child_id.get_uint64());
  } else {
    return std::nullopt;
  }
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    return std::nullopt;
  }
  origin o = std::move(it->second);
  pending_.erase(it);
  return o;
}

std::optional<std::int64_t> id_remapper::find(std::uint64_t session, const boost::json::value& original) const {
  for (const auto& [child_id, o] : pending_) {
    if (o.session == session && o.id == original) {
      return child_id;
    }
  }
  return std::nullopt;
}

std::vector<std::int64_t> id_remapper::drop_session(std::uint64_t session) {
  std::vector<std::int64_t> dropped;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.session == session) {
      dropped.push_back(it->first);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

}  // namespace mcp
