// One MCP session of `tools` or `call`, as a sans-I/O script over mcp::streamable_client:
// initialize, notifications/initialized, tools/list (every page, bounded), then for `call`
// the arguments typed by the tool's schema and tools/call, and finally DELETE of the session.
// The driver (commands.cpp) only moves HTTP exchanges through the apiserver's service proxy;
// every outcome (JSON-RPC errors, an unknown tool, a server that ends the session) is decided
// here and unit-tested with scripted answers.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mcp/streamable_client.hpp"

namespace kubectl_mcp {

struct call_spec {
  std::string tool;
  std::vector<std::pair<std::string, std::string>> args;
  std::optional<std::string> json_args;
};

struct session_outcome {
  enum class status {
    ok,              // tools listed; for call, tools/call answered a result (see is_error)
    not_found,       // call: the server lists no such tool
    usage,           // call: an argument does not fit the tool's schema
    protocol_error,  // the server answered a JSON-RPC error
    failed,          // the session could not be had (HTTP error, bad answer, session ended)
  };
  status st = status::failed;
  std::string message;         // one line, for everything but ok
  boost::json::array tools;    // what tools/list gave
  boost::json::object result;  // call: the CallToolResult
  bool is_error = false;       // call: result.isError
};

class mcp_session {
 public:
  // `call` empty: list the tools only. `client_version` goes into clientInfo.
  mcp_session(std::string client_version, std::optional<call_spec> call);

  // The next exchange for the driver to perform (start_exchange; cancel_exchange and
  // arm_retry need nothing from a driver that performs exchanges one at a time). False when
  // the session is over: result() holds the outcome.
  bool next(mcp::client_action& out);
  // What the driver saw of exchange `id` (see mcp::streamable_client).
  void head(std::uint64_t id, unsigned status, std::string_view content_type, std::string_view session_id);
  void body(std::uint64_t id, std::string_view bytes);
  void end(std::uint64_t id, std::string_view error = {});
  // The session cannot go on (the apiserver refused an exchange): nothing more is sent.
  void abort(std::string why);

  [[nodiscard]] const session_outcome& result() const { return out_; }
  // tools/call was sent (so the tool may have run, whatever the outcome says).
  [[nodiscard]] bool called() const { return called_; }

  static constexpr int max_tool_pages = 50;

 private:
  enum class step { initializing, listing, calling, closing };
  void on_message(const boost::json::object& msg);
  void request(std::string_view method, boost::json::object params);
  void finish(session_outcome::status st, std::string message);

  mcp::streamable_client client_;
  std::string client_version_;
  std::optional<call_spec> call_;
  step step_ = step::initializing;
  std::int64_t next_id_ = 1;
  int pages_ = 0;
  bool finished_ = false;
  bool called_ = false;
  session_outcome out_;
};

}  // namespace kubectl_mcp
