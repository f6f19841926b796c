// The baseline: an MCP client session straight over a child's stdio (newline-delimited
// JSON-RPC), no proxy in between. Each session starts its own child, like a per-session
// bridge does. Each request is bounded by the timeout; close() ends the child (stdin
// closed, SIGTERM, SIGKILL after 2 s) and always reaps it.
#pragma once

#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "mcp/line_framer.hpp"
#include "session.hpp"

namespace loadgen {

class stdio_session final : public session {
 public:
  stdio_session(const boost::asio::any_io_executor& ex, std::vector<std::string> command,
                std::chrono::milliseconds timeout);
  ~stdio_session() override;
  stdio_session(const stdio_session&) = delete;
  stdio_session& operator=(const stdio_session&) = delete;

  boost::asio::awaitable<outcome> initialize() override;
  boost::asio::awaitable<outcome> call(std::uint64_t n) override;
  boost::asio::awaitable<void> close() override;

 private:
  bool spawn();
  // Writes one line and reads lines until the response with `id` (0: no response expected).
  boost::asio::awaitable<outcome> exchange(const std::string& line, std::uint64_t id);

  boost::asio::posix::stream_descriptor in_;   // the child's stdin
  boost::asio::posix::stream_descriptor out_;  // the child's stdout
  boost::asio::steady_timer timer_;
  std::vector<std::string> command_;
  std::chrono::milliseconds timeout_;
  mcp::line_framer framer_{16 * 1024 * 1024};
  pid_t pid_ = -1;
  std::uint64_t next_id_ = 1;
  bool timed_out_ = false;
};

}  // namespace loadgen
