#include "mcp/replay_buffer.hpp"

#include <charconv>

#include "mcp/error.hpp"

namespace mcp {

std::string replay_buffer::make_id(std::uint64_t stream, std::uint64_t seq) {
  return std::to_string(stream) + "-" + std::to_string(seq);
}

bool replay_buffer::parse_id(std::string_view id, std::uint64_t& stream, std::uint64_t& seq) {
  const auto dash = id.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == id.size()) {
    return false;
  }
  const char* end1 = id.data() + dash;
  auto [p1, e1] = std::from_chars(id.data(), end1, stream);
  if (e1 != std::errc() || p1 != end1) {
    return false;
  }
  const char* end2 = id.data() + id.size();
  auto [p2, e2] = std::from_chars(end1 + 1, end2, seq);
  return e2 == std::errc() && p2 == end2;
}

std::string replay_buffer::append(std::uint64_t stream, std::string data) {
  stored_event e{stream, next_seq_++, {}, std::move(data)};
  e.id = make_id(stream, e.seq);
  std::string id = e.id;
  bytes_ += e.data.size();
  events_.push_back(std::move(e));
  while (!events_.empty() && (events_.size() > max_events_ || bytes_ > max_bytes_)) {
    bytes_ -= events_.front().data.size();
    evicted_[events_.front().stream] = events_.front().seq;
    events_.pop_front();
  }
  return id;
}

boost::system::result<resume_point> replay_buffer::after(std::string_view last_event_id) const {
  std::uint64_t stream = 0;
  std::uint64_t seq = 0;
  if (!parse_id(last_event_id, stream, seq) || seq >= next_seq_) {
    return error::unknown_event_id;
  }
  // Events of this stream between `seq` and the oldest kept one may have been evicted;
  // resuming would silently lose them, so refuse.
  if (auto it = evicted_.find(stream); it != evicted_.end() && it->second > seq) {
    return error::unknown_event_id;
  }
  resume_point out{stream, {}};
  for (const auto& e : events_) {
    if (e.stream == stream && e.seq > seq) {
      out.events.push_back(e);
    }
  }
  return out;
}

}  // namespace mcp
