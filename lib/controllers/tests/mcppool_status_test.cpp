#include "controllers/mcppool_status.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "yaml_json.hpp"

namespace {

namespace json = boost::json;
using controllers::member_state;

api::mcppool pool(std::string_view spec_yaml) {
  json::object o{
      {"metadata", json::object{{"name", "tools"}, {"namespace", "team-a"}, {"uid", "uid-p"}, {"generation", 3}}}};
  o["spec"] = test_support::yaml_to_json(std::string(spec_yaml));
  auto p = api::parse_mcppool(o);
  EXPECT_TRUE(p.has_value());
  return *p;
}

controllers::pool_render_options options() {
  controllers::pool_render_options o;
  o.gateway_image = "mcp-gateway:test";
  return o;
}

json::object deployment(int desired, int ready) {
  return json::parse(R"({"metadata":{"generation":1},"spec":{"replicas":)" + std::to_string(desired) +
                     R"(},"status":{"observedGeneration":1,"replicas":)" + std::to_string(desired) +
                     R"(,"updatedReplicas":)" + std::to_string(desired) + R"(,"readyReplicas":)" +
                     std::to_string(ready) + "}}")
      .as_object();
}

json::object server(std::string_view phase, std::string_view ready_message = "") {
  return json::
      parse(std::string(R"({"metadata":{"name":"s"},"status":{"phase":")") + std::string(phase) +
            R"(","url":"http://s.team-a.svc.cluster.local:3000/mcp","conditions":[{"type":"Ready","status":"False","message":")" +
            std::string(ready_message) + R"("}]}})")
          .as_object();
}

const json::object& condition(const json::object& st, std::string_view type) {
  for (const auto& c : st.at("conditions").as_array()) {
    if (c.at("type").as_string() == type)
      return c.as_object();
  }
  static json::object none;
  ADD_FAILURE() << "no condition " << type;
  return none;
}

TEST(PoolStatus, MembersTakeTheirReadinessFromTheirMCPServers) {
  const auto p = pool("members: [{name: a}, {name: b}, {name: c, server: gone}]");
  const auto running = server("Running");
  const auto starting = server("Progressing", "0/1 replicas ready");
  controllers::pool_observed obs;
  obs.verification_off = true;
  const auto d = deployment(1, 1);
  obs.deployment = &d;
  obs.members.push_back(controllers::member_from_server(p.spec.members[0], &running));
  obs.members.push_back(controllers::member_from_server(p.spec.members[1], &starting));
  obs.members.push_back(controllers::member_from_server(p.spec.members[2], nullptr));
  auto st = controllers::compute_pool_status(p, options(), obs, {}, "2026-12-02T10:00:00Z");
  EXPECT_EQ(st.at("phase").as_string(), "Degraded");
  EXPECT_EQ(st.at("readyMembers").as_string(), "1/3");
  EXPECT_EQ(st.at("ready").as_string(), "1/1");
  EXPECT_EQ(st.at("url").as_string(), "http://tools.team-a.svc.cluster.local:8080/mcp");
  EXPECT_EQ(st.at("selector").as_string(), "app.kubernetes.io/name=mcp-gateway,app.kubernetes.io/instance=tools");
  const auto& members = st.at("members").as_array();
  ASSERT_EQ(members.size(), 3U);
  EXPECT_EQ(members[0].at("url").as_string(), "http://s.team-a.svc.cluster.local:3000/mcp");
  EXPECT_TRUE(members[0].at("ready").as_bool());
  EXPECT_EQ(members[1].at("lastError").as_string(), "MCPServer b is Progressing: 0/1 replicas ready");
  EXPECT_EQ(members[2].at("server").as_string(), "gone");
  EXPECT_EQ(members[2].at("lastError").as_string(), "MCPServer gone not found");
  const auto& degraded = condition(st, "Degraded");
  EXPECT_EQ(degraded.at("status").as_string(), "True");
  const std::string msg(degraded.at("message").as_string());
  EXPECT_NE(msg.find("c: MCPServer gone not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("b: MCPServer b is Progressing"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("a:"), std::string::npos) << "a ready member is not named: " << msg;
  EXPECT_EQ(condition(st, "Ready").at("status").as_string(), "True") << "the gateway serves the others";
  EXPECT_EQ(condition(st, "Verified").at("reason").as_string(), "VerificationOff");
  EXPECT_EQ(st.at("observedGeneration").as_int64(), 3);
}

TEST(PoolStatus, RunningOnceGatewayAndEveryMemberAreReady) {
  const auto p = pool("members: [{name: a}, {name: docs, url: 'https://mcp.example.com/mcp'}]");
  const auto running = server("Running");
  controllers::pool_observed obs;
  const auto d = deployment(2, 2);
  obs.deployment = &d;
  obs.members.push_back(controllers::member_from_server(p.spec.members[0], &running));
  obs.members.push_back(controllers::member_from_server(p.spec.members[1], nullptr));
  auto st = controllers::compute_pool_status(p, options(), obs, {}, "now");
  EXPECT_EQ(st.at("phase").as_string(), "Running") << "a remote member unknown without the gateway fails nothing";
  EXPECT_EQ(st.at("readyMembers").as_string(), "1/2");
  EXPECT_FALSE(st.at("members").at(1).as_object().contains("ready"));
  EXPECT_EQ(st.at("members").at(1).at("url").as_string(), "https://mcp.example.com/mcp");
  EXPECT_EQ(condition(st, "Verified").at("reason").as_string(), "NotVerifiedYet");
}

TEST(PoolStatus, PendingUntilAGatewayPodIsReady) {
  const auto p = pool("members: [{name: a}]");
  const auto running = server("Running");
  controllers::pool_observed obs;
  obs.members.push_back(controllers::member_from_server(p.spec.members[0], &running));
  auto none = controllers::compute_pool_status(p, options(), obs, {}, "now");
  EXPECT_EQ(none.at("phase").as_string(), "Pending");
  EXPECT_EQ(condition(none, "Ready").at("reason").as_string(), "DeploymentMissing");
  const auto d = deployment(1, 0);
  obs.deployment = &d;
  EXPECT_EQ(controllers::compute_pool_status(p, options(), obs, {}, "now").at("phase").as_string(), "Pending");
}

TEST(PoolStatus, FailedSpecSaysWhy) {
  const auto p = pool("members: [{name: a}]");
  controllers::pool_observed obs;
  obs.render_error = "an MCPPool needs the mcp-gateway image, but the operator runs without --gateway-image";
  auto st = controllers::compute_pool_status(p, options(), obs, {}, "now");
  EXPECT_EQ(st.at("phase").as_string(), "Failed");
  EXPECT_EQ(condition(st, "Ready").at("message").as_string(), obs.render_error);
  EXPECT_FALSE(st.contains("url"));
}

TEST(PoolStatus, GatewayViewOverridesAndIsBounded) {
  const auto p = pool("members: [{name: a}, {name: b}]");
  const auto running = server("Running");
  controllers::pool_observed obs;
  const auto d = deployment(1, 1);
  obs.deployment = &d;
  obs.members.push_back(controllers::member_from_server(p.spec.members[0], &running));
  obs.members.push_back(controllers::member_from_server(p.spec.members[1], &running));
  json::array tools;
  for (int i = 0; i < 100; ++i)
    tools.emplace_back("t" + std::to_string(i));
  json::array conflicts;
  for (int i = 0; i < 40; ++i)
    conflicts.push_back(json::object{{"name", "echo"}, {"kind", "tool"}, {"kept", "a"}, {"dropped", json::array{"b"}}});
  json::object report{{"pool", "tools"},
                      {"generation", 3},
                      {"members", json::array{json::object{{"name", "a"},
                                                           {"server", "s"},
                                                           {"ready", false},
                                                           {"toolCount", 0},
                                                           {"lastError", std::string(5000, 'x')}},
                                              json::object{{"name", "b"}, {"ready", true}, {"toolCount", 12}},
                                              json::object{{"name", "intruder"}, {"ready", true}}}},
                      {"toolCount", 100},
                      {"tools", tools},
                      {"conflicts", conflicts}};
  obs.report = controllers::parse_pool_report(json::serialize(report));
  ASSERT_TRUE(obs.report);
  auto st = controllers::compute_pool_status(p, options(), obs, {}, "now");
  const auto& members = st.at("members").as_array();
  ASSERT_EQ(members.size(), 2U) << "only the members the spec chose";
  EXPECT_FALSE(members[0].at("ready").as_bool());
  EXPECT_LE(members[0].at("lastError").as_string().size(), controllers::max_member_error);
  EXPECT_EQ(members[1].at("toolCount").as_int64(), 12);
  EXPECT_EQ(st.at("toolCount").as_int64(), 100);
  EXPECT_EQ(st.at("tools").as_array().size(), 64U);
  EXPECT_EQ(st.at("conflicts").as_array().size(), 32U);
  EXPECT_EQ(st.at("phase").as_string(), "Degraded");
  // Without a report the last one's tools stay.
  obs.report.reset();
  auto later = controllers::compute_pool_status(p, options(), obs, st, "now");
  EXPECT_EQ(later.at("toolCount").as_int64(), 100);
}

TEST(PoolStatus, HostileReportsAreRefusedOrCut) {
  EXPECT_FALSE(controllers::parse_pool_report("not json"));
  EXPECT_FALSE(controllers::parse_pool_report("[1,2]"));
  auto r = controllers::parse_pool_report(R"({"members":"x","tools":[1,{"a":2},"ok"],"toolCount":-5,)"
                                          R"("conflicts":[{"name":7,"dropped":"x"}]})");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->members.empty());
  EXPECT_EQ(r->tools, (std::vector<std::string>{"ok"}));
  EXPECT_EQ(r->tool_count, 0);
  ASSERT_EQ(r->conflicts.size(), 1U);
  EXPECT_EQ(r->conflicts[0].at("name").as_string(), "");
}

}  // namespace
