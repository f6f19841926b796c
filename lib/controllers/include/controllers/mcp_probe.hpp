// The operator's MCP check of a server (the Verified condition), as a sans-I/O state
// machine: next() says which HTTP request to send to the server's MCP endpoint, on_response()
// takes the answer, until done() and result() holds serverInfo, the negotiated revision and
// the tool names. The sequence is a real client's: initialize, notifications/initialized,
// tools/list (following nextCursor, bounded), then DELETE of the session. JSON and SSE
// response bodies are both understood. Whoever drives it (direct HTTP, or the apiserver's
// service proxy) only moves bytes, so every outcome is unit-tested here.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controllers/mcpserver_status.hpp"

namespace controllers {

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
};

class mcp_probe {
 public:
  // `client_version` goes into clientInfo; `now` (RFC 3339) stamps the result.
  mcp_probe(std::string client_version, std::string now);

  // The next request to send, or nullopt when done.
  [[nodiscard]] std::optional<probe_request> next() const;
  void on_response(const probe_response& r);
  // The transport failed (connection refused, timeout, ...): the probe ends Unreachable.
  void on_transport_error(const std::string& what);

  [[nodiscard]] bool done() const { return step_ == step::done; }
  [[nodiscard]] const verification& result() const { return result_; }

  static constexpr int max_tool_pages = 10;

 private:
  enum class step { initialize, initialized, list_tools, close, done };
  void fail(std::string reason, std::string message);
  std::optional<std::string> rpc_result(const probe_response& r, int id, std::string& json_out);

  std::string client_version_;
  step step_ = step::initialize;
  std::string session_id_;
  std::string protocol_version_;
  std::string cursor_;
  int pages_ = 0;
  int next_id_ = 1;
  verification result_;
};

}  // namespace controllers
