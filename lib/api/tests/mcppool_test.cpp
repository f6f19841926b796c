#include "api/mcppool.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "yaml_json.hpp"

namespace {

namespace json = boost::json;

json::value pool(std::string_view spec_yaml, std::string_view name = "tools") {
  json::object o{
      {"apiVersion", "mcp.v2dy.io/v1"},
      {"kind", "MCPPool"},
      {"metadata", json::object{{"name", name}, {"namespace", "team-a"}, {"uid", "p-1"}, {"generation", 2}}}};
  o["spec"] = test_support::yaml_to_json(std::string(spec_yaml));
  return o;
}

TEST(ParseMcpPool, AppliesTheCrdDefaults) {
  auto p = api::parse_mcppool(pool("members: [{name: everything}]"));
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_EQ(p->name, "tools");
  EXPECT_EQ(p->generation, 2);
  EXPECT_EQ(p->spec.port, 8080);
  EXPECT_EQ(p->spec.conflict_resolution, api::conflict_resolution::prefix);
  EXPECT_FALSE(p->spec.replicas.has_value()) << "unset replicas stay unset: a scaler owns them";
  EXPECT_FALSE(p->spec.selector.has_value());
  ASSERT_EQ(p->spec.members.size(), 1U);
  const auto& m = p->spec.members[0];
  EXPECT_TRUE(m.enabled);
  EXPECT_FALSE(m.remote());
  EXPECT_EQ(m.server_name(), "everything") << "a member without server or url is the MCPServer of its name";
  EXPECT_EQ(m.prefix(), "everything_");
  EXPECT_EQ(api::validate(*p), "");
}

TEST(ParseMcpPool, ReadsEveryMemberSetting) {
  auto p = api::parse_mcppool(pool(R"(
selector: {matchLabels: {pool: tools}}
conflictResolution: priority
replicas: 2
members:
- name: mem
  server: memory-server
  toolPrefix: ""
  include: ["read_*", "search?"]
  exclude: [read_secret]
- name: remote
  url: https://mcp.example.com/mcp
  bearerTokenSecretRef: {name: remote-token, key: token}
  enabled: false
)"));
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_EQ(p->spec.conflict_resolution, api::conflict_resolution::priority);
  EXPECT_EQ(p->spec.replicas, 2);
  ASSERT_TRUE(p->spec.selector.has_value());
  EXPECT_EQ(p->spec.selector->at("matchLabels").at("pool").as_string(), "tools");
  ASSERT_EQ(p->spec.members.size(), 2U);
  const auto& mem = p->spec.members[0];
  EXPECT_EQ(mem.server_name(), "memory-server");
  EXPECT_EQ(mem.prefix(), "") << "an empty prefix is a prefix, not unset";
  EXPECT_EQ(mem.include, (std::vector<std::string>{"read_*", "search?"}));
  EXPECT_EQ(mem.exclude, (std::vector<std::string>{"read_secret"}));
  const auto& remote = p->spec.members[1];
  EXPECT_TRUE(remote.remote());
  EXPECT_FALSE(remote.enabled);
  ASSERT_TRUE(remote.bearer_token.has_value());
  EXPECT_EQ(remote.bearer_token->name, "remote-token");
  EXPECT_EQ(remote.bearer_token->key, "token");
  EXPECT_EQ(api::validate(*p), "");
}

TEST(ParseMcpPool, WrongTypesNameTheField) {
  auto p = api::parse_mcppool(pool("members: [{name: a}, {name: b, include: read}]"));
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message, "spec.members[1].include must be a list of strings");
  p = api::parse_mcppool(pool("members: [{name: a}]\nconflictResolution: loudest"));
  ASSERT_FALSE(p.has_value());
  EXPECT_NE(p.error().message.find("prefix or priority"), std::string::npos);
  p = api::parse_mcppool(pool("members: [{name: a, bearerTokenSecretRef: {name: 3}}]"));
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message, "spec.members[0].bearerTokenSecretRef.name must be a string");
}

// The CRD's CEL rules, checked again for objects stored under an older CRD.
TEST(ValidateMcpPool, RefusesWhatTheCrdRefusesWithTheFix) {
  struct bad {
    const char* spec;
    const char* says;
  };
  for (const bad& b : std::initializer_list<bad>{
           {"port: 8080", "a pool needs members"},
           {"members: [{name: a, server: s, url: 'http://x/mcp'}]", "not both"},
           {"members: [{name: a, bearerTokenSecretRef: {name: s, key: k}}]", "remote members only"},
           {"members: [{name: a, url: 'ftp://x'}]", "http:// or https://"},
           {"members: [{name: a, url: 'https://user@x/mcp'}]", "without user info"},
           {"members: [{name: a}, {name: a}]", "listed twice"},
           {"members: [{name: A}]", "DNS-1123"},
           {"members: [{name: 1abc}]", "not a valid MCPServer name"},
           {"members: [{name: a}]\nport: 0", "spec.port"},
       }) {
    auto p = api::parse_mcppool(pool(b.spec));
    ASSERT_TRUE(p.has_value()) << b.spec << ": " << p.error().message;
    EXPECT_NE(api::validate(*p).find(b.says), std::string::npos) << b.spec << " -> " << api::validate(*p);
  }
  auto long_name = api::parse_mcppool(pool("members: [{name: a}]", std::string(56, 'a')));
  ASSERT_TRUE(long_name.has_value());
  EXPECT_NE(api::validate(*long_name).find("at most 55"), std::string::npos);
}

}  // namespace
