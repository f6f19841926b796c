// Server-Sent Events (WHATWG HTML "event stream" format): an encoder for the streams the
// bridge serves and an incremental parser for reading them back (tests, the legacy client
// side, and fuzzing). The parser is sans-I/O: feed() split bytes, drain next(). It accepts
// LF, CR and CRLF line ends (also split across feeds), ignores comments and unknown
// fields, and caps one event's size so a hostile stream cannot grow memory without bound.
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

class parser {
 public:
  explicit parser(std::size_t max_event) : max_event_(max_event) {}

  void feed(std::string_view bytes);
  bool next(event& out);

  [[nodiscard]] const std::string& last_event_id() const { return last_id_; }
  [[nodiscard]] std::optional<unsigned> retry_ms() const { return retry_; }
  // Events dropped for exceeding max_event.
  [[nodiscard]] std::size_t dropped() const { return dropped_; }

 private:
  void line(std::string_view l);
  void dispatch();

  std::size_t max_event_;
  std::string buf_;
  bool skip_lf_ = false;
  bool too_big_ = false;
  std::string last_id_;
  std::optional<unsigned> retry_;
  std::string type_;
  std::string data_;
  bool has_data_ = false;
  std::size_t dropped_ = 0;
  std::deque<event> ready_;
};

}  // namespace mcp::sse
