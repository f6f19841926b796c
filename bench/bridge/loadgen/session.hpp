// One MCP client session as the load generator drives it: initialize (with the initialized
// notification, so the session is usable afterwards), a number of `tools/call echo`, close.
// Every operation resolves to an outcome instead of throwing, so a run always finishes with
// a count per kind of failure; implementations bound each operation in time.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string_view>

namespace loadgen {

enum class outcome {
  ok,
  http_error,     // a status other than 200/202 (503 from a session limit, 404, 5xx...)
  jsonrpc_error,  // a JSON-RPC error response
  timeout,        // no complete answer within the per-request timeout: a hang
  connect_error,  // the TCP connection was refused or could not be made
  io_error,       // the connection broke mid-request (reset, closed, truncated)
  bad_response,   // an answer that is not the expected JSON-RPC response
};
constexpr int outcome_count = 7;
std::string_view to_string(outcome o);

class session {
 public:
  virtual ~session() = default;
  virtual boost::asio::awaitable<outcome> initialize() = 0;
  virtual boost::asio::awaitable<outcome> call(std::uint64_t n) = 0;
  virtual boost::asio::awaitable<void> close() = 0;
  // The HTTP status of the last http_error outcome (0 otherwise).
  [[nodiscard]] virtual unsigned last_status() const { return 0; }
};

}  // namespace loadgen
