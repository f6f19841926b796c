// A bound on the MCP verification probes that run at once across the whole operator (all
// namespaces' controllers share one): a probe holds a slot while it runs; one that finds all
// slots taken waits, in arrival order, for one to be released. So however many tenants'
// servers need checking at once, at most `slots` probes hold memory and sockets; the others
// hold a coroutine frame each (and there is at most one probe per MCPServer).
//
// Not thread-safe: every acquire and release happens on the operator's single-threaded
// io_context. A waiter whose coroutine is destroyed before its turn (shutdown) is skipped.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <deque>
#include <memory>

namespace controllers {

// Probes running at once by default; each holds at most about 3 MiB while it parses an answer
// (probe_limits::max_body plus its parse), so 4 keep the worst case near 12 MiB.
inline constexpr std::size_t default_concurrent_probes = 4;

class probe_limiter {
 public:
  explicit probe_limiter(std::size_t slots = default_concurrent_probes) : slots_(slots == 0 ? 1 : slots) {}
  probe_limiter(const probe_limiter&) = delete;
  probe_limiter& operator=(const probe_limiter&) = delete;

  // Held while a probe runs; releasing it (destruction) hands the slot to the next waiter.
  class permit {
   public:
    permit() = default;
    explicit permit(probe_limiter* owner) : owner_(owner) {}
    permit(permit&& o) noexcept : owner_(o.owner_) { o.owner_ = nullptr; }
    permit& operator=(permit&& o) noexcept;
    permit(const permit&) = delete;
    permit& operator=(const permit&) = delete;
    ~permit() { release(); }
    void release();

   private:
    probe_limiter* owner_ = nullptr;
  };

  // Waits for a slot (no time limit: the slot holders are bounded by their own deadlines).
  boost::asio::awaitable<permit> acquire();

  [[nodiscard]] std::size_t slots() const { return slots_; }
  [[nodiscard]] std::size_t in_use() const { return in_use_; }
  [[nodiscard]] std::size_t waiting() const { return waiters_.size(); }

 private:
  struct waiter {
    explicit waiter(const boost::asio::any_io_executor& ex) : wake(ex) {}
    boost::asio::steady_timer wake;
    bool granted = false;
  };
  void release_one();

  std::size_t slots_;
  std::size_t in_use_ = 0;
  std::deque<std::weak_ptr<waiter>> waiters_;
};

}  // namespace controllers
