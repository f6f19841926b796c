#include "duration_flag.hpp"

#include <gtest/gtest.h>

namespace {

using mcp_operator::parse_duration;
using std::chrono::seconds;

TEST(DurationFlag, GoStyleUnitsAndZero) {
  EXPECT_EQ(parse_duration("24h"), seconds(86400));
  EXPECT_EQ(parse_duration("1h30m"), seconds(5400));
  EXPECT_EQ(parse_duration("90s"), seconds(90));
  EXPECT_EQ(parse_duration("5m"), seconds(300));
  EXPECT_EQ(parse_duration("0"), seconds(0));
  EXPECT_EQ(parse_duration("0s"), seconds(0));
}

TEST(DurationFlag, TyposAreRefusedNotTakenAsNever) {
  for (const char* bad : {"", "24", "h", "1d", "-1h", "1.5h", "10x", "1h ", "9999999h", "99999999999999999999s"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

}  // namespace
