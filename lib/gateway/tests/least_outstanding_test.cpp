#include "gateway/least_outstanding.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace {
using gateway::upstream_pod;

TEST(LeastOutstanding, TheReadyPodWithTheFewestRequestsOutstandingIsPicked) {
  const std::vector<upstream_pod> pods{{"a", 3, true}, {"b", 1, true}, {"c", 0, false}, {"d", 2, true}};
  gateway::round_robin_cursor cursor;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(gateway::pick_least_outstanding(pods, cursor), 1u);  // c has none but is not ready
  }
}

TEST(LeastOutstanding, TiesRotateInIdOrderWhateverTheOrderOfThePods) {
  std::vector<upstream_pod> pods{{"c", 0, true}, {"a", 0, true}, {"b", 0, true}};
  gateway::round_robin_cursor cursor;
  std::vector<std::string_view> picked;
  for (int i = 0; i < 6; ++i) {
    const auto p = gateway::pick_least_outstanding(pods, cursor);
    ASSERT_TRUE(p);
    picked.push_back(pods[*p].id);
  }
  EXPECT_EQ(picked, (std::vector<std::string_view>{"a", "b", "c", "a", "b", "c"}));
  // The driver rebuilds its list in another order, without b: the rotation goes on after c.
  pods = {{"c", 0, true}, {"a", 0, true}};
  EXPECT_EQ(pods[*gateway::pick_least_outstanding(pods, cursor)].id, "a");
  EXPECT_EQ(pods[*gateway::pick_least_outstanding(pods, cursor)].id, "c");
}

TEST(LeastOutstanding, RequestsSpreadEvenlyWhenTheDriverCountsThem) {
  std::vector<upstream_pod> pods{{"a", 0, true}, {"b", 0, true}, {"c", 0, false}, {"d", 0, true}};
  gateway::round_robin_cursor cursor;
  std::map<std::string_view, int> load;
  for (int i = 0; i < 30; ++i) {
    const auto p = gateway::pick_least_outstanding(pods, cursor);
    ASSERT_TRUE(p);
    ++pods[*p].outstanding;  // requests that never finish: the counts must stay level
    ++load[pods[*p].id];
  }
  EXPECT_EQ(load, (std::map<std::string_view, int>{{"a", 10}, {"b", 10}, {"d", 10}}));
}

TEST(LeastOutstanding, NoPodIsPickedWhenNoneIsReady) {
  const std::vector<upstream_pod> pods{{"a", 0, false}, {"b", 0, false}};
  gateway::round_robin_cursor cursor;
  EXPECT_FALSE(gateway::pick_least_outstanding(pods, cursor));
  EXPECT_FALSE(gateway::pick_least_outstanding({}, cursor));
  EXPECT_TRUE(cursor.last.empty());
}

}  // namespace
