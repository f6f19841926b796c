#include <gtest/gtest.h>

#include "trace/ids.hpp"
#include "trace/sampler.hpp"

namespace {

trace::span_context parent(bool sampled) {
  trace::id_generator g(7);
  return {g.new_trace_id(), g.new_span_id(), static_cast<std::uint8_t>(sampled ? trace::flag_sampled : 0)};
}

TEST(Sampler, FollowsTheParentsSampledFlagWhateverTheRatio) {
  trace::id_generator g(1);
  const trace::parent_based_ratio never(0.0), always(1.0);
  EXPECT_TRUE(never.should_sample(parent(true), g.new_trace_id()));
  EXPECT_FALSE(always.should_sample(parent(false), g.new_trace_id()));
}

TEST(Sampler, RootSpansAreSampledAtAboutTheRatioAndDeterministicallyPerTrace) {
  trace::id_generator g(3);
  const trace::parent_based_ratio quarter(0.25);
  int sampled = 0;
  for (int i = 0; i < 20000; ++i) {
    auto id = g.new_trace_id();
    const bool first = quarter.should_sample(std::nullopt, id);
    ASSERT_EQ(first, quarter.should_sample(std::nullopt, id));
    sampled += first ? 1 : 0;
  }
  EXPECT_NEAR(sampled / 20000.0, 0.25, 0.02);
  EXPECT_FALSE(trace::parent_based_ratio(0.0).should_sample(std::nullopt, g.new_trace_id()));
  EXPECT_TRUE(trace::parent_based_ratio(1.0).should_sample(std::nullopt, g.new_trace_id()));
  EXPECT_EQ(trace::parent_based_ratio(7.0).ratio(), 1.0);  // clamped
}

}  // namespace
