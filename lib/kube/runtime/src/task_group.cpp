#include "kube/runtime/task_group.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace kube {

namespace asio = boost::asio;

task_group::task_group(asio::any_io_executor ex) : ex_(ex), finished_(ex, asio::steady_timer::time_point::max()) {}

void task_group::spawn(std::string name, asio::awaitable<void> task) {
  auto& t = tasks_.emplace_back();
  ++running_;
  asio::co_spawn(
      ex_, std::move(task),
      asio::bind_cancellation_slot(t.signal.slot(), [this, &t, name = std::move(name)](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const boost::system::system_error& se) {
            if (se.code() != asio::error::operation_aborted) {
              spdlog::error("msg=\"task failed\" task={} error=\"{}\"", name, se.what());
            }
          } catch (const std::exception& ex) {
            spdlog::error("msg=\"task failed\" task={} error=\"{}\"", name, ex.what());
          }
        }
        t.done = true;
        --running_;
        finished_.cancel();
      }));
}

void task_group::cancel() {
  for (auto& t : tasks_) {
    if (!t.done) {
      t.signal.emit(asio::cancellation_type::terminal);
    }
  }
}

asio::awaitable<void> task_group::wait() {
  auto cs = co_await asio::this_coro::cancellation_state;
  while (running_ > 0 && cs.cancelled() == asio::cancellation_type::none) {
    co_await finished_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> task_group::join_or_cancel() {
  co_await asio::this_coro::throw_if_cancelled(false);
  co_await wait();
  if (running_ > 0) {
    cancel();
    co_await asio::this_coro::reset_cancellation_state();
    co_await wait();
  }
}

}  // namespace kube
