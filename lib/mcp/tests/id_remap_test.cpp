#include "mcp/id_remap.hpp"

#include <gtest/gtest.h>

namespace {

TEST(id_remap, two_sessions_using_the_same_id_get_their_own_answers) {
  mcp::id_remapper m;
  auto a = m.map(1, boost::json::value(1));
  auto b = m.map(2, boost::json::value(1));
  EXPECT_NE(a, b);
  auto ob = m.take(boost::json::value(b));
  ASSERT_TRUE(ob);
  EXPECT_EQ(ob->session, 2u);
  EXPECT_EQ(ob->id, boost::json::value(1));
  auto oa = m.take(boost::json::value(a));
  ASSERT_TRUE(oa);
  EXPECT_EQ(oa->session, 1u);
  EXPECT_EQ(m.in_flight(), 0u);
}

TEST(id_remap, an_answer_is_delivered_once_and_unknown_ids_are_ignored) {
  mcp::id_remapper m;
  auto a = m.map(1, boost::json::value("x"));
  EXPECT_TRUE(m.take(boost::json::value(a)));
  EXPECT_FALSE(m.take(boost::json::value(a)));
  EXPECT_FALSE(m.take(boost::json::value("1")));
  EXPECT_FALSE(m.take(boost::json::value(12345)));
}

TEST(id_remap, finds_the_child_id_of_a_sessions_request_for_cancellation) {
  mcp::id_remapper m;
  auto a = m.map(1, boost::json::value(5));
  auto b = m.map(2, boost::json::value(5));
  EXPECT_EQ(m.find(1, boost::json::value(5)), a);
  EXPECT_EQ(m.find(2, boost::json::value(5)), b);
  EXPECT_FALSE(m.find(1, boost::json::value("5")));
  EXPECT_FALSE(m.find(3, boost::json::value(5)));
}

TEST(id_remap, dropping_a_session_forgets_only_its_requests) {
  mcp::id_remapper m;
  auto a = m.map(1, boost::json::value(1));
  auto b = m.map(2, boost::json::value(1));
  auto dropped = m.drop_session(1);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0], a);
  EXPECT_FALSE(m.take(boost::json::value(a)));
  EXPECT_TRUE(m.take(boost::json::value(b)));
}

}  // namespace
