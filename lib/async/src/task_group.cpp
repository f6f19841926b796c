#include "async/task_group.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <cstdio>
#include <exception>

namespace async {

namespace asio = boost::asio;

namespace {

void write_to_stderr(std::string_view task, std::string_view error) {
  std::fprintf(stderr, "msg=\"task failed\" task=%.*s error=\"%.*s\"\n", static_cast<int>(task.size()), task.data(),
               static_cast<int>(error.size()), error.data());
}

}  // namespace

task_group::task_group(asio::any_io_executor ex, failure_handler on_failure)
    : ex_(ex),
      on_failure_(on_failure ? std::move(on_failure) : failure_handler(write_to_stderr)),
      changed_(ex, asio::steady_timer::time_point::max()) {}

task_group::task_id task_group::spawn(std::string name, asio::awaitable<void> task) {
  const task_id id = next_id_++;
  auto& t = tasks_[id];
  ++running_;
  asio::co_spawn(ex_, std::move(task),
                 asio::bind_cancellation_slot(t.signal.slot(), [this, id, name = std::move(name)](
                                                                   std::exception_ptr e) { finished(id, name, e); }));
  return id;
}

void task_group::finished(task_id id, const std::string& name, std::exception_ptr e) {
  if (e) {
    try {
      std::rethrow_exception(e);
    } catch (const boost::system::system_error& se) {
      if (se.code() != asio::error::operation_aborted) {
        on_failure_(name, se.what());
      }
    } catch (const std::exception& ex) {
      on_failure_(name, ex.what());
    } catch (...) {
      on_failure_(name, "unknown exception");
    }
  }
  tasks_.at(id).done = true;
  --running_;
  // This runs inside the task's coroutine, which still refers to the entry's signal until it
  // has unwound: free the entry afterwards, then tell the waiters.
  asio::post(ex_, [this, id] {
    tasks_.erase(id);
    changed_.cancel();
  });
}

void task_group::cancel() {
  for (auto& [id, t] : tasks_) {
    if (!t.done) {
      t.signal.emit(asio::cancellation_type::terminal);
    }
  }
}

bool task_group::cancel(task_id id) {
  auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second.done) {
    return false;
  }
  it->second.signal.emit(asio::cancellation_type::terminal);
  return true;
}

asio::awaitable<void> task_group::wait() {
  auto cs = co_await asio::this_coro::cancellation_state;
  while (!tasks_.empty() && cs.cancelled() == asio::cancellation_type::none) {
    co_await changed_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> task_group::join_or_cancel() {
  co_await asio::this_coro::throw_if_cancelled(false);
  co_await wait();
  if (!tasks_.empty()) {
    co_await cancel_and_wait();
  }
}

asio::awaitable<void> task_group::cancel_and_wait() {
  cancel();
  co_await asio::this_coro::reset_cancellation_state();
  co_await wait();
}

}  // namespace async
