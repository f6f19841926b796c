// Structured concurrency for a handful of long-lived coroutines (reflectors, workers,
// servers): spawn them, cancel them all with one call (asio terminal cancellation, delivered
// to each task's current operation), and wait until every one has finished. A task that
// throws is logged and counted as finished; it never takes the process down.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <list>
#include <string>

namespace kube {

class task_group {
 public:
  explicit task_group(boost::asio::any_io_executor ex);
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;

  void spawn(std::string name, boost::asio::awaitable<void> task);
  void cancel();
  // Completes when no task is running, or early when the waiting coroutine is cancelled.
  boost::asio::awaitable<void> wait();
  // Runs until the calling coroutine is cancelled or every task has ended; then cancels the
  // remaining tasks and waits for them. Call it from a coroutine that may be cancelled.
  boost::asio::awaitable<void> join_or_cancel();
  [[nodiscard]] std::size_t running() const { return running_; }

 private:
  boost::asio::any_io_executor ex_;
  // Signals live as long as the group: an operation may touch its slot until it completes.
  struct entry {
    boost::asio::cancellation_signal signal;
    bool done = false;
  };
  std::list<entry> tasks_;
  std::size_t running_ = 0;
  boost::asio::steady_timer finished_;
};

}  // namespace kube
