#include <gtest/gtest.h>

#include "kube/core/token_bucket.hpp"

namespace kube {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, BurstIsFreeThenRequestsAreSpacedByQps) {
  auto t0 = token_bucket::clock::time_point{};
  token_bucket b(10, 3, t0);
  EXPECT_EQ(b.reserve(t0), 0ns);
  EXPECT_EQ(b.reserve(t0), 0ns);
  EXPECT_EQ(b.reserve(t0), 0ns);
  EXPECT_EQ(b.reserve(t0), 100ms);
  EXPECT_EQ(b.reserve(t0), 200ms);  // waiters queue behind each other
  // After a long idle period only `burst` tokens accumulate.
  auto later = t0 + 10s;
  EXPECT_EQ(b.reserve(later), 0ns);
  EXPECT_EQ(b.reserve(later), 0ns);
  EXPECT_EQ(b.reserve(later), 0ns);
  EXPECT_GT(b.reserve(later), 0ns);
}

TEST(TokenBucket, NonPositiveQpsDisablesTheLimit) {
  token_bucket b(0, 0, {});
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(b.reserve({}), 0ns);
  }
}

}  // namespace
}  // namespace kube
