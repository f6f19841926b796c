// Owns the sessions and the warm pool of pre-started children (with --upstream there are no
// children: every session gets an HTTP session of its own upstream, made on demand, and
// /readyz says whether the upstream accepts connections). A pooled child counts as warm
// once it answers a ping (the one request MCP allows before initialize); a session takes a
// warm child (so `initialize` does not wait for `npx` to start) and the pool is refilled in the
// background; a pooled child that dies is replaced, at most once a second, so a server
// that cannot start does not turn the bridge into a fork loop. Sessions end on DELETE,
// on idle timeout (a held GET stream alone does not count as activity), or when their child
// exits; then their id answers 404.
// Limits against careless or hostile clients: new sessions are rate-limited (token bucket,
// --session-rate/--session-burst); at most --max-starting children start at once, and a
// session that needs a cold child while that many are starting waits in a bounded queue
// (wait_for_start_slot), then gets 503 with Retry-After. In per-session mode a 2026-07-28
// (stateless) request gets a child of its own, counted like a session, so no request of
// one client ever reaches a process another client's requests reach.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>

#include "child.hpp"
#include "http_link.hpp"
#include "link.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "session.hpp"
#include "shared_upstream.hpp"
#include "stateless_backend.hpp"

namespace bridge {

enum class session_refusal { too_many_sessions, child_failed, shutting_down, rate_limited, starting_busy };

class session_manager {
 public:
  session_manager(const boost::asio::any_io_executor& ex, const options& o, metrics& m, reaper& r,
                  session_hooks hooks = {});

  void start();
  // Sessions created from now on make CLIENT spans for the requests they forward (tracing.hpp).
  void set_tracing(tracing* t) { session_config_.traces = t; }

  // A new session with its own child; fails when the limit is reached or no child starts.
  std::variant<std::shared_ptr<session>, session_refusal> create(bool legacy_sse);
  std::shared_ptr<session> find(std::string_view id) const;
  // find(), else a session continued from its id (session_hooks::restore), else nullptr.
  std::shared_ptr<session> find_or_restore(std::string_view id);
  // Whether new sessions are named after their initialize (session_hooks::name).
  [[nodiscard]] bool names_sessions() const { return static_cast<bool>(hooks_.name); }
  // Names `s` (session_hooks::name) and re-keys it; the session keeps its id if the hook
  // gives none or the session ended meanwhile.
  boost::asio::awaitable<void> name(std::shared_ptr<session> s);
  // The backend one 2026-07-28 request goes to: the shared stateless child in shared mode,
  // a fresh child of its own in per-session mode (released with release_stateless).
  std::variant<std::pair<stateless_backend*, std::uint64_t>, session_refusal> stateless_for_request();
  void release_stateless(std::uint64_t key);
  // Waits until a child start slot may be free (true) or until `deadline` (false).
  boost::asio::awaitable<bool> wait_for_start_slot(std::chrono::steady_clock::time_point deadline);
  // Seconds a client refused with rate_limited should wait.
  [[nodiscard]] unsigned retry_after_rate() const;
  bool remove(std::string_view id);  // the client's DELETE: the session ends for good

  // /readyz: a warm child is waiting (or the pool is disabled and the last start worked).
  [[nodiscard]] bool ready() const;
  // The hooks' document at `path` (session_hooks::document), or nullopt.
  [[nodiscard]] std::optional<std::string> document(std::string_view path) const {
    return hooks_.document ? hooks_.document(path) : std::nullopt;
  }
  [[nodiscard]] std::size_t size() const { return sessions_.size(); }
  [[nodiscard]] std::size_t pending_requests() const;
  [[nodiscard]] std::size_t starting() const { return starting_; }
  [[nodiscard]] std::size_t start_queue() const { return start_waiters_.size(); }
  [[nodiscard]] boost::asio::any_io_executor executor() const { return ex_; }

  // Stops the pool and ends every session (children get SIGTERM, then SIGKILL).
  void stop();

 private:
  std::shared_ptr<server_link> spawn();
  // A child for a new session or request: a warm pooled one, else a new one if a start slot
  // is free. Taking one spends a session-rate token and schedules the pool's refill.
  std::variant<std::shared_ptr<server_link>, session_refusal> take_child();
  std::optional<session_refusal> admit();  // limits every new session or stateless request shares
  void start_finished();
  std::shared_ptr<session> add(std::shared_ptr<session> s);
  void refill();
  void refill_later();  // one refill a second from now (at most one scheduled)
  void sweep_idle();

  boost::asio::any_io_executor ex_;
  const options& opts_;
  metrics& metrics_;
  reaper& reaper_;
  session_hooks hooks_;
  child_config child_config_;
  std::shared_ptr<http_pool> http_;  // --upstream: connections to the HTTP server, no children
  link_factory make_link_;
  session_config session_config_;
  std::map<std::string, std::shared_ptr<session>, std::less<>> sessions_;
  std::deque<std::shared_ptr<server_link>> pool_;
  std::set<std::uint64_t> warm_;  // serials of pooled children that answered the warm-up ping
  boost::asio::steady_timer refill_timer_;
  boost::asio::steady_timer sweep_timer_;
  bool refill_scheduled_ = false;
  bool last_spawn_ok_ = false;
  bool started_once_ = false;  // the latest pooled child answered its warm-up ping (/readyz)
  bool stopping_ = false;
  std::size_t starting_ = 0;
  std::deque<std::shared_ptr<boost::asio::steady_timer>> start_waiters_;
  double tokens_;
  std::chrono::steady_clock::time_point tokens_at_;
  stateless_backend stateless_;  // shared mode: the one child every 2026-07-28 request goes to
  std::map<std::uint64_t, std::unique_ptr<stateless_backend>> isolated_;  // per-session mode
  std::uint64_t next_isolated_ = 1;
  std::shared_ptr<shared_upstream> shared_;  // shared mode only
};

// 128 random bits as hex, from the kernel's CSPRNG: session ids must not be guessable.
std::string random_session_id();

}  // namespace bridge
