// What a session, the shared upstream and the stateless backend talk to: one MCP server
// reached either as a stdio child (child_process) or over HTTP (http_link, --upstream). Both
// carry whole JSON-RPC messages, one at a time, and report the server's messages and its end.
// Everything runs on the bridge's one io_context thread.
#pragma once

#include <sys/types.h>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mcp/jsonrpc.hpp"

namespace bridge {

class server_link {
 public:
  using message_handler = std::function<void(mcp::message)>;
  using exit_handler = std::function<void(const std::string& why)>;

  virtual ~server_link() = default;

  // Messages that arrive before a handler is set are held (bounded) and replayed to it.
  virtual void on_message(message_handler h) = 0;
  // Runs once when the server goes away by itself (not after terminate()); `why` says how.
  virtual void on_exit(exit_handler h) = 0;
  // One JSON-RPC message for the server. Dropped once the link is terminating.
  virtual void send(std::string json) = 0;
  // Ends the link: a child is stopped (stdin EOF, SIGTERM, SIGKILL), an HTTP session deleted.
  virtual void terminate() = 0;
  // Runs `fn` once the server can take messages, or after `limit`, or when the link goes.
  virtual void on_started(std::function<void()> fn, std::chrono::milliseconds limit) = 0;
  [[nodiscard]] virtual pid_t pid() const = 0;  // -1 when no process of ours serves it
  [[nodiscard]] virtual bool alive() const = 0;
  [[nodiscard]] virtual std::uint64_t serial() const = 0;
};

// Makes the link a new session or request is served by.
using link_factory = std::function<boost::system::result<std::shared_ptr<server_link>>()>;

}  // namespace bridge
