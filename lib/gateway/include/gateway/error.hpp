// The one error enum of lib/gateway, plugged into boost::system::error_code like mcp::error,
// so callers compare against it and log it without knowing where it came from.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace gateway {

enum class error {
  // Reading a session record
  malformed = 1,        // not the shape of a token: prefix, length, base64, header, record layout
  unsupported_version,  // a token or record format version this build does not read
  // Encoding a session record
  invalid_record,  // outside the record's bounds (see session_record.hpp): it could not be opened
  // Reading a keyring Secret (see keyring.hpp)
  bad_key_entry,     // a data entry that is neither `current` nor a canonical k<N>
  bad_key_length,    // a key that is not exactly 32 bytes
  missing_current,   // no `current` entry, or one that is not a canonical k<N>
  unknown_current,   // `current` names a key the Secret does not hold
  too_many_keys,     // more keys than keyring::max_keys
  duplicate_key_id,  // two keys with one id (only through keyring::make)
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace gateway

template <>
struct boost::system::is_error_code_enum<gateway::error> : std::true_type {};
