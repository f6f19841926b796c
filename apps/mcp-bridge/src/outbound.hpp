// One server-to-client message channel of a session: the SSE body of a POST response, the
// standalone GET stream, or a 2024-11-05 /sse stream; or, for clients that only accept
// JSON, the collected answers of one POST. The session fills it; the HTTP coroutine that
// owns the connection drains it. Both run on the one io_context thread, and the timer
// serves as the wake-up signal (cancelling it wakes the writer).
// Bounded in bytes (`limit`, from --max-stream-buffer): while a connection writes the
// stream, going over the limit marks it `overflowed` and the writer drops that connection
// (a client that does not read cannot make the bridge buffer without end; the events stay
// in the session's bounded replay buffer, so the client can resume); while nobody writes
// it, the oldest events are dropped instead. A session's streams leave that bound to the
// session core (limit = none here): each event carries the weight the core counted for it,
// and `on_drain` gives the weight back when the event is written or dropped.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <string>

namespace bridge {

struct outbound {
  outbound(const boost::asio::any_io_executor& ex, std::uint64_t stream_number, bool json,
           std::size_t byte_limit = std::size_t{4} << 20)
      : number(stream_number), json_mode(json), limit(byte_limit), wake(ex) {}

  std::uint64_t number;  // the stream part of event ids ("<number>-<seq>")
  bool json_mode;
  std::size_t limit;
  std::size_t awaiting = 0;  // responses still owed (POST streams)
  bool done = false;         // nothing more will be queued
  bool attached = false;     // a connection is writing this stream
  bool overflowed = false;   // over `limit` while attached: the writer drops the connection
  boost::asio::steady_timer wake;
  std::function<void(std::size_t)> on_drain;  // weights of events written or dropped

  static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

  void notify() { wake.cancel(); }
  void finish() {
    done = true;
    notify();
  }

  [[nodiscard]] bool empty() const { return queue_.empty(); }
  [[nodiscard]] std::size_t size() const { return queue_.size(); }
  [[nodiscard]] std::size_t bytes() const { return bytes_; }

  void push_back(std::string s, std::size_t weight = 0) {
    bytes_ += s.size();
    queue_.push_back({std::move(s), weight});
    enforce_limit();
  }
  void push_front(std::string s) {
    bytes_ += s.size();
    queue_.push_front({std::move(s), 0});
    enforce_limit();
  }
  std::string pop_front() {
    std::string s = std::move(queue_.front().text);
    const std::size_t w = queue_.front().weight;
    queue_.pop_front();
    bytes_ -= s.size();
    if (w > 0 && on_drain) {
      on_drain(w);
    }
    return s;
  }
  void drop_oldest() { (void)pop_front(); }
  void clear() {
    while (!queue_.empty()) {
      drop_oldest();
    }
  }

 private:
  void enforce_limit() {
    if (json_mode || bytes_ <= limit) {
      return;  // a JSON answer is bounded by --max-line per message and the batch size
    }
    if (attached) {
      overflowed = true;
      return;
    }
    while (queue_.size() > 1 && bytes_ > limit) {
      drop_oldest();
    }
  }

  struct event {
    std::string text;
    std::size_t weight;  // what the session core counted for it (0: not counted)
  };
  std::deque<event> queue_;  // one deque: a stream costs one map and one node, not two
  std::size_t bytes_ = 0;
};

}  // namespace bridge
