// The one error enum of lib/gateway, plugged into boost::system::error_code like mcp::error.
// Opening a session token fails with exactly one of malformed, unknown_key, tampered, expired
// or unsupported_version, so the gateway can answer each the same way everywhere (a client
// with any of them starts a new session; only tampered is worth a warning in the log).
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace gateway {

enum class error {
  // Opening a token
  malformed = 1,        // not the shape of a token: prefix, length, base64, header, record layout
  unknown_key,          // sealed with a key id the keyring does not (or no longer) hold
  tampered,             // the AEAD tag does not verify: altered, or sealed by another ring
  expired,              // authentic, but its expires_at is not after now
  unsupported_version,  // a token or record format version this build does not read
  // Sealing a record
  invalid_record,  // outside the record's bounds (see session_record.hpp): it could not be opened
  crypto_failure,  // OpenSSL failed (RAND_bytes or EVP): nothing to do but fail the request
  // Reading a keyring Secret (see keyring.hpp)
  bad_key_entry,     // a data entry that is neither `current` nor a canonical k<N>
  bad_key_length,    // a key that is not exactly 32 bytes
  missing_current,   // no `current` entry, or one that is not a canonical k<N>
  unknown_current,   // `current` names a key the Secret does not hold
  too_many_keys,     // more keys than keyring::max_keys
  duplicate_key_id,  // two keys with one id (only through keyring::make)
  // Paging the catalog (see catalog.hpp); both are JSON-RPC invalid params (-32602) to a client
  invalid_cursor,  // not a cursor this catalog issued, or one for another list
  stale_cursor,    // a cursor of a list that has changed since
};

// The JSON-RPC error code a gateway answers a client with for a catalog error (-32602).
int jsonrpc_code(error e) noexcept;

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace gateway

template <>
struct boost::system::is_error_code_enum<gateway::error> : std::true_type {};
