// One server-to-client message channel of a session: the SSE body of a POST response, the
// standalone GET stream, or a 2024-11-05 /sse stream; or, for clients that only accept
// JSON, the collected answers of one POST. The session fills it; the HTTP coroutine that
// owns the connection drains it. Both run on the one io_context thread, and the timer
// serves as the wake-up signal (cancelling it wakes the writer).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <string>

namespace bridge {

struct outbound {
  outbound(const boost::asio::any_io_executor& ex, std::uint64_t stream_number, bool json)
      : number(stream_number), json_mode(json), wake(ex) {}

  std::uint64_t number;  // the stream part of event ids ("<number>-<seq>")
  bool json_mode;
  std::deque<std::string> queue;  // SSE events ready to write, or JSON messages in json_mode
  std::size_t awaiting = 0;       // responses still owed (POST streams)
  bool done = false;              // nothing more will be queued
  bool attached = false;          // a connection is writing this stream
  boost::asio::steady_timer wake;

  void notify() { wake.cancel(); }
  void finish() {
    done = true;
    notify();
  }
};

}  // namespace bridge
