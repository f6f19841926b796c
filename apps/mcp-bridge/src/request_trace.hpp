// Traces of the MCP front end (mcp-bridge, mcp-gateway): one SERVER span per MCP POST, named
// after its JSON-RPC method and target ("tools/call echo"), continuing the trace of the
// client's `traceparent` header, or of `params._meta.traceparent` when the header is absent
// (SEP-414); and, made by the session (session.cpp), one CLIENT span per request forwarded to
// the MCP server, whose context goes to the server in the request's `params._meta`
// (SEP-414), and for HTTP upstreams also in the `traceparent` header (http_link.cpp).
// Attributes are names, sizes, statuses and the session id as logs show it
// (log::short_id: a gateway's sealed id only as a hash); never arguments, results or tokens.
// Off (no --otlp-endpoint) a request_trace is inert: nothing is parsed, formatted or allocated.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp_routes.hpp"
#include "trace/tracer.hpp"
#include "tracing.hpp"

namespace bridge {

class session;

// One HTTP request's SERVER span, from the moment it is read until its answer is written.
class request_trace {
 public:
  request_trace(tracing* t, const request& req);
  request_trace(const request_trace&) = delete;
  request_trace& operator=(const request_trace&) = delete;
  ~request_trace();

  [[nodiscard]] bool active() const { return t_ != nullptr; }
  // The POST's messages are known (before they go to the session): starts the span.
  void begin(const std::vector<mcp::message>& messages);
  // The session the request belongs to (its id is read when the span ends: the gateway
  // names a new session only after its initialize).
  void bind(std::shared_ptr<session> s) { session_ = std::move(s); }
  // The parent for the session's CLIENT spans, when the span records.
  [[nodiscard]] std::optional<trace_parent> parent() const;
  // The answer's status is known (and its body size, when it is one plain body).
  void answered(unsigned status, std::optional<std::size_t> body_size);

 private:
  tracing* t_ = nullptr;
  std::optional<trace::span> span_;
  std::optional<trace::span_context> header_parent_;
  std::string tracestate_;
  std::uint64_t start_ = 0;
  std::size_t request_size_ = 0;
  std::shared_ptr<session> session_;
  std::shared_ptr<std::string> outcome_;
  unsigned status_ = 0;
  std::optional<std::size_t> response_size_;
};

}  // namespace bridge
