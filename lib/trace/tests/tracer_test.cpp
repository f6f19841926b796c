#include <gtest/gtest.h>

#include "trace/tracer.hpp"

namespace {

TEST(Tracer, DisabledStartsNothing) {
  trace::tracer off;
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.start(std::nullopt, trace::span_kind::server, 1));
}

TEST(Tracer, ChildSpansContinueTheParentsTrace) {
  trace::tracer t({true, 1.0}, 42);
  auto p = trace::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  auto s = t.start(p, trace::span_kind::server, 5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->context.trace, p->trace);
  EXPECT_EQ(s->parent, p->span);
  EXPECT_NE(s->context.span, p->span);
  EXPECT_TRUE(trace::recording(s));
  auto c = t.start(s->context, trace::span_kind::client, 6);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->context.trace, p->trace);
  EXPECT_EQ(c->parent, s->context.span);
}

TEST(Tracer, AnUnsampledParentIsNotRecordedButItsContextTravels) {
  trace::tracer t({true, 1.0}, 42);
  auto p = trace::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  auto s = t.start(p, trace::span_kind::server, 5);
  ASSERT_TRUE(s);
  EXPECT_FALSE(trace::recording(s));
  EXPECT_EQ(trace::format_traceparent(s->context).substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
}

TEST(Tracer, RootSpansStartNewTraces) {
  trace::tracer t({true, 1.0}, 42);
  auto a = t.start(std::nullopt, trace::span_kind::server, 1);
  auto b = t.start(std::nullopt, trace::span_kind::server, 1);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->context.trace, b->context.trace);
  EXPECT_FALSE(a->parent.valid());
}

}  // namespace
