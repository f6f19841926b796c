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

}  // namespace
