// One MCP session: a client's conversation with its own child process. Routes messages
// both ways: client requests are remembered with the stream that must carry their answer;
// the child's responses go to that stream; the child's notifications and requests
// (progress, logging, sampling, elicitation, roots) go to the stream of a request still in
// progress (progress by its token), else to the standalone GET stream. Every SSE event is
// recorded in a bounded replay buffer so a client can resume with Last-Event-ID. A request
// the child does not answer in time, or that is pending when the child dies, is answered
// with a JSON-RPC error, so no client waits forever.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "mcp/replay_buffer.hpp"
#include "metrics.hpp"
#include "outbound.hpp"
#include "upstream.hpp"

namespace bridge {

struct session_config {
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  std::size_t replay_events = 1024;
  std::size_t replay_bytes = 4 << 20;
  std::size_t standalone_backlog = 256;                 // events held for a GET stream nobody has opened yet
  std::size_t max_stream_bytes = std::size_t{4} << 20;  // --max-stream-buffer
};

class session {
 public:
  using closed_handler = std::function<void(session&)>;

  session(const boost::asio::any_io_executor& ex, std::string id, bool legacy_sse, std::shared_ptr<upstream> up,
          const session_config& config, metrics& m);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Starts routing the child's output; `on_closed` runs once when the session ends.
  void start(closed_handler on_closed);

  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] bool legacy_sse() const { return legacy_sse_; }
  [[nodiscard]] bool closed() const { return closed_; }
  [[nodiscard]] std::optional<mcp::revision> revision() const { return revision_; }
  [[nodiscard]] std::chrono::steady_clock::time_point last_activity() const { return last_activity_; }
  [[nodiscard]] bool busy() const;
  [[nodiscard]] std::size_t pending() const { return pending_.size(); }
  [[nodiscard]] pid_t child_pid() const { return upstream_->pid(); }
  // A process-unique number (the shared upstream keys its id remapping by it).
  [[nodiscard]] std::uint64_t number() const { return number_; }

  // A message from the MCP server for this session (ids already in the session's terms).
  void from_server(const mcp::message& m);
  // The server went away: pending requests fail with `why` and the session ends.
  void upstream_gone(std::string why);

  // A new stream for the answers of one POST (json: collect them into one JSON body).
  std::shared_ptr<outbound> open_post_stream(bool json);
  // The standalone stream (GET, or the legacy /sse stream); nullptr if one is attached already.
  std::shared_ptr<outbound> attach_standalone();
  // The standalone stream if one exists (a 2024-11-05 session answers everything on it).
  [[nodiscard]] std::shared_ptr<outbound> standalone() const { return standalone_; }
  // Resumes the stream an event id belongs to: its missed events are queued first.
  boost::system::result<std::shared_ptr<outbound>> resume(std::string_view last_event_id);
  // Queues a priming event on `o` (2025-11-25: an id with empty data, sent first, so the
  // client can resume the stream even before it carried a message).
  void prime(outbound& o);
  // A connection stopped writing `o` (finished or the client went away).
  void detach(outbound& o);

  // Forwards client messages to the child; requests are answered on `stream`.
  void from_client(std::vector<mcp::message> messages, const std::shared_ptr<outbound>& stream);

  // Ends the session: pending requests get `reason` as a JSON-RPC error, streams end, the
  // child is terminated.
  void close(std::string_view reason);

 private:
  struct pending_request {
    std::shared_ptr<outbound> stream;
    boost::json::value id;
    std::string method;
    std::optional<std::string> progress_token;
    std::chrono::steady_clock::time_point started;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  void answer(const std::string& key, const std::string& json);
  void deliver(outbound& o, const std::string& json);
  std::shared_ptr<outbound> route_for(const mcp::message& m);
  void notify_server(std::string_view method, boost::json::object params);
  void touch() { last_activity_ = std::chrono::steady_clock::now(); }

  boost::asio::any_io_executor ex_;
  std::string id_;
  bool legacy_sse_;
  std::shared_ptr<upstream> upstream_;
  std::uint64_t number_;
  session_config config_;
  metrics& metrics_;
  std::optional<mcp::revision> revision_;
  std::map<std::string, pending_request> pending_;
  std::map<std::uint64_t, std::weak_ptr<outbound>> streams_;  // POST streams still owed answers
  std::shared_ptr<outbound> standalone_;
  mcp::replay_buffer replay_;
  std::uint64_t next_stream_ = 1;
  std::chrono::steady_clock::time_point last_activity_;
  bool closed_ = false;
  closed_handler on_closed_;
};

}  // namespace bridge
