// The client side of Streamable HTTP (2025-03-26 .. 2025-11-25) toward one upstream MCP
// server, as a sans-I/O state machine: the bridge's HTTP upstream mode uses it to make an
// HTTP server look like a stdio child (one message in, messages out), and the gateway will
// use it toward its members. Inputs: messages for the server, and what the driver saw of each
// HTTP exchange (head, body bytes, end); outputs: exchanges to start or cancel, messages from
// the server, a retry timer, the end of the upstream session. No clock, no sockets.
// Rules it follows:
// - `initialize` goes first and alone; what the client sends while it is in flight waits, and
//   goes out once the answer gave the session id (`Mcp-Session-Id`) and the revision, which
//   every later exchange carries (`Mcp-Session-Id`, `MCP-Protocol-Version`).
// - Each message is one POST. Its answer is a JSON body (one message or a batch) or an SSE
//   stream (any number of messages; the answer to the POST's request ends what it owes).
//   A 202 answers a notification or a response.
// - Every request gets an answer: an HTTP error status, a transport failure, or a stream that
//   ends before the answer gives that request a JSON-RPC error naming the cause (the server's
//   own JSON-RPC error text if it sent one). 404 on an established session means the server
//   ended it: the whole upstream session ends (the client re-initializes, as after a 404).
// - After `notifications/initialized`, one GET stream carries the server's own requests and
//   notifications; 405 means the server has none; a GET stream that ends is reopened after
//   `get_retry` with Last-Event-ID.
// - terminate() cancels every exchange and sends DELETE for the session (best effort).
// Bounds: one JSON body or SSE event holds at most max_message bytes (bigger: that exchange
// fails like a transport error); an error body is read up to 64 KiB; at most max_exchanges
// POSTs are in flight (more requests are answered with an error, more notifications dropped,
// never queued without end); at most max_queued messages wait for `initialize`; an answer
// goes to the client only if a request in flight is owed it (duplicates are dropped).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp/sse.hpp"

namespace mcp {

struct streamable_client_options {
  std::size_t max_message = std::size_t{4} << 20;
  std::size_t max_exchanges = 1024;
  std::size_t max_queued = 1024;
  std::chrono::milliseconds get_retry{1000};
  bool open_get_stream = true;
  // Bytes of the Mcp-Session-Id kept (a longer one is cut). A member's id is short; an MCPPool
  // gateway's sealed id carries every member's session (up to about 5.5 KiB).
  std::size_t max_session_id = 256;
};

enum class exchange_method { post, get, del };

struct exchange_request {
  std::uint64_t id = 0;
  exchange_method method = exchange_method::post;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host and Content-Length
  std::string body;
};

struct client_action {
  enum class kind {
    start_exchange,   // request: send it; report with head()/body()/end() under request.id
    cancel_exchange,  // exchange: abandon it (close its connection); report nothing more
    deliver,          // msg: a message from the server
    arm_retry,        // delay: call retry() after it (the GET stream is to be reopened)
    ended,            // reason: the upstream session is over (not after terminate())
  };
  kind what = kind::deliver;
  exchange_request request{};
  std::uint64_t exchange = 0;
  message msg{};
  std::chrono::milliseconds delay{};
  std::string reason{};
};

// The JSON-RPC code of the errors the client makes up for requests the server did not answer.
inline constexpr int code_upstream_http = -32603;

class streamable_client {
 public:
  explicit streamable_client(streamable_client_options o = {}) : opts_(o) {}

  // --- inputs ---------------------------------------------------------------------------
  void send(message m);
  // The status line and the headers that matter of exchange `id`'s response.
  void head(std::uint64_t id, unsigned status, std::string_view content_type, std::string_view session_id);
  // Body bytes of exchange `id` (any split).
  void body(std::uint64_t id, std::string_view bytes);
  // Exchange `id` is over: its body ended (error empty), or it failed (connect, write, read,
  // timeout: `error` says what). After head() or without it.
  void end(std::uint64_t id, std::string_view error = {});
  // The retry delay armed last has passed.
  void retry();
  // The client is done: every exchange is cancelled and the session deleted.
  void terminate();
  // Continues an upstream session another client opened (a second gateway replica serving a
  // sealed session): no initialize; every exchange carries `session_id` and
  // `protocol_version`, and the GET stream opens at once. Only before anything was sent.
  // False (and nothing changes) otherwise or when either string is empty.
  bool resume(std::string session_id, std::string protocol_version);
  // The client is done here but the upstream session lives on (another replica, or this one
  // later, continues it): every exchange is cancelled, nothing is deleted.
  void abandon();

  // --- actions ---------------------------------------------------------------------------
  bool next(client_action& out);

  // --- state ------------------------------------------------------------------------------
  [[nodiscard]] bool ended() const { return ended_; }
  [[nodiscard]] const std::string& session_id() const { return session_id_; }
  [[nodiscard]] const std::string& protocol_version() const { return protocol_version_; }
  [[nodiscard]] std::size_t exchanges() const { return exchanges_.size(); }
  [[nodiscard]] bool get_stream_open() const { return get_exchange_ != 0; }
  // Server messages that were not JSON-RPC (dropped).
  [[nodiscard]] std::size_t malformed() const { return malformed_; }
  // Server answers to no request in flight: duplicate, late or made up (dropped).
  [[nodiscard]] std::size_t unmatched() const { return unmatched_; }
  // Notifications and answers to the server dropped because max_exchanges POSTs were in flight.
  [[nodiscard]] std::size_t dropped() const { return dropped_; }

 private:
  enum class phase { fresh, initializing, ready };
  struct exchange {
    exchange_method method = exchange_method::post;
    std::map<std::string, boost::json::value> owed;  // requests of this POST not answered yet, by id_key
    bool initialize = false;
    bool initialized_notification = false;
    unsigned status = 0;
    bool sse = false;
    std::unique_ptr<sse::parser> parser;
    std::string buffer;  // a JSON body, or an error body
    bool too_large = false;
  };

  void post(message m);
  std::uint64_t start(exchange_method method, std::string body, exchange e);
  std::vector<std::pair<std::string, std::string>> session_headers() const;
  void from_server(std::string_view text, exchange& e, std::uint64_t id);
  void from_server_message(message m, exchange& e, std::uint64_t id);
  void fail_owed(exchange& e, const std::string& why);
  void initialize_done(const std::string& failure);  // empty: it succeeded
  void cancel_all();
  void forget(std::map<std::uint64_t, exchange>::iterator it);  // erases, keeping posts_
  void finish_exchange(std::uint64_t id, exchange& e, std::string_view error);
  void open_get();
  void end_session(std::string reason);
  void push(client_action a) { actions_.push_back(std::move(a)); }

  streamable_client_options opts_;
  phase phase_ = phase::fresh;
  std::string session_id_;
  std::string protocol_version_;
  std::string init_key_;  // id_key of the initialize request in flight
  std::deque<message> waiting_;
  std::map<std::uint64_t, exchange> exchanges_;
  std::size_t posts_ = 0;  // POST exchanges in exchanges_
  std::uint64_t next_exchange_ = 1;
  std::uint64_t get_exchange_ = 0;
  bool get_supported_ = true;
  bool get_wanted_ = false;  // notifications/initialized went out: keep a GET stream open
  bool retry_armed_ = false;
  std::string last_event_id_;
  bool ended_ = false;
  bool terminated_ = false;
  std::size_t malformed_ = 0;
  std::size_t unmatched_ = 0;
  std::size_t dropped_ = 0;
  std::deque<client_action> actions_;
};

}  // namespace mcp
