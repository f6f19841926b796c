// Structured concurrency for coroutines: spawn tasks into a group, cancel one of them or all
// of them (asio terminal cancellation, delivered to each task's current operation), and wait
// until every one has finished. A task that throws is reported to the group's failure
// handler and counted as finished; it never takes the process down. A task that ends by
// cancellation (operation_aborted) is not a failure.
//
// The group holds one entry per running task only: a finished task's entry is freed right
// after its coroutine has unwound, so a group that serves millions of short tasks (one per
// connection) stays as small as the number of tasks running.
//
// Caveats: single-threaded: use it from the thread (or strand) its executor runs on. The
// group must outlive its tasks: destroy it only after wait() has returned normally (or after
// the executor has stopped for good). Depends on Boost.Asio only, so both the operator and
// the static bridge link it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace async {

class task_group {
 public:
  // Called with the task's name and the exception's message when a task fails.
  using failure_handler = std::function<void(std::string_view task, std::string_view error)>;
  // Names a task for cancel(id); ids are never reused within a group.
  using task_id = std::uint64_t;

  // Without a handler, failures are written to stderr as one key=value line.
  explicit task_group(boost::asio::any_io_executor ex, failure_handler on_failure = {});
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;

  task_id spawn(std::string name, boost::asio::awaitable<void> task);
  // Cancels every running task.
  void cancel();
  // Cancels one task; false when it has already finished.
  bool cancel(task_id id);
  // Completes when no task is running, or early when the waiting coroutine is cancelled.
  boost::asio::awaitable<void> wait();
  // Runs until the calling coroutine is cancelled or every task has ended; then cancels the
  // remaining tasks and waits for them. Call it from a coroutine that may be cancelled.
  boost::asio::awaitable<void> join_or_cancel();
  // Cancels every task and waits until all have ended, even when the calling coroutine has
  // already been cancelled (its cancellation state is reset).
  boost::asio::awaitable<void> cancel_and_wait();

  [[nodiscard]] std::size_t running() const { return running_; }
  // Entries held: running tasks, plus finished ones whose coroutines are still unwinding.
  [[nodiscard]] std::size_t size() const { return tasks_.size(); }

 private:
  struct entry {
    // co_spawn keeps the coroutine's cancellation state in this signal's slot, and the
    // coroutine frame refers to it until it has unwound, which is after the completion
    // handler returns: so the entry is erased in a handler posted from there, never inside.
    boost::asio::cancellation_signal signal;
    bool done = false;
  };

  void finished(task_id id, const std::string& name, std::exception_ptr e);

  boost::asio::any_io_executor ex_;
  failure_handler on_failure_;
  std::unordered_map<task_id, entry> tasks_;  // node-based: an entry never moves
  task_id next_id_ = 0;
  std::size_t running_ = 0;
  boost::asio::steady_timer changed_;  // cancelled when an entry is erased: wakes the waiters
};

}  // namespace async
