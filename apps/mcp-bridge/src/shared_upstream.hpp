// Shared mode (--session-mode shared): one child serves every session, for servers that
// keep no per-client state. The bridge initializes the child itself, once, and answers each
// session's `initialize` from that result; every request gets a fresh child-side id (and
// progress token), so concurrent clients never see each other's answers or progress. The
// child's other notifications go to every session. The child cannot ask any one client
// anything (which client would answer?), so its requests are refused at once, except ping.
// If the child dies, every session ends (clients re-initialize, as after any 404) and the
// child is restarted a second later (so /readyz recovers without a fork loop).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>

#include "child.hpp"
#include "mcp/id_remap.hpp"
#include "upstream.hpp"

namespace bridge {

class shared_upstream final : public upstream {
 public:
  shared_upstream(const boost::asio::any_io_executor& ex, child_config config, reaper& r, metrics& m);
  ~shared_upstream() override;

  // Starts (or restarts) the child ahead of the first session.
  void start();
  void stop();
  [[nodiscard]] bool ready() const { return ready_; }

  void attach(session& s) override;
  void send(session& s, mcp::message m) override;
  void detach(session& s) override;
  [[nodiscard]] pid_t pid() const override { return child_ ? child_->pid() : -1; }

 private:
  struct progress_route {
    std::uint64_t session = 0;
    boost::json::value token;
  };

  void forward(std::uint64_t session_number, mcp::message m);
  void answer_initialize(session& s, const mcp::message& request);
  void from_child(mcp::message m);
  void child_exited(int wait_status);

  boost::asio::any_io_executor ex_;
  child_config config_;
  reaper& reaper_;
  metrics& metrics_;
  std::shared_ptr<child_process> child_;
  boost::asio::steady_timer restart_timer_;
  bool ready_ = false;
  bool stopped_ = false;
  boost::json::object init_result_;
  std::map<std::uint64_t, session*> sessions_;
  std::deque<std::pair<std::uint64_t, mcp::message>> waiting_;
  mcp::id_remapper ids_;
  std::map<std::int64_t, progress_route> progress_;
};

}  // namespace bridge
