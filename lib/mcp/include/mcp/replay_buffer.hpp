// The events a session has sent, kept so a client that lost a stream can resume it with
// Last-Event-ID (Streamable HTTP resumability). Event ids are "<stream>-<seq>": a GET
// naming one tells us which stream to resume and from where, and ids are never reused
// within a session. Bounded by event count and bytes: the oldest events are evicted first,
// and asking to resume from an evicted event fails rather than silently skipping messages.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mcp {

struct stored_event {
  std::uint64_t stream = 0;
  std::uint64_t seq = 0;
  std::string id;
  std::string data;
};

struct resume_point {
  std::uint64_t stream = 0;
  std::vector<stored_event> events;  // events of that stream after the given id, oldest first
};

class replay_buffer {
 public:
  replay_buffer(std::size_t max_events, std::size_t max_bytes) : max_events_(max_events), max_bytes_(max_bytes) {}

  // Records an event sent on `stream` and returns its id.
  std::string append(std::uint64_t stream, std::string data);

  // Fails with error::unknown_event_id when the id is malformed, from the future, or its
  // successors have been evicted.
  [[nodiscard]] boost::system::result<resume_point> after(std::string_view last_event_id) const;

  [[nodiscard]] std::size_t size() const { return events_.size(); }
  [[nodiscard]] std::size_t bytes() const { return bytes_; }

  static std::string make_id(std::uint64_t stream, std::uint64_t seq);
  static bool parse_id(std::string_view id, std::uint64_t& stream, std::uint64_t& seq);

 private:
  std::size_t max_events_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::uint64_t next_seq_ = 1;
  // Per stream, the highest seq evicted: resuming from before it would lose events.
  // One entry per stream that ever lost an event, so bounded by the session's streams.
  std::unordered_map<std::uint64_t, std::uint64_t> evicted_;
  std::deque<stored_event> events_;
};

}  // namespace mcp
