// Server-Sent Events (WHATWG HTML "event stream" format): an encoder for the streams the
// bridge serves and an incremental parser for reading them back (tests, the legacy client
// side, and fuzzing). The parser is sans-I/O: feed() split bytes, drain next(). It accepts
// LF, CR and CRLF line ends (also split across feeds), ignores comments and unknown
// fields. Memory is bounded whatever the stream holds: one event's size is capped
// (max_event), an id longer than max_id is ignored like an id with NUL (the stream keeps its
// previous id, so a huge id line is never copied into every later event), and at most
// max_queued parsed events wait to be drained (more are discarded and counted). So a parser
// holds at most about max_queued * (max_event + max_id) bytes, plus one line of max_event.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace mcp::sse {

// One event as text: "id: ..\nevent: ..\ndata: ..\n\n". Multi-line data becomes several
// data lines; an empty id or event name is left out.
std::string encode(std::string_view data, std::string_view id = {}, std::string_view event = {});

// A comment line (keeps proxies from timing out an idle stream).
std::string encode_comment(std::string_view text);

// An event that only sets the id and the client's reconnection delay (2025-11-25 servers
// send one first, so a client can resume a stream that has not produced data yet).
std::string encode_priming(std::string_view id, std::optional<unsigned> retry_ms);

struct event {
  std::string id;  // the stream's last event id after this event (it persists across events)
  std::string type = "message";
  std::string data;
};

// Real servers' ids are short (a stream id and a counter); 256 bytes leaves room for any of them.
inline constexpr std::size_t default_max_id = 256;
// Events waiting between one feed() and the next drain of next(); a feed of a whole response
// body with more tiny events than this loses the excess (see overflowed()).
inline constexpr std::size_t default_max_queued = 1024;

class parser {
 public:
  explicit parser(std::size_t max_event, std::size_t max_id = default_max_id,
                  std::size_t max_queued = default_max_queued)
      : max_event_(max_event), max_id_(max_id), max_queued_(max_queued) {}

  void feed(std::string_view bytes);
  bool next(event& out);

  [[nodiscard]] const std::string& last_event_id() const { return last_id_; }
  [[nodiscard]] std::optional<unsigned> retry_ms() const { return retry_; }
  // Events dropped for exceeding max_event.
  [[nodiscard]] std::size_t dropped() const { return dropped_; }
  // Events discarded because max_queued events were already waiting to be drained.
  [[nodiscard]] std::size_t overflowed() const { return overflowed_; }
  // id fields ignored for being longer than max_id.
  [[nodiscard]] std::size_t ids_ignored() const { return ids_ignored_; }

 private:
  void line(std::string_view l);
  void dispatch();

  std::size_t max_event_;
  std::size_t max_id_;
  std::size_t max_queued_;
  std::string buf_;
  bool skip_lf_ = false;
  bool too_big_ = false;
  bool line_cut_ = false;  // the current line outgrew max_event
  std::string last_id_;
  std::optional<unsigned> retry_;
  std::string type_;
  std::string data_;
  bool has_data_ = false;
  std::size_t dropped_ = 0;
  std::size_t overflowed_ = 0;
  std::size_t ids_ignored_ = 0;
  std::deque<event> ready_;
};

}  // namespace mcp::sse
