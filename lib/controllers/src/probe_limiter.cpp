#include "controllers/probe_limiter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace controllers {

namespace asio = boost::asio;

probe_limiter::permit& probe_limiter::permit::operator=(permit&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = o.owner_;
    o.owner_ = nullptr;
  }
  return *this;
}

void probe_limiter::permit::release() {
  if (owner_ != nullptr) {
    owner_->release_one();
    owner_ = nullptr;
  }
}

asio::awaitable<probe_limiter::permit> probe_limiter::acquire() {
  if (in_use_ < slots_) {
    ++in_use_;
    co_return permit(this);
  }
  auto w = std::make_shared<waiter>(co_await asio::this_coro::executor);
  w->wake.expires_at(asio::steady_timer::time_point::max());
  waiters_.push_back(w);
  // A coroutine destroyed after being handed a slot but before it resumed (shutdown) passes
  // the slot on; one destroyed before that just leaves the queue (its weak_ptr expires).
  struct handoff {
    probe_limiter* limiter;
    waiter* w;
    bool taken = false;
    handoff(probe_limiter* l, waiter* wp) : limiter(l), w(wp) {}
    handoff(const handoff&) = delete;
    handoff& operator=(const handoff&) = delete;
    ~handoff() {
      if (!taken && w->granted)
        limiter->release_one();
    }
  } guard{this, w.get()};
  // Woken by release_one() (which hands over its slot and sets `granted`) or by cancellation.
  while (!w->granted) {
    auto [ec] = co_await w->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
  guard.taken = true;
  co_return permit(this);
}

void probe_limiter::release_one() {
  while (!waiters_.empty()) {
    auto w = waiters_.front().lock();
    waiters_.pop_front();
    if (w) {  // hand the slot over: in_use_ stays
      w->granted = true;
      w->wake.cancel();
      return;
    }
  }
  --in_use_;
}

}  // namespace controllers
