// Request id remapping for a child shared by many sessions: two clients may both send
// id 1, so each outgoing request gets a fresh child-side id and the answer is routed back
// to the session and original id that asked. Pure bookkeeping: no I/O, no clock. Entries
// live until answered or until their session is dropped, so a closed session cannot leave
// entries behind.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace mcp {

struct origin {
  std::uint64_t session = 0;
  boost::json::value id;  // the id as the session's client sent it
};

class id_remapper {
 public:
  // Registers a request and returns the id to send to the child.
  std::int64_t map(std::uint64_t session, boost::json::value original);

  // Resolves and forgets a child-side id; nullopt for ids we never issued (or a non-integer).
  std::optional<origin> take(const boost::json::value& child_id);

  // The child-side id of a session's request still in flight (to forward its cancellation).
  [[nodiscard]] std::optional<std::int64_t> find(std::uint64_t session, const boost::json::value& original) const;

  // Forgets every request of a session; returns their child-side ids (to cancel them).
  std::vector<std::int64_t> drop_session(std::uint64_t session);

  [[nodiscard]] std::size_t in_flight() const { return pending_.size(); }

 private:
  std::int64_t next_ = 1;
  std::map<std::int64_t, origin> pending_;
};

}  // namespace mcp
