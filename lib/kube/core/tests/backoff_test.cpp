#include <gtest/gtest.h>

#include "kube/core/backoff.hpp"

namespace kube {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, DoublesFromPointEightSecondsAndCapsAtThirty) {
  backoff b({}, [] { return 0.0; });  // no jitter
  EXPECT_EQ(b.next(), 800ms);
  EXPECT_EQ(b.next(), 1600ms);
  EXPECT_EQ(b.next(), 3200ms);
  EXPECT_EQ(b.next(), 6400ms);
  EXPECT_EQ(b.next(), 12800ms);
  EXPECT_EQ(b.next(), 25600ms);
  EXPECT_EQ(b.next(), 30s);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(b.next(), 30s);
  }
}

TEST(Backoff, JitterStretchesUpToDoubleButNeverPastTheCap) {
  backoff b({}, [] { return 0.999; });
  auto first = b.next();
  EXPECT_GT(first, 1500ms);
  EXPECT_LT(first, 1600ms);
  for (int i = 0; i < 10; ++i) {
    EXPECT_LE(b.next(), 30s);
  }
}

TEST(Backoff, ResetStartsOver) {
  backoff b({}, [] { return 0.0; });
  (void)b.next();
  (void)b.next();
  b.reset();
  EXPECT_EQ(b.attempts(), 0u);
  EXPECT_EQ(b.next(), 800ms);
}

TEST(Backoff, DefaultRandomSourceStaysWithinBounds) {
  backoff b;
  auto d = b.next();
  EXPECT_GE(d, 800ms);
  EXPECT_LT(d, 1600ms);
}

}  // namespace
}  // namespace kube
