// Sealed session tokens: a session_record encrypted and authenticated under the keyring's
// current key, as text a gateway can hand out as Mcp-Session-Id and any replica holding the
// ring can open. Nothing is stored: the token is the session.
//
// Token text: "g1." then base64url without padding of the envelope, format version 1:
//   u8  version (= 1)           the header: associated data,
//   u32 key id, big-endian      authenticated but not encrypted
//   u16 ciphertext length
//   12  nonce (RAND_bytes)
//   ..  AES-256-GCM ciphertext of encode_record(record), as many bytes as the header says
//   16  GCM tag
// The text is visible ASCII only (0x21-0x7E), as Mcp-Session-Id requires, and at most
// max_token_length characters.
//
// Why AES-256-GCM: hardware AES on every node we run on, and OpenSSL's default AEAD. Random
// 96-bit nonces are safe up to about 2^32 seals per key (NIST SP 800-38D); rotating the key
// keeps a ring far below that. The length in the header is there so a truncated token is
// reported as malformed, not as tampered.
//
// open() decides in this order (only the shape and the key id are judged before the tag):
//   too long, wrong prefix, not strict base64url, short, length mismatch -> malformed
//   prefix "g<N>." or header version other than 1                        -> unsupported_version
//   key id not in the ring                                                 -> unknown_key
//   tag fails (altered anywhere, or another ring's key with the same id)   -> tampered
//   authentic but the record does not parse                               -> malformed
//   authentic, a record version other than session_record_version          -> unsupported_version
//   authentic, record's expires_at <= now                                  -> expired
// (and error::crypto_failure should OpenSSL itself fail). Expiry can only be judged once the
// record is authentic, so a forger cannot learn anything from "expired".
// Tag comparison is OpenSSL's (constant time). Nothing here logs; errors carry no key bytes.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/keyring.hpp"
#include "gateway/session_record.hpp"

namespace gateway {

inline constexpr std::string_view token_prefix = "g1.";
inline constexpr std::uint8_t token_version = 1;

namespace envelope {
inline constexpr std::size_t header_size = 1 + 4 + 2;  // version, key id, ciphertext length
inline constexpr std::size_t nonce_size = 12;
inline constexpr std::size_t tag_size = 16;
inline constexpr std::size_t overhead = header_size + nonce_size + tag_size;
}  // namespace envelope

// The longest text open() reads; longer input is rejected before it is decoded.
inline constexpr std::size_t max_token_length =
    token_prefix.size() + ((envelope::overhead + record_limits::max_bytes) * 4 + 2) / 3;

// Seals `record` under ring.current(). Fails with error::expired when the record has already
// expired at `now` (unix seconds), error::invalid_record / unsupported_version as
// encode_record does, error::crypto_failure when OpenSSL fails.
[[nodiscard]] boost::system::result<std::string> seal(const session_record& record, const keyring& ring,
                                                      std::int64_t now);

// Opens a token sealed by any key in `ring`, at `now` (unix seconds); see above for errors.
[[nodiscard]] boost::system::result<session_record> open(std::string_view token, const keyring& ring, std::int64_t now);

}  // namespace gateway
