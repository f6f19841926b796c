#include <gtest/gtest.h>

#include <set>

#include "trace/context.hpp"
#include "trace/ids.hpp"

namespace {

constexpr std::string_view example = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(Traceparent, ParsesTheSpecExampleAndFormatsItBack) {
  auto c = trace::parse_traceparent(example);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->trace.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->span.hex(), "00f067aa0ba902b7");
  EXPECT_TRUE(c->sampled());
  EXPECT_EQ(trace::format_traceparent(*c), example);
}

TEST(Traceparent, NotSampledFlagIsKept) {
  auto c = trace::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->sampled());
  EXPECT_EQ(trace::format_traceparent(*c).substr(53), "00");
}

TEST(Traceparent, RejectsZeroIdsUppercaseBadVersionsAndBadLengths) {
  for (std::string_view bad : {
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 has no extra fields
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",     // short trace id
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",    // not hex
           "",
       }) {
    EXPECT_FALSE(trace::parse_traceparent(bad)) << bad;
  }
}

TEST(Traceparent, LaterVersionsAreReadByTheirFirstFourFields) {
  auto c = trace::parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever");
  ASSERT_TRUE(c);
  EXPECT_EQ(trace::format_traceparent(*c), example);  // passed on as version 00
  EXPECT_FALSE(trace::parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
}

TEST(Tracestate, WellFormedListsPassMalformedOnesAreDropped) {
  EXPECT_EQ(trace::valid_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_TRUE(trace::valid_tracestate("tenant@system=1, other=2"));
  EXPECT_FALSE(trace::valid_tracestate("Upper=1"));
  EXPECT_FALSE(trace::valid_tracestate("novalue"));
  EXPECT_FALSE(trace::valid_tracestate("k=a,b"));
  EXPECT_FALSE(trace::valid_tracestate(""));
  std::string many;
  for (int i = 0; i < 33; ++i) {
    many += (i ? "," : "") + std::string("k") + std::to_string(i) + "=v";
  }
  EXPECT_FALSE(trace::valid_tracestate(many));
  EXPECT_FALSE(trace::valid_tracestate(std::string(513, 'a')));
}

TEST(Ids, AreNeverZeroAndDoNotRepeat) {
  trace::id_generator g(0);  // seed 0 still gives a non-zero state through splitmix64
  std::set<std::string> traces, spans;
  for (int i = 0; i < 10000; ++i) {
    auto t = g.new_trace_id();
    auto s = g.new_span_id();
    ASSERT_TRUE(t.valid());
    ASSERT_TRUE(s.valid());
    traces.insert(t.hex());
    spans.insert(s.hex());
  }
  EXPECT_EQ(traces.size(), 10000U);
  EXPECT_EQ(spans.size(), 10000U);
}

TEST(Ids, TwoProcessSeededGeneratorsDiffer) {
  trace::id_generator a, b;
  EXPECT_NE(a.new_trace_id(), b.new_trace_id());
}

}  // namespace
