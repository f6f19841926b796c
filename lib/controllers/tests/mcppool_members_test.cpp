#include "controllers/mcppool_members.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "yaml_json.hpp"

namespace {

namespace json = boost::json;

api::mcppool pool(std::string_view spec_yaml) {
  json::object o{
      {"metadata", json::object{{"name", "tools"}, {"namespace", "team-a"}, {"uid", "uid-p"}, {"generation", 1}}}};
  o["spec"] = test_support::yaml_to_json(std::string(spec_yaml));
  auto p = api::parse_mcppool(o);
  EXPECT_TRUE(p.has_value());
  return *p;
}

json::object server(std::string_view name, json::object labels = {}) {
  return json::object{
      {"metadata", json::object{{"name", name}, {"namespace", "team-a"}, {"labels", std::move(labels)}}}};
}

std::vector<std::string> names(const controllers::pool_members& m) {
  std::vector<std::string> out;
  for (const auto& x : m.members)
    out.push_back(x.name);
  return out;
}

TEST(PoolMembers, ListedFirstInOrderThenSelectedByName) {
  const auto p = pool(R"(
selector: {matchLabels: {pool: tools}}
members:
- name: zeta
- name: docs
  url: https://mcp.example.com/mcp
- name: alpha
)");
  const auto c = server("charlie", {{"pool", "tools"}});
  const auto b = server("bravo", {{"pool", "tools"}});
  const auto other = server("other", {{"pool", "else"}});
  const auto bare = server("bare");
  auto m = controllers::choose_members(p, {&c, &other, &b, &bare});
  EXPECT_EQ(m.selector_error, "");
  EXPECT_EQ(names(m), (std::vector<std::string>{"zeta", "docs", "alpha", "bravo", "charlie"}));
  EXPECT_EQ(m.members[3].prefix(), "bravo_") << "a selected server gets default settings";
  EXPECT_FALSE(m.members[3].remote());
}

TEST(PoolMembers, ListedAndSelectedServerKeepsItsListedEntryOnce) {
  const auto p = pool(R"(
selector: {matchLabels: {pool: tools}}
members:
- name: mem
  server: memory
  toolPrefix: m_
  include: ["read_*"]
)");
  const auto memory = server("memory", {{"pool", "tools"}});
  const auto other = server("other", {{"pool", "tools"}});
  auto m = controllers::choose_members(p, {&other, &memory});
  ASSERT_EQ(names(m), (std::vector<std::string>{"mem", "other"}));
  EXPECT_EQ(m.members[0].server_name(), "memory");
  EXPECT_EQ(m.members[0].prefix(), "m_");
  EXPECT_EQ(m.members[0].include, (std::vector<std::string>{"read_*"}));
}

TEST(PoolMembers, SelectedServerNamedLikeAListedMemberIsLeftOut) {
  const auto p = pool(R"(
selector: {matchLabels: {pool: tools}}
members: [{name: docs, url: "https://mcp.example.com/mcp"}]
)");
  const auto docs = server("docs", {{"pool", "tools"}});
  EXPECT_EQ(names(controllers::choose_members(p, {&docs})), (std::vector<std::string>{"docs"}));
  EXPECT_TRUE(controllers::choose_members(p, {&docs}).members[0].remote());
}

TEST(PoolMembers, WithoutSelectorOnlyListedMembersJoin) {
  const auto p = pool("members: [{name: a}]");
  const auto b = server("b", {{"pool", "tools"}});
  EXPECT_EQ(names(controllers::choose_members(p, {&b})), (std::vector<std::string>{"a"}));
}

TEST(PoolMembers, EmptySelectorSelectsEveryServer) {
  const auto p = pool("selector: {}");
  const auto b = server("b");
  const auto a = server("a", {{"x", "y"}});
  EXPECT_EQ(names(controllers::choose_members(p, {&b, &a})), (std::vector<std::string>{"a", "b"}));
}

TEST(PoolMembers, MatchExpressionsFollowTheApiserversSemantics) {
  const auto p = pool(R"(
selector:
  matchLabels: {team: a}
  matchExpressions:
  - {key: tier, operator: In, values: [gold, silver]}
  - {key: env, operator: NotIn, values: [dev]}
  - {key: owner, operator: Exists}
  - {key: legacy, operator: DoesNotExist}
)");
  const auto ok = server("ok", {{"team", "a"}, {"tier", "gold"}, {"owner", "x"}});
  const auto ok_env = server("ok-env", {{"team", "a"}, {"tier", "silver"}, {"owner", "x"}, {"env", "prod"}});
  const auto wrong_team = server("wrong-team", {{"team", "b"}, {"tier", "gold"}, {"owner", "x"}});
  const auto bronze = server("bronze", {{"team", "a"}, {"tier", "bronze"}, {"owner", "x"}});
  const auto no_tier = server("no-tier", {{"team", "a"}, {"owner", "x"}});
  const auto dev = server("dev", {{"team", "a"}, {"tier", "gold"}, {"owner", "x"}, {"env", "dev"}});
  const auto no_owner = server("no-owner", {{"team", "a"}, {"tier", "gold"}});
  const auto legacy = server("legacy", {{"team", "a"}, {"tier", "gold"}, {"owner", "x"}, {"legacy", ""}});
  auto m = controllers::choose_members(p, {&ok, &ok_env, &wrong_team, &bronze, &no_tier, &dev, &no_owner, &legacy});
  EXPECT_EQ(m.selector_error, "");
  EXPECT_EQ(names(m), (std::vector<std::string>{"ok", "ok-env"}));
}

TEST(PoolMembers, InvalidSelectorSelectsNothingAndSaysWhy) {
  const auto p = pool(R"(
selector: {matchExpressions: [{key: tier, operator: Near, values: [x]}]}
members: [{name: a}]
)");
  auto m = controllers::choose_members(p, {});
  EXPECT_NE(m.selector_error.find("'Near' is not one of In, NotIn, Exists, DoesNotExist"), std::string::npos)
      << m.selector_error;
  EXPECT_EQ(names(m), (std::vector<std::string>{"a"})) << "listed members stay";
  const auto no_values = pool("selector: {matchExpressions: [{key: tier, operator: In}]}");
  EXPECT_NE(controllers::choose_members(no_values, {}).selector_error.find("needs values"), std::string::npos);
}

TEST(PoolMembers, PoolWantsItsListedAndSelectedServersOnly) {
  const auto p = pool(R"(
selector: {matchLabels: {pool: tools}}
members:
- {name: mem, server: memory}
- {name: docs, url: "https://mcp.example.com/mcp"}
)");
  EXPECT_TRUE(controllers::pool_wants(p, server("memory")));
  EXPECT_TRUE(controllers::pool_wants(p, server("x", {{"pool", "tools"}})));
  EXPECT_FALSE(controllers::pool_wants(p, server("mem"))) << "a member name is not a server name";
  EXPECT_FALSE(controllers::pool_wants(p, server("docs"))) << "a remote member is no MCPServer";
  EXPECT_FALSE(controllers::pool_wants(p, server("x", {{"pool", "other"}})));
}

}  // namespace
