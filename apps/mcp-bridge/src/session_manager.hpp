// Owns the sessions and the warm pool of pre-started children. A pooled child counts as warm
// once it answers a ping (the one request MCP allows before initialize); a session takes a
// warm child (so `initialize` does not wait for `npx` to start) and the pool is refilled in the
// background; a pooled child that dies is replaced, at most once a second, so a server
// that cannot start does not turn the bridge into a fork loop. Sessions end on DELETE,
// on idle timeout, or when their child exits; then their id answers 404.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>

#include "child.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "session.hpp"
#include "shared_upstream.hpp"
#include "stateless_backend.hpp"

namespace bridge {

enum class session_refusal { too_many_sessions, child_failed, shutting_down };

class session_manager {
 public:
  session_manager(const boost::asio::any_io_executor& ex, const options& o, metrics& m, reaper& r);

  void start();

  // A new session with its own child; fails when the limit is reached or no child starts.
  std::variant<std::shared_ptr<session>, session_refusal> create(bool legacy_sse);
  std::shared_ptr<session> find(std::string_view id) const;
  bool remove(std::string_view id);

  // /readyz: a warm child is waiting (or the pool is disabled and the last start worked).
  [[nodiscard]] bool ready() const;
  [[nodiscard]] std::size_t size() const { return sessions_.size(); }
  [[nodiscard]] std::size_t pending_requests() const;
  // The one backend every 2026-07-28 (stateless) request goes to.
  stateless_backend& stateless() { return stateless_; }
  [[nodiscard]] boost::asio::any_io_executor executor() const { return ex_; }

  // Stops the pool and ends every session (children get SIGTERM, then SIGKILL).
  void stop();

 private:
  std::shared_ptr<child_process> spawn();
  std::shared_ptr<session> add(std::shared_ptr<session> s);
  void refill();
  void refill_later();  // one refill a second from now (at most one scheduled)
  void sweep_idle();

  boost::asio::any_io_executor ex_;
  const options& opts_;
  metrics& metrics_;
  reaper& reaper_;
  child_config child_config_;
  session_config session_config_;
  std::map<std::string, std::shared_ptr<session>, std::less<>> sessions_;
  std::deque<std::shared_ptr<child_process>> pool_;
  std::set<std::uint64_t> warm_;  // serials of pooled children that answered the warm-up ping
  boost::asio::steady_timer refill_timer_;
  boost::asio::steady_timer sweep_timer_;
  bool refill_scheduled_ = false;
  bool last_spawn_ok_ = false;
  bool stopping_ = false;
  stateless_backend stateless_;
  std::shared_ptr<shared_upstream> shared_;  // shared mode only
};

// 128 random bits as hex, from the kernel's CSPRNG: session ids must not be guessable.
std::string random_session_id();

}  // namespace bridge
