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
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace gateway

template <>
struct boost::system::is_error_code_enum<gateway::error> : std::true_type {};
