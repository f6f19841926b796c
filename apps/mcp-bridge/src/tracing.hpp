// What the front end's parts share to make spans (request_trace.hpp says which spans and
// what they carry): the tracer and where finished spans go, and the parent a connection
// hands a session for the CLIENT spans of the requests it forwards.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "mcp/jsonrpc.hpp"
#include "trace/tracer.hpp"

namespace bridge {

// The front end's tracer and where its finished spans go (the exporter). Disabled without
// --otlp-endpoint.
struct tracing {
  trace::tracer tracer;
  std::function<void(trace::span)> sink;

  [[nodiscard]] bool enabled() const { return tracer.enabled(); }
  // Ends `s` now and hands it to the sink when it is sampled.
  void finish(trace::span s) const;
};

// The parent a session gives the CLIENT spans of the requests it forwards next.
struct trace_parent {
  trace::span_context context;
  std::string tracestate;                // passed on as it came (empty: none)
  std::shared_ptr<std::string> outcome;  // the server span's error.type, set by the session
};

// The JSON-RPC outcome of an answer: empty when it succeeded, else a short error type
// ("jsonrpc_error", or "tool_error" for a result with isError).
std::string_view answer_error(const mcp::message& answer);

// Puts `ctx` (and `tracestate`) into a request's params._meta (SEP-414); false when the
// request has params that are not an object (nothing is changed then).
bool inject_meta(mcp::message& msg, const trace::span_context& ctx, std::string_view tracestate);

}  // namespace bridge
