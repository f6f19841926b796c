#include <gtest/gtest.h>

#include "trace/span_queue.hpp"

namespace {

using namespace std::chrono_literals;

TEST(SpanQueue, DropsAndCountsWhenFullAndBatchesFromTheFront) {
  trace::span_queue q(3);
  for (int i = 0; i < 5; ++i) {
    trace::span s;
    s.name = std::to_string(i);
    EXPECT_EQ(q.push(std::move(s)), i < 3);
  }
  EXPECT_EQ(q.dropped(), 2U);
  auto batch = q.take(2);
  ASSERT_EQ(batch.size(), 2U);
  EXPECT_EQ(batch[0].name, "0");
  EXPECT_EQ(batch[1].name, "1");
  EXPECT_EQ(q.size(), 1U);
  EXPECT_EQ(q.take(10).size(), 1U);
  EXPECT_TRUE(q.empty());
}

TEST(RetryPolicy, RetriesOnlyThrottlingAndUnavailableWithBackoff) {
  const trace::retry_policy p;
  EXPECT_EQ(p.after(1, 503), 500ms);
  EXPECT_EQ(p.after(2, 429), 1000ms);
  EXPECT_EQ(p.after(3, 503), 2000ms);
  EXPECT_FALSE(p.after(4, 503));  // out of attempts
  EXPECT_FALSE(p.after(1, 200));
  EXPECT_FALSE(p.after(1, 400));
  EXPECT_FALSE(p.after(1, 0));  // nobody answered: the next batch tries again
  trace::retry_policy capped{100ms, 300ms, 10};
  EXPECT_EQ(capped.after(9, 503), 300ms);
}

}  // namespace
