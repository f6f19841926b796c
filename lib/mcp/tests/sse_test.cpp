#include "mcp/sse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::vector<mcp::sse::event> parse_split(const std::string& wire, std::size_t split, std::size_t max = 1024) {
  mcp::sse::parser p(max);
  p.feed(std::string_view(wire).substr(0, split));
  p.feed(std::string_view(wire).substr(split));
  std::vector<mcp::sse::event> out;
  mcp::sse::event e;
  while (p.next(e)) {
    out.push_back(e);
  }
  return out;
}

TEST(sse, encoded_events_parse_back_identically_at_every_split) {
  const std::string data = "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}";
  const std::string multi = "line1\nline2\r\nline3";
  const std::string wire =
      mcp::sse::encode(data, "1-1") + mcp::sse::encode_comment("keepalive") + mcp::sse::encode(multi, "1-2", "message");
  for (std::size_t split = 0; split <= wire.size(); ++split) {
    auto events = parse_split(wire, split);
    ASSERT_EQ(events.size(), 2u) << "split at " << split;
    EXPECT_EQ(events[0].data, data);
    EXPECT_EQ(events[0].id, "1-1");
    EXPECT_EQ(events[1].data, "line1\nline2\nline3");
    EXPECT_EQ(events[1].id, "1-2");
    EXPECT_EQ(events[1].type, "message");
  }
}

TEST(sse, accepts_cr_and_crlf_line_ends_split_between_feeds) {
  const std::string wire = "event: endpoint\r\ndata: /message?sessionId=abc\r\r\ndata:x\r\n\r\n";
  for (std::size_t split = 0; split <= wire.size(); ++split) {
    auto events = parse_split(wire, split);
    ASSERT_EQ(events.size(), 2u) << "split at " << split;
    EXPECT_EQ(events[0].type, "endpoint");
    EXPECT_EQ(events[0].data, "/message?sessionId=abc");
    EXPECT_EQ(events[1].type, "message");
    EXPECT_EQ(events[1].data, "x");
  }
}

TEST(sse, priming_event_sets_id_and_retry_without_dispatching) {
  mcp::sse::parser p(1024);
  p.feed(mcp::sse::encode_priming("7-1", 500));
  mcp::sse::event e;
  EXPECT_FALSE(p.next(e));
  EXPECT_EQ(p.last_event_id(), "7-1");
  ASSERT_TRUE(p.retry_ms());
  EXPECT_EQ(*p.retry_ms(), 500u);
}

TEST(sse, an_oversize_event_is_dropped_and_the_next_one_parses) {
  mcp::sse::parser p(16);
  p.feed("data: " + std::string(100, 'x') + "\n\n");
  p.feed("data: ok\n\n");
  mcp::sse::event e;
  ASSERT_TRUE(p.next(e));
  EXPECT_EQ(e.data, "ok");
  EXPECT_FALSE(p.next(e));
  EXPECT_EQ(p.dropped(), 1u);
}

TEST(sse, ignores_unknown_fields_and_ids_with_nul) {
  mcp::sse::parser p(1024);
  p.feed(std::string("id: good\nfoo: bar\ndata: a\n\nid: b\0d\ndata: b\n\n", 44));
  mcp::sse::event e;
  ASSERT_TRUE(p.next(e));
  EXPECT_EQ(e.id, "good");
  ASSERT_TRUE(p.next(e));
  EXPECT_EQ(e.id, "good");
}

// The answer that OOM-killed an operator: one 2 MiB id line, then 200,000 tiny events. The
// id is ignored (it is never copied into the events), every event still arrives.
TEST(sse, a_huge_id_line_is_ignored_and_never_copied_into_the_events_after_it) {
  mcp::sse::parser p(4U << 20U);
  p.feed("id: first\ndata: a\n\n");
  p.feed("id: " + std::string(2U << 20U, 'i') + "\n");
  std::string tiny;
  for (int i = 0; i < 1000; ++i) {
    tiny += "data: x\n\n";
  }
  std::size_t events = 0;
  mcp::sse::event e;
  for (int round = 0; round < 200; ++round) {
    p.feed(tiny);
    while (p.next(e)) {
      ++events;
      ASSERT_LE(e.id.size(), mcp::sse::default_max_id);
    }
  }
  EXPECT_EQ(events, 1U + 200000U);
  EXPECT_EQ(p.last_event_id(), "first");
  EXPECT_EQ(p.ids_ignored(), 1U);
}

TEST(sse, an_id_up_to_the_limit_is_kept_and_one_byte_more_is_ignored) {
  mcp::sse::parser p(1024, 8);
  p.feed("id: 12345678\ndata: a\n\nid: 123456789\ndata: b\n\n");
  mcp::sse::event e;
  ASSERT_TRUE(p.next(e));
  EXPECT_EQ(e.id, "12345678");
  ASSERT_TRUE(p.next(e));
  EXPECT_EQ(e.id, "12345678");
  EXPECT_EQ(p.ids_ignored(), 1U);
}

TEST(sse, events_beyond_the_queue_limit_are_discarded_and_counted_until_drained) {
  mcp::sse::parser p(1024, 256, 100);
  std::string wire;
  for (int i = 0; i < 5000; ++i) {
    wire += "data: " + std::to_string(i) + "\n\n";
  }
  p.feed(wire);
  mcp::sse::event e;
  std::size_t n = 0;
  while (p.next(e)) {
    EXPECT_EQ(e.data, std::to_string(n));
    ++n;
  }
  EXPECT_EQ(n, 100U);
  EXPECT_EQ(p.overflowed(), 4900U);
  p.feed("data: after\n\n");
  ASSERT_TRUE(p.next(e));
  EXPECT_EQ(e.data, "after");
}

TEST(sse, a_line_cut_at_the_event_limit_is_not_applied) {
  mcp::sse::parser p(16);
  p.feed("id: " + std::string(40, 'z') + "\ndata: dropped\n\ndata: next\n\n");
  mcp::sse::event e;
  ASSERT_TRUE(p.next(e));
  EXPECT_EQ(e.data, "next");
  EXPECT_EQ(e.id, "");  // not a 12-byte prefix of the cut id
  EXPECT_EQ(p.dropped(), 1U);
}

}  // namespace
