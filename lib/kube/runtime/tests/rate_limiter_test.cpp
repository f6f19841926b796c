#include <gtest/gtest.h>

#include "kube/runtime/rate_limiter.hpp"

namespace kube {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, PerItemBackoffDoublesFromFiveMillisecondsAndForgetResets) {
  auto t = rate_limiter::clock::time_point{};
  rate_limiter rl({}, t);
  const object_key k{"ns", "a"};
  EXPECT_EQ(rl.when(k, t), 5ms);
  EXPECT_EQ(rl.when(k, t), 10ms);
  EXPECT_EQ(rl.when(k, t), 20ms);
  EXPECT_EQ(rl.retries(k), 3u);
  rl.forget(k);
  EXPECT_EQ(rl.retries(k), 0u);
  EXPECT_EQ(rl.when(k, t), 5ms);
}

TEST(RateLimiter, PerItemBackoffIsCappedAtOneThousandSeconds) {
  auto t = rate_limiter::clock::time_point{};
  rate_limiter rl({}, t);
  const object_key k{"ns", "a"};
  std::chrono::nanoseconds last{};
  for (int i = 0; i < 60; ++i) {
    last = rl.when(k, t);
  }
  EXPECT_EQ(last, 1000s);
}

TEST(RateLimiter, OverallBucketPacesManyFailingKeysAfterTheBurst) {
  auto t = rate_limiter::clock::time_point{};
  rate_limiter rl({}, t);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(rl.when({"ns", "k" + std::to_string(i)}, t), 5ms);
  }
  // The 101st distinct key waits for the 10 qps bucket, not its own 5 ms.
  EXPECT_EQ(rl.when({"ns", "k100"}, t), 100ms);
  EXPECT_EQ(rl.when({"ns", "k101"}, t), 200ms);
}

}  // namespace
}  // namespace kube
