#include "mcp/replay_buffer.hpp"

#include <gtest/gtest.h>

#include "mcp/error.hpp"

namespace {

TEST(replay_buffer, resumes_a_stream_after_the_last_seen_event) {
  mcp::replay_buffer b(16, 1 << 20);
  auto a1 = b.append(1, "a1");
  b.append(2, "b1");
  b.append(1, "a2");
  b.append(1, "a3");
  auto r = b.after(a1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stream, 1u);
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(r->events[0].data, "a2");
  EXPECT_EQ(r->events[1].data, "a3");
}

TEST(replay_buffer, refuses_to_resume_across_evicted_events) {
  mcp::replay_buffer b(2, 1 << 20);
  auto a1 = b.append(1, "a1");
  b.append(1, "a2");
  b.append(1, "a3");  // evicts a1
  b.append(1, "a4");  // evicts a2: resuming after a1 would skip a2
  auto r = b.after(a1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), mcp::error::unknown_event_id);
}

TEST(replay_buffer, eviction_of_other_streams_does_not_block_resumption) {
  mcp::replay_buffer b(2, 1 << 20);
  b.append(2, "b1");
  auto a1 = b.append(1, "a1");
  b.append(2, "b2");  // evicts b1
  auto r = b.after(a1);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->events.empty());
}

TEST(replay_buffer, is_bounded_by_bytes) {
  mcp::replay_buffer b(1000, 10);
  for (int i = 0; i < 100; ++i) {
    b.append(1, "12345");
  }
  EXPECT_LE(b.bytes(), 10u);
  EXPECT_EQ(b.size(), 2u);
}

TEST(replay_buffer, rejects_malformed_and_future_ids) {
  mcp::replay_buffer b(4, 1024);
  b.append(1, "x");
  for (const char* bad : {"", "1", "-1", "1-", "a-1", "1-99", "1-1-1"}) {
    EXPECT_FALSE(b.after(bad)) << bad;
  }
}

}  // namespace
