// The one error enum of lib/mcp, plugged into boost::system::error_code so callers can
// compare against it and log it without knowing where it came from. Each code maps to the
// JSON-RPC error code and the HTTP status a transport should answer with, so every layer
// answers a given fault the same way.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace mcp {

enum class error {
  parse_error = 1,             // body or line is not JSON
  invalid_request,             // JSON, but not a JSON-RPC 2.0 message
  empty_batch,                 // "[]" is invalid per JSON-RPC 2.0
  batch_not_allowed,           // the negotiated revision has no batches
  line_too_long,               // a stdio line or SSE event above the configured limit
  unsupported_version,         // MCP-Protocol-Version names no revision we serve
  header_mismatch,             // Mcp-Method / Mcp-Name disagree with the body
  missing_header,              // a header the revision requires is absent
  unknown_event_id,            // Last-Event-ID not (or no longer) in the replay buffer
  missing_envelope,            // a 2026-07-28 request without _meta protocolVersion/clientCapabilities
  unsupported_modern_version,  // a stateless request naming a revision we do not serve statelessly
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

// The JSON-RPC error code to put in an error response for `e`.
int jsonrpc_code(error e) noexcept;

// The HTTP status a transport answers with when a request fails with `e`.
unsigned http_status(error e) noexcept;

}  // namespace mcp

template <>
struct boost::system::is_error_code_enum<mcp::error> : std::true_type {};
