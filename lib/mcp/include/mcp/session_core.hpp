// The downstream half of one MCP session as a sans-I/O state machine: which client stream
// carries each answer, progress and server-initiated message, when a request times out, what
// a disconnect cancels, and what ending the session answers. Inputs are method calls (client
// messages, upstream messages, timer expiry, stream attach/detach, bytes drained, end); every
// decision comes back as actions the driver drains with next() and performs in order. Time is
// always an argument (`now`), never read, so tests and the fuzzer drive it step by step.
// Guarantees: at most max_pending requests wait at once (more are answered with an error,
// never forwarded); an SSE stream holds at most max_stream_bytes of delivered, undrained
// messages (more raises `overflow` on it); one deadline is armed per session (the earliest
// request's); every action names a stream the core knows, and a closed session emits nothing.
// Caveats: ids are the client's own; a shared upstream remaps them (mcp::upstream_mux). The
// driver owns the bytes: SSE encoding, event ids and the replay buffer stay outside.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"

namespace mcp {

using clock_time = std::chrono::steady_clock::time_point;
using stream_id = std::uint64_t;  // 0 is "no stream"; the driver uses it as the SSE stream number

enum class session_flavor {
  streamable,  // 2025-03-26 .. 2025-11-25: POST streams plus an optional standalone GET stream
  legacy_sse,  // 2024-11-05: every message travels on the one /sse stream
  stateless,   // 2026-07-28: one request per stream; closing the stream cancels the request
};

struct session_options {
  session_flavor flavor = session_flavor::streamable;
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  std::size_t max_pending = 1024;                       // requests waiting for an answer
  std::size_t max_stream_bytes = std::size_t{4} << 20;  // undrained bytes per SSE stream
};

// JSON-RPC codes the core answers with (the bridge's, unchanged).
inline constexpr int code_request_timeout = -32001;
inline constexpr int code_upstream_gone = -32603;
inline constexpr int code_duplicate_id = -32600;
inline constexpr int code_too_many_pending = -32000;

struct action {
  enum class kind {
    send_upstream,  // msg: write it to the upstream
    deliver,        // stream, text: queue this JSON message on the stream
    finish_stream,  // stream: nothing more will be queued on it
    overflow,       // stream: over max_stream_bytes; attached: drop the connection, else trim it
    arm_timer,      // at: the session's one timer now fires at `at` (replaces the previous);
                    // armed lazily: a wake-up may find nothing due (call expire() anyway)
    cancel_timer,   // the session closed: the timer is not needed any more
    request_done,   // text = method, tool, outcome, elapsed: a request was answered (metrics)
    end_session,    // text = reason: the session ended; the driver releases the upstream
  };
  kind what = kind::deliver;
  stream_id stream = 0;
  message msg{};
  std::string text{};
  clock_time at{};
  std::chrono::steady_clock::duration elapsed{};
  std::string tool{};     // request_done of a tools/call: params.name (at most max_tool_label bytes)
  std::string outcome{};  // request_done: "ok", "error" (a JSON-RPC error or isError), "timeout", "closed"
};

// The longest tool name a request_done action carries (longer ones are cut).
inline constexpr std::size_t max_tool_label = 128;

class session_core {
 public:
  explicit session_core(session_options o, clock_time now) : opts_(o), last_activity_(now) {}

  // --- inputs ---------------------------------------------------------------------------
  // A stream for the answers of one POST (json: the client collects them into one body).
  stream_id open_stream(bool json, clock_time now);
  // The standalone stream (GET, or the /sse stream); nullopt if a connection holds it already.
  std::optional<stream_id> attach_standalone(clock_time now);
  enum class resume_result { attached, replay_only, refused };
  // A client resumes `stream` (Last-Event-ID): attached again if the core still knows it,
  // replay_only if it ended already (the driver replays and ends), refused if it is held.
  resume_result resume(stream_id stream, clock_time now);
  // A connection stopped writing `stream` (done or gone). Stateless: cancels its request.
  void detach(stream_id stream, clock_time now);
  // The driver wrote or dropped `bytes` of what the core delivered on `stream`.
  void drained(stream_id stream, std::size_t bytes);
  // The messages of one client POST (a batch, or one); requests are answered on `stream`
  // (0: forwarded, not tracked). A stream left owing nothing afterwards finishes.
  void from_client(std::vector<message> batch, stream_id stream, clock_time now);
  // One upstream message, ids in the session's terms.
  void from_upstream(const message& m, clock_time now);
  // The timer fired: every request whose deadline is <= now times out.
  void expire(clock_time now);
  // Ends the session: pending requests get `reason` as an error, every stream finishes.
  void close(std::string_view reason, clock_time now);
  // Continues a session whose initialize another process answered (a gateway replica opening
  // a sealed session id): `r` is the revision negotiated there. Ignored once one is known.
  void resume(revision r) {
    if (!revision_)
      revision_ = r;
  }

  // --- actions ---------------------------------------------------------------------------
  bool next(action& out);

  // --- state ------------------------------------------------------------------------------
  [[nodiscard]] bool closed() const { return closed_; }
  [[nodiscard]] std::optional<revision> negotiated() const { return revision_; }
  [[nodiscard]] std::size_t pending() const { return pending_.size(); }
  [[nodiscard]] std::size_t streams() const { return streams_.size(); }
  [[nodiscard]] bool knows_stream(stream_id s) const { return streams_.contains(s); }
  [[nodiscard]] std::optional<stream_id> standalone() const { return standalone_; }
  [[nodiscard]] std::size_t queued_bytes(stream_id s) const;
  [[nodiscard]] bool attached(stream_id s) const;
  // The last client or upstream input (timeouts and close do not count): for idle sweeps.
  [[nodiscard]] clock_time last_activity() const { return last_activity_; }
  // Requests pending, or a POST stream still being written (a held GET alone is idle).
  [[nodiscard]] bool busy() const;
  // When the driver's timer fires: at or before the earliest pending deadline (lazily armed,
  // so it may stay set after the last answer).
  [[nodiscard]] std::optional<clock_time> deadline() const { return armed_; }
  // Upstream responses that matched no pending request (late, duplicate or forged).
  [[nodiscard]] std::size_t unmatched_responses() const { return unmatched_; }

 private:
  struct stream_state {
    bool json = false;
    bool attached = false;
    bool done = false;
    bool overflowed = false;
    std::size_t awaiting = 0;  // answers still owed on it
    std::size_t queued = 0;    // delivered, not yet drained
  };
  struct pending_request {
    stream_id stream = 0;
    boost::json::value id;
    std::string method;
    std::string tool;                           // tools/call: params.name
    std::optional<std::string> progress_token;  // id_key of params._meta.progressToken
    clock_time started;
    clock_time deadline;
  };

  stream_id new_stream(bool json, bool attached);
  void deliver(stream_id s, std::string json);
  void finish(stream_id s);
  void answer(const std::string& key, std::string json, clock_time now, std::string_view outcome);
  void client_message(message m, stream_id stream, clock_time now);
  void client_request(message& m, std::string key, stream_id stream, clock_time now);
  void client_cancel(const message& m);
  std::optional<stream_id> route(const message& m);
  void send_upstream(message m);
  void cancel_upstream(const boost::json::value& id, std::string_view reason);
  void rearm();
  void push(action&& a);

  session_options opts_;
  std::map<std::string, pending_request> pending_;  // by id_key of the client's id
  std::map<stream_id, stream_state> streams_;
  std::optional<stream_id> standalone_;
  std::optional<revision> revision_;
  std::optional<clock_time> armed_;
  clock_time last_activity_;
  stream_id next_stream_ = 1;
  std::size_t unmatched_ = 0;
  bool closed_ = false;
  // A FIFO of reused slots: [next_action_, queued_) wait; push() and next() move actions in
  // and out, and once drained both indices go back to 0, so steady traffic neither allocates
  // nor constructs or destroys an action.
  std::vector<action> actions_;
  std::size_t next_action_ = 0;
  std::size_t queued_ = 0;
};

// params._meta.progressToken of a request, as an id_key, if it has one.
std::optional<std::string> progress_token_key(const message& m);

}  // namespace mcp
