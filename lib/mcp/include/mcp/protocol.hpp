// The MCP protocol revisions the bridge serves and the HTTP rules each one implies:
//   2024-11-05            HTTP+SSE (GET /sse + POST /message?sessionId=)
//   2025-03-26            Streamable HTTP, sessions, JSON-RPC batches allowed
//   2025-06-18/2025-11-25 Streamable HTTP, sessions, no batches, MCP-Protocol-Version header
//   2026-07-28            stateless Streamable HTTP: POST only, version and client
//                         capabilities in params._meta, Mcp-Method/Mcp-Name headers
// Pure functions over header values and parsed messages, so every rule is unit-tested.
#pragma once

#include <boost/system/result.hpp>

#include <array>
#include <optional>
#include <string_view>

#include "mcp/jsonrpc.hpp"

namespace mcp {

enum class revision { v2024_11_05, v2025_03_26, v2025_06_18, v2025_11_25, v2026_07_28 };

inline constexpr std::array all_revisions{revision::v2024_11_05, revision::v2025_03_26, revision::v2025_06_18,
                                          revision::v2025_11_25, revision::v2026_07_28};
inline constexpr revision latest_revision = revision::v2026_07_28;
// What a Streamable HTTP server assumes when a request carries no MCP-Protocol-Version.
inline constexpr revision default_http_revision = revision::v2025_03_26;

std::optional<revision> parse_revision(std::string_view text);
std::string_view to_string(revision r);

enum class transport_kind { http_sse, streamable_http, stateless_http };
transport_kind transport_of(revision r);

[[nodiscard]] bool allows_batches(revision r);
[[nodiscard]] bool has_sessions(revision r);

// Decides which revision a Streamable HTTP request speaks. `header` is the
// MCP-Protocol-Version value if present; `negotiated` the session's revision if it has one.
// Missing header: the session's revision, else 2025-03-26. Unknown value: unsupported_version.
// Any revision we serve is accepted even if it differs from the session's: the reference
// SDK servers accept that too, and clients (the conformance suite among them) rely on it.
boost::system::result<revision> request_revision(std::optional<std::string_view> header,
                                                 std::optional<revision> negotiated);

// The `_meta` keys a 2026-07-28 request carries instead of an initialize handshake.
inline constexpr std::string_view meta_protocol_version = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view meta_client_capabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view meta_client_info = "io.modelcontextprotocol/clientInfo";

struct stateless_headers {
  std::optional<std::string_view> protocol_version;
  std::optional<std::string_view> method;  // Mcp-Method
  std::optional<std::string_view> name;    // Mcp-Name
};

// The value Mcp-Name must carry for this message (params.name for tools/call and
// prompts/get, params.uri for resources/read), or nullopt when the method has none.
std::optional<std::string_view> expected_mcp_name(const message& m);

// Validates a 2026-07-28 request the way that revision's servers do, first failure wins:
// params._meta carries the protocol version and client capabilities (missing_envelope);
// MCP-Protocol-Version equals the _meta version, Mcp-Method the method, and Mcp-Name (after
// decode_header_value) the params.name/uri the method names (header_mismatch, also for an
// absent header); the version is one we serve statelessly (unsupported_modern_version).
boost::system::result<void> check_stateless(const stateless_headers& h, const message& m);

// Mcp-Name values that are not plain visible ASCII travel as "=?base64?<payload>?=". Returns
// the decoded value, the value itself without the sentinel, or nullopt for a malformed
// (or non-canonical) payload so a corrupt header never matches by accident.
std::optional<std::string> decode_header_value(std::string_view value);

// Gives a handshake-era child's successful response the shape 2026-07-28 requires: every
// result carries resultType ("complete"), and the cacheable ones (the list methods and
// resources/read) ttlMs and cacheScope. The bridge cannot know how long the child's answer
// stays valid, so it says 0 ms and "private": correct, if never cached. Fields the child
// set itself are kept. Error responses are left alone.
void to_stateless_result(std::string_view method, boost::json::object& response);

// The protocolVersion an initialize result announces, if it names a revision we know.
std::optional<revision> negotiated_revision(const message& initialize_result);

}  // namespace mcp
