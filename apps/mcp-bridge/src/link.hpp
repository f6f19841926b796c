// What a session, the shared upstream and the stateless backend talk to: one MCP server
// reached either as a stdio child (child_process) or over HTTP (http_link, --upstream). Both
// carry whole JSON-RPC messages, one at a time, and report the server's messages and its end.
// Everything runs on the bridge's one io_context thread.
#pragma once

#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"

namespace bridge {

class server_link {
 public:
  using message_handler = std::function<void(mcp::message)>;
  using exit_handler = std::function<void(const std::string& why)>;

  virtual ~server_link() = default;

  // Messages that arrive before a handler is set are held (bounded) and replayed to it.
  void on_message(message_handler h) {
    on_message_ = std::move(h);
    while (on_message_ && !held_.empty()) {
      auto m = std::move(held_.front());
      held_.pop_front();
      on_message_(std::move(m));
    }
  }
  // Runs once when the server goes away by itself (not after terminate()); `why` says how. Set
  // after the end, it runs at once.
  void on_exit(exit_handler h) {
    on_exit_ = std::move(h);
    fire_exit();
  }
  // One JSON-RPC message for the server. Dropped once the link is terminating.
  virtual void send(std::string json) = 0;
  // Ends the link: a child is stopped (stdin EOF, SIGTERM, SIGKILL), an HTTP session deleted.
  virtual void terminate() = 0;
  // Ends the link here while the server's session lives on, for another process (a second
  // gateway replica) or this one later to continue: an HTTP link cancels its exchanges and
  // deletes nothing. A child has nothing to keep: it is terminated.
  virtual void release() { terminate(); }
  // Runs `fn` once the server can take messages, or after `limit`, or when the link goes.
  virtual void on_started(std::function<void()> fn, std::chrono::milliseconds limit) = 0;
  [[nodiscard]] virtual pid_t pid() const = 0;  // -1 when no process of ours serves it
  [[nodiscard]] virtual bool alive() const = 0;
  [[nodiscard]] virtual std::uint64_t serial() const = 0;

 protected:
  static constexpr std::size_t max_held = 256;
  // A message from the server: to the handler, or held until one is set.
  void deliver(mcp::message m) {
    if (on_message_) {
      on_message_(std::move(m));
    } else if (held_.size() < max_held) {
      held_.push_back(std::move(m));
    }
  }
  // The server went away by itself: the exit handler runs once, now or when it is set.
  void report_end(std::string why) {
    end_why_ = std::move(why);
    fire_exit();
  }

 private:
  void fire_exit() {
    if (end_why_ && on_exit_) {
      auto fn = std::move(on_exit_);
      on_exit_ = nullptr;
      fn(*end_why_);
    }
  }

  std::deque<mcp::message> held_;
  message_handler on_message_;
  exit_handler on_exit_;
  std::optional<std::string> end_why_;
};

// Makes the link a new session or request is served by.
using link_factory = std::function<boost::system::result<std::shared_ptr<server_link>>()>;

// What a program embedding the front end (mcp-gateway) changes about sessions; mcp-bridge
// sets none of it. With make_link set there are no children and no warm pool: every session
// gets a link made on demand.
struct session_hooks {
  link_factory make_link;
  // After a new session's initialize went to its link and before the answer's headers are
  // written: the id to give the session (the gateway's sealed token), or nullopt to keep
  // the random one. The link is the one make_link made for that session.
  std::function<boost::asio::awaitable<std::optional<std::string>>(std::shared_ptr<server_link>)> name;
  struct restored {
    std::shared_ptr<server_link> link;
    mcp::revision revision = mcp::revision::v2025_11_25;
  };
  // A session id this process does not hold: the link that continues that session, if the
  // id opens here (a sealed token another replica issued), else nullopt (404).
  std::function<std::optional<restored>(std::string_view id)> restore;
  std::function<bool()> ready;  // /readyz
  // A read-only JSON document served at GET <path> behind the same Origin and token checks as
  // the MCP path (the gateway's /pool); nullopt: no such document (404).
  std::function<std::optional<std::string>(std::string_view path)> document;
  std::function<void()> stop;   // the front end is shutting down (after every session ended)
  // Sessions ended by the idle sweep or a shutdown release their links (release()) instead
  // of terminating them: the client may continue the session on another replica.
  bool release_on_close = false;
};

}  // namespace bridge
