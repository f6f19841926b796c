// Shared mode (--session-mode shared): one child serves every session, for servers that
// keep no per-client state. The protocol is mcp::upstream_mux's (the bridge initializes the
// child once and answers each session's `initialize` from that result; ids and progress
// tokens are remapped; the child's requests are refused except ping; its other notifications
// go to every session); this driver owns the child process and performs the mux's actions.
// If the child dies, every session ends (clients re-initialize, as after any 404) and the
// child is restarted a second later (so /readyz recovers without a fork loop).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <map>
#include <memory>

#include "link.hpp"
#include "mcp/upstream_mux.hpp"
#include "metrics.hpp"
#include "upstream.hpp"

namespace bridge {

class shared_upstream final : public upstream {
 public:
  shared_upstream(const boost::asio::any_io_executor& ex, link_factory make_link, metrics& m);
  ~shared_upstream() override;

  // Starts (or restarts) the child ahead of the first session.
  void start();
  void stop();
  [[nodiscard]] bool ready() const { return !stopped_ && child_ && mux_.ready(); }

  void attach(session& s) override;
  void send(session& s, mcp::message m) override;
  void detach(session& s) override;
  [[nodiscard]] pid_t pid() const override { return child_ ? child_->pid() : -1; }

 private:
  void run();  // performs the mux's actions until it has none left
  void child_exited();

  boost::asio::any_io_executor ex_;
  link_factory make_link_;
  metrics& metrics_;
  std::shared_ptr<server_link> child_;
  boost::asio::steady_timer restart_timer_;
  bool stopped_ = false;
  bool running_ = false;
  mcp::upstream_mux mux_{mcp::mux_options{}};
  std::map<std::uint64_t, session*> sessions_;
};

}  // namespace bridge
