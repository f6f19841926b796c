#include <gtest/gtest.h>

#include "kube/runtime/event_recorder.hpp"

namespace kube {
namespace {

using namespace std::chrono_literals;

event_spec crash(const std::string& note = "back-off restarting") {
  return {{"apps/v1", "Deployment", "ns", "web", "uid-1"}, "Warning", "BackOff", "Restart", note};
}

TEST(EventSeries, RepeatsWithinTheWindowBecomeOneSeries) {
  event_series_tracker t;
  auto now = std::chrono::system_clock::time_point{} + 1000h;
  auto first = t.observe(crash(), now);
  EXPECT_TRUE(first.create);
  EXPECT_EQ(first.name.rfind("web.", 0), 0u);
  auto second = t.observe(crash(), now + 10s);
  EXPECT_FALSE(second.create);
  EXPECT_EQ(second.name, first.name);
  EXPECT_EQ(second.count, 2);
  EXPECT_EQ(t.observe(crash(), now + 20s).count, 3);
}

TEST(EventSeries, DifferentNoteOrObjectStartsAnotherEvent) {
  event_series_tracker t;
  auto now = std::chrono::system_clock::time_point{} + 1000h;
  auto a = t.observe(crash(), now);
  EXPECT_TRUE(t.observe(crash("other note"), now + 1ns).create);
  auto other = crash();
  other.regarding.uid = "uid-2";
  EXPECT_TRUE(t.observe(other, now + 2ns).create);
  EXPECT_FALSE(t.observe(crash(), now + 3ns).create);
  EXPECT_EQ(t.tracked(), 3u);
  (void)a;
}

TEST(EventSeries, SeriesEndsAfterSixQuietMinutes) {
  event_series_tracker t;
  auto now = std::chrono::system_clock::time_point{} + 1000h;
  auto a = t.observe(crash(), now);
  auto b = t.observe(crash(), now + 5min);
  EXPECT_FALSE(b.create);
  auto c = t.observe(crash(), now + 5min + 6min + 1s);
  EXPECT_TRUE(c.create);
  EXPECT_NE(c.name, a.name);
}

}  // namespace
}  // namespace kube
