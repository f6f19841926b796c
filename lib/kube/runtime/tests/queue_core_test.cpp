#include <gtest/gtest.h>

#include "kube/runtime/queue_core.hpp"

namespace kube {
namespace {

using namespace std::chrono_literals;
using clock_t_ = queue_core::clock;
const object_key a{"ns", "a"};
const object_key b{"ns", "b"};

TEST(QueueCore, DuplicateAddsAreQueuedOnce) {
  queue_core q;
  auto t = clock_t_::time_point{};
  EXPECT_TRUE(q.add(a, t));
  EXPECT_FALSE(q.add(a, t));
  q.add(b, t);
  EXPECT_EQ(q.depth(), 2u);
  EXPECT_EQ(q.pop(t)->key, a);
  EXPECT_EQ(q.pop(t)->key, b);
  EXPECT_FALSE(q.pop(t));
}

TEST(QueueCore, KeyBeingProcessedIsNotHandedOutAgainButItsReaddIsKept) {
  queue_core q;
  auto t = clock_t_::time_point{};
  q.add(a, t);
  ASSERT_EQ(q.pop(t)->key, a);
  q.add(a, t);  // changed while reconciling
  EXPECT_FALSE(q.pop(t)) << "a second worker must not get the key being processed";
  q.done(a);
  auto again = q.pop(t);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->key, a);
  q.done(a);
  EXPECT_FALSE(q.pop(t));
}

TEST(QueueCore, AddAtWaitsUntilDueAndKeepsTheEarliestTime) {
  queue_core q;
  auto t = clock_t_::time_point{} + 1h;
  q.add_at(a, t + 10s, t);
  q.add_at(a, t + 5s, t);
  q.add_at(a, t + 20s, t);
  EXPECT_EQ(q.waiting(), 1u);
  EXPECT_EQ(q.next_due(), t + 5s);
  EXPECT_FALSE(q.pop(t + 4s));
  auto p = q.pop(t + 5s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key, a);
  EXPECT_EQ(q.waiting(), 0u);
}

TEST(QueueCore, DueDelayedKeyMergesWithAQueuedOne) {
  queue_core q;
  auto t = clock_t_::time_point{} + 1h;
  q.add(a, t);
  q.add_at(a, t + 1s, t);
  EXPECT_EQ(q.pop(t + 2s)->key, a);
  EXPECT_FALSE(q.pop(t + 2s));
}

TEST(QueueCore, PopReportsHowLongTheKeyWaited) {
  queue_core q;
  auto t = clock_t_::time_point{} + 1h;
  q.add(a, t);
  q.add(a, t + 3s);
  auto p = q.pop(t + 5s);
  EXPECT_EQ(p->queued_at, t);
}

}  // namespace
}  // namespace kube
