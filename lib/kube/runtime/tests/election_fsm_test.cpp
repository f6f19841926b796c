#include <gtest/gtest.h>

#include "kube/runtime/leader_election.hpp"

namespace kube {
namespace {

using namespace std::chrono_literals;
using steady = election_fsm::clock;

const auto wall = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50);

lease_record held_by(const std::string& who, const std::string& renew = "t0", std::int64_t transitions = 0) {
  return {who, 15, "a0", renew, transitions};
}

TEST(ElectionFsm, CreatesTheLeaseWhenThereIsNone) {
  election_fsm f("me", {});
  auto t = steady::time_point{} + 1h;
  auto r = f.try_acquire(std::nullopt, t, wall);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->holder, "me");
  EXPECT_EQ(r->lease_duration_seconds, 15);
  EXPECT_EQ(r->transitions, 0);
  EXPECT_FALSE(f.leading(t)) << "not leading until the write succeeded";
  f.on_written(*r, t);
  EXPECT_TRUE(f.leading(t));
}

TEST(ElectionFsm, LiveLeaseOfAnotherHolderIsRespectedUntilUnchangedForLeaseDurationOnOurClock) {
  election_fsm f("me", {});
  auto t = steady::time_point{} + 1h;
  EXPECT_FALSE(f.try_acquire(held_by("other"), t, wall));
  EXPECT_FALSE(f.try_acquire(held_by("other"), t + 14s, wall));
  // The holder renewed (record changed): the 15 s start over from when we saw it.
  EXPECT_FALSE(f.try_acquire(held_by("other", "t1"), t + 14s, wall));
  EXPECT_FALSE(f.try_acquire(held_by("other", "t1"), t + 28s, wall));
  auto r = f.try_acquire(held_by("other", "t1"), t + 29s, wall);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->holder, "me");
  EXPECT_EQ(r->transitions, 1);
  EXPECT_EQ(r->acquire_time, r->renew_time);
}

TEST(ElectionFsm, RenewalKeepsAcquireTimeAndTransitions) {
  election_fsm f("me", {});
  auto t = steady::time_point{} + 1h;
  auto r = f.try_acquire(held_by("me", "t0", 3), t, wall);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->acquire_time, "a0");
  EXPECT_EQ(r->transitions, 3);
}

TEST(ElectionFsm, ReleasedLeaseIsTakenAtOnce) {
  election_fsm f("me", {});
  auto t = steady::time_point{} + 1h;
  EXPECT_TRUE(f.try_acquire(held_by(""), t, wall));
}

TEST(ElectionFsm, StopsLeadingWhenRenewalsFailForTheRenewDeadline) {
  election_fsm f("me", {});
  auto t = steady::time_point{} + 1h;
  auto r = f.try_acquire(std::nullopt, t, wall);
  f.on_written(*r, t);
  EXPECT_TRUE(f.leading(t + 9s));
  EXPECT_FALSE(f.leading(t + 10s)) << "must stop before another candidate may take over at 15 s";
}

TEST(ElectionFsm, ReleaseEmptiesTheHolder) {
  election_fsm f("me", {});
  auto t = steady::time_point{} + 1h;
  f.on_written(*f.try_acquire(std::nullopt, t, wall), t);
  auto rel = f.release(wall);
  EXPECT_TRUE(rel.holder.empty());
  EXPECT_EQ(rel.lease_duration_seconds, 1);
}

TEST(MicroTime, FormatsRfc3339WithMicroseconds) {
  auto t = std::chrono::system_clock::time_point{} + std::chrono::seconds(1700000000) + std::chrono::microseconds(42);
  EXPECT_EQ(micro_time(t), "2023-11-14T22:13:20.000042Z");
}

}  // namespace
}  // namespace kube
