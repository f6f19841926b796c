// What a gateway session chose, to be sealed into its Mcp-Session-Id (see seal.hpp): the
// protocol revision negotiated with the client, when the session was issued and when it
// expires, and for each pool member the pod it was bound to and that pod's upstream session.
// Any gateway replica that can open the token serves the session; there is no shared store.
//
// The encoding is a compact binary layout, not JSON: the token travels in a header on every
// request, JSON's key names and quoting would roughly double it, and a length-prefixed layout
// lets the parser check every bound before it copies a byte. It is canonical (one record, one
// encoding), so equal records seal equal plaintexts.
//
// Layout, format version 1 (integers big-endian):
//   u8  version (= 1)
//   u8  protocol revision length, then its bytes
//   i64 issued_at, i64 expires_at (unix seconds)
//   u8  member count, then per member:
//       u8 member length, bytes; u8 pod length, bytes; u16 upstream session id length, bytes
//
// Guarantees: parse_record never reads past its input and rejects, with error::malformed,
// anything encode_record could not have written: a bound exceeded, a string that is not
// visible ASCII (0x21-0x7E, so every string can go back into an HTTP header as is), an empty
// member or pod, a member named twice, issued_at after expires_at, trailing bytes.
// Caveat: the bounds are the format's; changing one is a format change (a new version).
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

// The record format this build writes and the only one it reads.
inline constexpr std::uint8_t session_record_version = 1;

struct record_limits {
  static constexpr std::size_t max_members = 64;
  static constexpr std::size_t max_protocol_revision = 32;  // "2025-06-18" is 10
  static constexpr std::size_t max_member = 253;            // a Kubernetes object name
  static constexpr std::size_t max_pod = 253;               // pod name, UID, or "ip:port" / "[v6]:port"
  static constexpr std::size_t max_upstream_session_id = 1024;
  // The whole encoding, which bounds the token (and the header a client sends back).
  static constexpr std::size_t max_bytes = 4096;
};

struct member_binding {
  std::string member;               // the pool member's name
  std::string pod;                  // which of its pods this session is bound to
  std::string upstream_session_id;  // that pod's Mcp-Session-Id; empty for a stateless upstream

  friend bool operator==(const member_binding&, const member_binding&) = default;
};

struct session_record {
  std::uint8_t version = session_record_version;
  std::string protocol_revision;  // negotiated with the downstream client
  std::int64_t issued_at = 0;     // unix seconds
  std::int64_t expires_at = 0;    // unix seconds; the session is dead from this second on
  std::vector<member_binding> members;

  friend bool operator==(const session_record&, const session_record&) = default;
};

// Fails with error::invalid_record when the record breaks a bound or rule above (the token
// would not open), or error::unsupported_version when its version is not ours.
[[nodiscard]] boost::system::result<std::string> encode_record(const session_record& record);

// Fails with error::malformed, or error::unsupported_version for a version we do not read.
[[nodiscard]] boost::system::result<session_record> parse_record(std::string_view bytes);

}  // namespace gateway
