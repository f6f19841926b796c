// One stdio MCP server process: spawned with posix_spawn in its own process group, its
// stdin/stdout/stderr as pipes wrapped in Asio stream descriptors. stdout is framed into
// JSON-RPC messages (non-JSON lines are logged and dropped; the child lives on); stderr is
// forwarded to our log line by line, rate-limited. Guarantees: only whole MCP messages,
// one per line, are written to stdin; the process group is SIGKILLed once the leader is
// reaped, so grandchildren (npx -> node) never outlive it; on_exit fires exactly once,
// after the leader is reaped and stdout is drained, and after it no fd of the child stays
// open. Owned by shared_ptr because the reader, writer and reaper callbacks outlive any one
// caller; all of it runs on the bridge's single io_context thread.
#pragma once

#include <sys/types.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "link.hpp"
#include "mcp/jsonrpc.hpp"
#include "metrics.hpp"

namespace bridge {

class child_process;

// Reaps children on SIGCHLD. The bridge is PID 1 of the server container (and otherwise
// makes itself the child subreaper), so every orphaned descendant (the server a launcher
// such as npx or `sh -c` forked, a daemonized grandchild) ends up its child: every exited
// child is reaped with waitpid(-1), and the exit status of the ones it spawned goes to their
// child_process. Nothing else in the bridge may wait for children.
class reaper {
 public:
  reaper(const boost::asio::any_io_executor& ex, metrics& m);
  void watch(pid_t pid, std::weak_ptr<child_process> c);
  void start();
  void stop();
  [[nodiscard]] std::size_t watched() const { return children_.size(); }
  [[nodiscard]] std::uint64_t orphans_reaped() const { return orphans_reaped_; }
  // Runs `fn` after every round of reaping (shutdown waits on it).
  void on_reap(std::function<void()> fn) { on_reap_ = std::move(fn); }
  // Sends `sig` to every live child of the bridge, spawned or adopted; returns how many
  // (signal 0 only counts them).
  std::size_t signal_children(int sig) const;
  // Reaps whatever has exited (also called on SIGCHLD).
  void reap();

 private:
  void wait_signal();
  boost::asio::any_io_executor ex_;
  metrics& metrics_;
  std::unique_ptr<boost::asio::basic_signal_set<boost::asio::any_io_executor>> signals_;
  std::map<pid_t, std::weak_ptr<child_process>> children_;
  std::function<void()> on_reap_;
  std::uint64_t orphans_reaped_ = 0;
  bool subreaper_set_ = false;
};

struct child_config {
  std::vector<std::string> argv;
  std::size_t max_line = 4 << 20;
  std::chrono::milliseconds kill_grace{2000};
  std::chrono::milliseconds term_delay{300};  // stdin EOF to SIGTERM
  unsigned stderr_lines_per_second = 50;
};

class child_process final : public server_link, public std::enable_shared_from_this<child_process> {
 public:
  static boost::system::result<std::shared_ptr<child_process>> spawn(const boost::asio::any_io_executor& ex,
                                                                     const child_config& config, reaper& r, metrics& m);

  child_process(const boost::asio::any_io_executor& ex, const child_config& config, metrics& m);
  ~child_process() override;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // on_message / on_exit (server_link): the exit's `why` names the exit status or signal.

  // Queues one message for stdin. Dropped once the child is terminating.
  void send(std::string json) override;

  // Closes stdin (after writing what is queued), sends SIGTERM to the group if it has not
  // exited 300 ms later, SIGKILL after the grace period.
  void terminate() override;

  // Runs `fn` once the child has started: at its first stdout message, at its exit, when
  // this object goes away, or after `limit` (a child that never speaks must not hold a
  // start slot forever), whichever is first.
  void on_started(std::function<void()> fn, std::chrono::milliseconds limit) override;
  [[nodiscard]] bool spoke() const { return spoke_; }

  [[nodiscard]] pid_t pid() const override { return pid_; }
  [[nodiscard]] bool alive() const override { return !exited_ && !terminating_; }
  [[nodiscard]] std::uint64_t serial() const override { return serial_; }

  // Called by the reaper.
  void reaped(int wait_status);

 private:
  void start_io();
  void handle_stdout(std::string_view bytes);
  void handle_stderr(std::string_view bytes);
  void kick_writer();
  void maybe_finish();
  void close_all();
  void fire_started();
  void close_stdin_and_signal();

  boost::asio::any_io_executor ex_;
  child_config config_;
  metrics& metrics_;
  pid_t pid_ = -1;
  std::uint64_t serial_ = 0;
  boost::asio::posix::stream_descriptor in_, out_, err_;
  boost::asio::steady_timer kill_timer_;
  boost::asio::steady_timer term_timer_;
  boost::asio::steady_timer start_timer_;
  std::function<void()> on_started_;
  bool spoke_ = false;
  std::deque<std::string> write_queue_;
  bool writing_ = false;
  bool stdout_done_ = false;
  bool stderr_done_ = false;
  bool exited_ = false;
  bool terminating_ = false;
  bool finished_ = false;
  int wait_status_ = 0;
  // stderr rate limit: lines allowed in the current one-second window.
  std::chrono::steady_clock::time_point window_start_{};
  unsigned window_lines_ = 0;
  std::uint64_t stderr_dropped_ = 0;
};

}  // namespace bridge
