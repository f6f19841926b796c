// One MCP session: a client's conversation with its MCP server, driven by the sans-I/O
// mcp::session_core. The core decides (which stream carries each answer, progress and
// server message; timeouts; what ending the session answers); this driver performs its
// actions: it writes to the upstream, queues SSE events (recording each in a bounded replay
// buffer so a client can resume with Last-Event-ID), runs the session's one deadline timer,
// and records metrics. A request the server does not answer in time, or that is pending when
// the server dies, is answered with a JSON-RPC error, so no client waits forever.
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
#include "mcp/session_core.hpp"
#include "metrics.hpp"
#include "outbound.hpp"
#include "tracing.hpp"
#include "upstream.hpp"

namespace bridge {

struct session_config {
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  std::size_t replay_events = 1024;
  std::size_t replay_bytes = 4 << 20;
  std::size_t standalone_backlog = 256;                 // events held for a GET stream nobody has opened yet
  std::size_t max_stream_bytes = std::size_t{4} << 20;  // --max-stream-buffer
  std::size_t max_pending = 1024;                       // requests in flight per session
  tracing* traces = nullptr;                            // CLIENT spans of forwarded requests (off: null)
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
  [[nodiscard]] bool closed() const { return core_.closed(); }
  [[nodiscard]] std::optional<mcp::revision> revision() const { return core_.negotiated(); }
  [[nodiscard]] std::chrono::steady_clock::time_point last_activity() const { return core_.last_activity(); }
  [[nodiscard]] bool busy() const { return core_.busy(); }
  [[nodiscard]] std::size_t pending() const { return core_.pending(); }
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
  [[nodiscard]] std::shared_ptr<outbound> standalone() const;
  // Resumes the stream an event id belongs to: its missed events are queued first.
  boost::system::result<std::shared_ptr<outbound>> resume(std::string_view last_event_id);
  // Queues a priming event on `o` (2025-11-25: an id with empty data, sent first, so the
  // client can resume the stream even before it carried a message).
  void prime(outbound& o);
  // A connection stopped writing `o` (finished or the client went away).
  void detach(outbound& o);

  // Forwards client messages to the child; requests are answered on `stream`. With a trace
  // parent (the request's SERVER span), each request forwarded now gets a CLIENT span, ended
  // by its answer (or a timeout, or the session's end), its context in the request's _meta.
  void from_client(std::vector<mcp::message> messages, const std::shared_ptr<outbound>& stream,
                   std::optional<trace_parent> parent = std::nullopt);

  // Ends the session: pending requests get `reason` as a JSON-RPC error, streams end, the
  // child is terminated (release: the link is released instead, see server_link::release).
  void close(std::string_view reason, bool release = false);
  // Continues a session whose initialize another process answered (session_hooks::restore).
  void resume(mcp::revision r) { core_.resume(r); }
  // The session manager renames a session it names after its initialize (session_hooks::name).
  void rename(std::string id) { id_ = std::move(id); }
  [[nodiscard]] const upstream& backend() const { return *upstream_; }

 private:
  // Performs the core's actions until it has none left (re-entrant calls queue behind).
  void run();
  void perform(mcp::action& a);
  std::shared_ptr<outbound> stream(mcp::stream_id n, bool json, bool attached);
  void deliver(outbound& o, std::string json);
  void trim(outbound& o);
  void arm(std::chrono::steady_clock::time_point at);
  static std::chrono::steady_clock::time_point now() { return std::chrono::steady_clock::now(); }
  void start_client_span(mcp::message& m);
  void end_client_span(const mcp::message& answer);
  // Ends the CLIENT spans still open (only_expired: those older than the request timeout).
  void end_client_spans(std::string_view why, bool only_expired);

  boost::asio::any_io_executor ex_;
  std::string id_;
  bool legacy_sse_;
  std::shared_ptr<upstream> upstream_;
  std::uint64_t number_;
  session_config config_;
  metrics& metrics_;
  mcp::session_core core_;
  std::map<mcp::stream_id, std::shared_ptr<outbound>> streams_;  // the streams the core knows
  mcp::replay_buffer replay_;
  boost::asio::steady_timer deadline_;
  bool running_ = false;
  bool may_forget_ = false;  // the core may have forgotten a stream: run() looks which
  bool release_ = false;     // close(..., true): the upstream is released, not ended
  closed_handler on_closed_;
  struct client_span {
    trace::span span;
    std::shared_ptr<std::string> outcome;
    std::chrono::steady_clock::time_point started;
  };
  std::optional<trace_parent> next_parent_;          // set only during from_client
  std::map<std::string, client_span> client_spans_;  // by the request's id_key
};

}  // namespace bridge
