#include <gtest/gtest.h>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "kube/runtime/work_queue.hpp"

namespace kube {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST(WorkQueue, WorkerWaitsForAKeyAndGetsItOnce) {
  asio::io_context io;
  work_queue q(io.get_executor(), "test");
  std::vector<std::string> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        while (auto k = co_await q.get()) {
          got.push_back(k->str());
          q.done(*k);
        }
      },
      asio::detached);
  io.poll();
  EXPECT_TRUE(got.empty());
  q.add({"ns", "a"});
  q.add({"ns", "a"});
  q.add({"ns", "b"});
  io.poll();
  EXPECT_EQ(got, (std::vector<std::string>{"ns/a", "ns/b"}));
  q.shut_down();
  io.run_for(1s);
  EXPECT_TRUE(io.stopped()) << "get() must return nullopt after shut_down";
}

TEST(WorkQueue, ShutDownDrainsQueuedKeysAndRefusesNewOnes) {
  asio::io_context io;
  work_queue q(io.get_executor(), "test");
  q.add({"ns", "a"});
  q.add({"ns", "b"});
  q.shut_down();
  q.add({"ns", "c"});
  std::vector<std::string> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        while (auto k = co_await q.get()) {
          got.push_back(k->str());
          q.done(*k);
        }
      },
      asio::detached);
  io.run_for(1s);
  EXPECT_EQ(got, (std::vector<std::string>{"ns/a", "ns/b"}));
}

TEST(WorkQueue, AddAfterDeliversOnceTheDelayHasPassed) {
  asio::io_context io;
  work_queue q(io.get_executor(), "test");
  auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration waited{};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto k = co_await q.get();
        waited = std::chrono::steady_clock::now() - start;
        q.done(*k);
        q.shut_down();
      },
      asio::detached);
  q.add_after({"ns", "a"}, 30ms);
  io.run_for(2s);
  EXPECT_GE(waited, 30ms);
  EXPECT_LT(waited, 1s);
}

TEST(WorkQueue, ExportsControllerRuntimeMetricNames) {
  asio::io_context io;
  prometheus::Registry reg;
  work_queue q(io.get_executor(), "mcpserver", {}, &reg);
  q.add({"ns", "a"});
  q.add_rate_limited({"ns", "b"});
  auto text = prometheus::TextSerializer().Serialize(reg.Collect());
  EXPECT_NE(text.find("workqueue_depth{controller=\"mcpserver\",name=\"mcpserver\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_adds_total{controller=\"mcpserver\",name=\"mcpserver\"} 1"), std::string::npos);
  EXPECT_NE(text.find("workqueue_retries_total{controller=\"mcpserver\",name=\"mcpserver\"} 1"), std::string::npos);
  EXPECT_NE(text.find("workqueue_queue_duration_seconds_bucket"), std::string::npos);
}

}  // namespace
}  // namespace kube
