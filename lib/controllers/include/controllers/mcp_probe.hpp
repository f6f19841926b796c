// The operator's MCP check of a server (the Verified condition), as a sans-I/O state
// machine: next() says which HTTP request to send to the server's MCP endpoint, on_response()
// takes the answer, until done() and result() holds serverInfo, the negotiated revision and
// the tool names. The sequence is a real client's: initialize, notifications/initialized,
// tools/list (following nextCursor, bounded), then DELETE of the session. JSON and SSE
// response bodies are both understood. Whoever drives it (direct HTTP, or the apiserver's
// service proxy) only moves bytes, so every outcome is unit-tested here.
//
// A tenant's server may be hostile, and the operator that probes it is shared: whatever the
// server answers, the probe holds a bounded amount of memory (probe_limits) and ends. An
// answer over a limit fails the check with a message naming the limit. The limits on time
// (one deadline for the whole probe) and on concurrency (probe_limiter) are the driver's:
// run_probe and mcpserver_controller.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "controllers/mcpserver_status.hpp"

namespace controllers {

struct probe_limits {
  // Bytes of one HTTP response body. The transport stops reading past it and says so
  // (probe_response::too_large); the check fails with "response larger than 1048576 bytes".
  // Real initialize and tools/list answers are a few KiB (server-everything's is 11 KiB).
  static constexpr std::size_t max_body = 1U << 20U;
  // Bytes of an SSE event id; a longer id is ignored (mcp::sse::parser), never copied.
  static constexpr std::size_t max_sse_id = 256;
  // SSE events in one response (the answer plus any notifications before it); more fail the check.
  static constexpr std::size_t max_sse_events = 256;
  // tools/list pages followed (nextCursor); the check passes with the tools of these pages.
  static constexpr int max_tool_pages = 10;
  // Tool names kept (the status lists this many), each cut to max_tool_name bytes; the
  // count of all tools listed is kept in verification::tool_count.
  static constexpr std::size_t max_tool_names = max_status_tools;
  // Bytes of any other text taken from an answer into the result or a message (serverInfo
  // fields, the negotiated revision, a JSON-RPC error's message).
  static constexpr std::size_t max_text = 256;
  // An Mcp-Session-Id: an MCPPool gateway's is a sealed record of every member's upstream
  // session (up to about 5.5 KiB for 64 members), so ids get more room than other text.
  static constexpr std::size_t max_session_id = 8192;
};

struct probe_request {
  std::string method;  // POST or DELETE
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct probe_response {
  unsigned status = 0;
  std::string content_type;
  std::string session_id;  // Mcp-Session-Id response header, if any
  std::string body;
  bool too_large = false;        // the body exceeded probe_limits::max_body and was not read to its end
  std::string www_authenticate{};  // WWW-Authenticate response header, if any (up to 2 KiB)
};

class mcp_probe {
 public:
  // `client_version` goes into clientInfo; `now` (RFC 3339) stamps the result.
  mcp_probe(std::string client_version, std::string now);
  // The endpoint enforces spec.auth and the probe has no token: a 401 to initialize whose
  // WWW-Authenticate names `resource_metadata="<metadata_url>"` proves the front is up and
  // protected, and the probe ends ok with reason AuthRequired (no tools listed). Another 401
  // fails it. An empty url (StaticToken: no metadata) accepts any Bearer challenge.
  void expect_auth(std::string metadata_url) {
    expect_auth_ = true;
    auth_metadata_url_ = std::move(metadata_url);
  }

  // The next request to send, or nullopt when done.
  [[nodiscard]] std::optional<probe_request> next() const;
  void on_response(const probe_response& r);
  // The transport failed (connection refused, reset, ...): the probe ends Unreachable.
  void on_transport_error(const std::string& what);
  // The whole probe ran out of time (a server that answers slowly or never finishes its
  // answer): the probe ends with reason Timeout.
  void on_deadline(const std::string& what);

  [[nodiscard]] bool done() const { return step_ == step::done; }
  [[nodiscard]] const verification& result() const { return result_; }

  static constexpr int max_tool_pages = probe_limits::max_tool_pages;

 private:
  enum class step { initialize, initialized, list_tools, close, done };
  void fail(std::string reason, std::string message);
  std::optional<std::string> rpc_result(const probe_response& r, int id, boost::json::object& out);
  void on_tools_page(const boost::json::object& res);
  void on_auth_challenge(const probe_response& r);

  std::string client_version_;
  bool expect_auth_ = false;
  std::string auth_metadata_url_;
  step step_ = step::initialize;
  std::string session_id_;
  std::string protocol_version_;
  std::string cursor_;
  int pages_ = 0;
  int next_id_ = 1;
  std::int64_t tools_listed_ = 0;
  verification result_;
};

}  // namespace controllers
