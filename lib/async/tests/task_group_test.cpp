#include "async/task_group.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asio::as_tuple;
using asio::use_awaitable;

asio::awaitable<void> sleep_for(std::chrono::milliseconds d, bool* ended = nullptr) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(as_tuple(use_awaitable));
  if (ended) {
    *ended = true;
  }
}

// Waits on a timer far in the future and records how the wait ended.
struct observed {
  std::optional<boost::system::error_code> ec;
  asio::cancellation_type cancelled = asio::cancellation_type::none;
};

asio::awaitable<void> park(observed& o) {
  asio::steady_timer t(co_await asio::this_coro::executor, 1h);
  auto [ec] = co_await t.async_wait(as_tuple(use_awaitable));
  o.ec = ec;
  o.cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
}

// Tasks are coroutine functions taking references as parameters (a lambda's captures would
// die with the temporary lambda before the task runs).
asio::awaitable<void> slow_to_stop(bool& ended) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer t(ex, 1h);
  co_await t.async_wait(as_tuple(use_awaitable));
  co_await asio::this_coro::reset_cancellation_state();
  asio::steady_timer tidy(ex, 20ms);
  co_await tidy.async_wait(as_tuple(use_awaitable));
  ended = true;
}

asio::awaitable<void> count_after_a_turn(int& ended) {
  co_await asio::post(asio::use_awaitable);
  ++ended;
}

TEST(TaskGroup, WaitCompletesWhenEverySpawnedTaskHasEnded) {
  asio::io_context io;
  async::task_group g(io.get_executor());
  bool a = false;
  bool b = false;
  bool c = false;
  g.spawn("a", sleep_for(10ms, &a));
  g.spawn("b", sleep_for(30ms, &b));
  g.spawn("c", sleep_for(1ms, &c));
  EXPECT_EQ(g.running(), 3U);
  bool waited = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await g.wait();
        waited = a && b && c;
      },
      asio::detached);
  io.run_for(2s);
  EXPECT_TRUE(waited);
  EXPECT_EQ(g.running(), 0U);
  EXPECT_EQ(g.size(), 0U);
}

TEST(TaskGroup, WaitOnAnEmptyGroupCompletesAtOnce) {
  asio::io_context io;
  async::task_group g(io.get_executor());
  bool waited = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await g.wait();
        waited = true;
      },
      asio::detached);
  io.run_for(1s);
  EXPECT_TRUE(waited);
}

TEST(TaskGroup, CancelDeliversTerminalCancellationToEachTasksCurrentOperation) {
  asio::io_context io;
  async::task_group g(io.get_executor());
  observed x;
  observed y;
  g.spawn("x", park(x));
  g.spawn("y", park(y));
  io.run_for(20ms);
  EXPECT_FALSE(x.ec);
  g.cancel();
  const auto t0 = std::chrono::steady_clock::now();
  io.run_for(2s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s) << "the tasks ended at once";
  for (auto* o : {&x, &y}) {
    ASSERT_TRUE(o->ec);
    EXPECT_EQ(*o->ec, asio::error::operation_aborted);
    EXPECT_EQ(o->cancelled, asio::cancellation_type::terminal);
  }
  EXPECT_EQ(g.size(), 0U);
}

TEST(TaskGroup, CancellingOneTaskEndsOnlyThatTask) {
  asio::io_context io;
  async::task_group g(io.get_executor());
  observed x;
  observed y;
  const auto id = g.spawn("x", park(x));
  g.spawn("y", park(y));
  io.run_for(20ms);
  EXPECT_TRUE(g.cancel(id));
  io.run_for(50ms);
  ASSERT_TRUE(x.ec);
  EXPECT_EQ(*x.ec, asio::error::operation_aborted);
  EXPECT_FALSE(y.ec) << "the other task keeps running";
  EXPECT_EQ(g.running(), 1U);
  EXPECT_EQ(g.size(), 1U);
  EXPECT_FALSE(g.cancel(id)) << "a finished task cannot be cancelled again";
  g.cancel();
  io.run_for(1s);
  EXPECT_TRUE(y.ec);
  EXPECT_EQ(g.size(), 0U);
}

TEST(TaskGroup, AThrowingTaskIsReportedCountedAsFinishedAndDoesNotTakeTheProcessDown) {
  asio::io_context io;
  std::vector<std::string> failures;
  async::task_group g(io.get_executor(), [&](std::string_view task, std::string_view error) {
    failures.push_back(std::string(task) + ": " + std::string(error));
  });
  g.spawn("thrower", []() -> asio::awaitable<void> {
    co_await asio::post(asio::use_awaitable);
    throw std::runtime_error("boom");
  }());
  g.spawn("odd thrower", []() -> asio::awaitable<void> {
    co_await asio::post(asio::use_awaitable);
    throw 42;
  }());
  observed x;
  g.spawn("parked", park(x));
  bool waited = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await g.wait();
        waited = true;
      },
      asio::detached);
  EXPECT_NO_THROW(io.run_for(50ms));
  EXPECT_EQ(g.running(), 1U) << "the throwing tasks count as finished";
  ASSERT_EQ(failures.size(), 2U);
  EXPECT_EQ(failures[0], "thrower: boom");
  EXPECT_EQ(failures[1], "odd thrower: unknown exception");
  EXPECT_FALSE(waited);
  g.cancel();
  EXPECT_NO_THROW(io.run_for(1s));
  EXPECT_TRUE(waited);
}

TEST(TaskGroup, ATaskEndedByCancellationIsNotAFailure) {
  asio::io_context io;
  int failures = 0;
  async::task_group g(io.get_executor(), [&](std::string_view, std::string_view) { ++failures; });
  // Without as_tuple the cancelled wait throws operation_aborted out of the task.
  g.spawn("throws aborted", []() -> asio::awaitable<void> {
    asio::steady_timer t(co_await asio::this_coro::executor, 1h);
    co_await t.async_wait(use_awaitable);
  }());
  io.run_for(10ms);
  g.cancel();
  io.run_for(1s);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(g.size(), 0U);
}

TEST(TaskGroup, WaitReturnsEarlyWhenTheWaiterIsCancelled) {
  asio::io_context io;
  async::task_group g(io.get_executor());
  observed x;
  g.spawn("parked", park(x));
  asio::cancellation_signal stop;
  bool returned = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await g.wait();
        returned = true;
      },
      asio::bind_cancellation_slot(stop.slot(), asio::detached));
  io.run_for(10ms);
  stop.emit(asio::cancellation_type::terminal);
  io.run_for(50ms);
  EXPECT_TRUE(returned);
  EXPECT_FALSE(x.ec) << "the group's task is not touched";
  g.cancel();
  io.run_for(1s);
}

TEST(TaskGroup, JoinOrCancelReturnsWhenEveryTaskHasEnded) {
  asio::io_context io;
  async::task_group g(io.get_executor());
  bool a = false;
  g.spawn("a", sleep_for(10ms, &a));
  bool joined = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await g.join_or_cancel();
        joined = a;
      },
      asio::detached);
  io.run_for(2s);
  EXPECT_TRUE(joined);
}

TEST(TaskGroup, JoinOrCancelCancelsTheRemainingTasksWhenTheCallerIsCancelledAndWaitsForThem) {
  asio::io_context io;
  async::task_group g(io.get_executor());
  observed x;
  g.spawn("parked", park(x));
  // A task that needs a moment after its cancellation: join_or_cancel must wait for it.
  bool slow_ended = false;
  g.spawn("slow to stop", slow_to_stop(slow_ended));
  asio::cancellation_signal stop;
  bool joined = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await g.join_or_cancel();
        joined = slow_ended && x.ec.has_value() && g.size() == 0;
      },
      asio::bind_cancellation_slot(stop.slot(), asio::detached));
  io.run_for(10ms);
  EXPECT_FALSE(joined);
  stop.emit(asio::cancellation_type::terminal);
  io.run_for(2s);
  EXPECT_TRUE(joined);
  EXPECT_EQ(x.cancelled, asio::cancellation_type::terminal);
}

TEST(TaskGroup, CancelAndWaitEndsEveryTaskEvenFromACancelledCoroutine) {
  asio::io_context io;
  async::task_group g(io.get_executor());
  observed x;
  g.spawn("parked", park(x));
  asio::cancellation_signal stop;
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await asio::this_coro::throw_if_cancelled(false);
        asio::steady_timer t(co_await asio::this_coro::executor, 1h);
        co_await t.async_wait(as_tuple(use_awaitable));  // ended by `stop`
        co_await g.cancel_and_wait();
        done = x.ec.has_value() && g.size() == 0;
      },
      asio::bind_cancellation_slot(stop.slot(), asio::detached));
  io.run_for(10ms);
  stop.emit(asio::cancellation_type::terminal);
  io.run_for(2s);
  EXPECT_TRUE(done);
}

// A listener spawns one task per connection for as long as it runs: the group must hold
// the tasks that run, not every task it ever ran.
TEST(TaskGroup, FinishedTasksLeaveNoEntryBehind) {
  asio::io_context io;
  async::task_group g(io.get_executor());
  constexpr int tasks = 10000;
  int ended = 0;
  std::size_t largest = 0;
  bool waited = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < tasks; ++i) {
          g.spawn("short", count_after_a_turn(ended));
          largest = std::max(largest, g.size());
          co_await asio::post(asio::use_awaitable);
        }
        co_await g.wait();
        waited = true;
      },
      asio::detached);
  io.run_for(30s);
  ASSERT_TRUE(waited);
  EXPECT_EQ(ended, tasks);
  EXPECT_EQ(g.running(), 0U);
  EXPECT_EQ(g.size(), 0U);
  EXPECT_LE(largest, 4U) << "entries of finished tasks piled up";
}

}  // namespace
