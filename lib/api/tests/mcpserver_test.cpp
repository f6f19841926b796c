#include "api/mcpserver.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "yaml_json.hpp"

namespace {

namespace json = boost::json;

json::value object(std::string_view spec_yaml, std::string_view name = "demo") {
  json::object o{
      {"apiVersion", "mcp.v2dy.io/v1"},
      {"kind", "MCPServer"},
      {"metadata", json::object{{"name", name}, {"namespace", "team-a"}, {"uid", "u-1"}, {"generation", 4}}}};
  o["spec"] = test_support::yaml_to_json(std::string(spec_yaml));
  return o;
}

TEST(ParseMcpServer, AppliesTheCrdDefaults) {
  auto s = api::parse_mcpserver(object("image: x/y:1"));
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->name, "demo");
  EXPECT_EQ(s->namespace_, "team-a");
  EXPECT_EQ(s->generation, 4);
  EXPECT_EQ(s->spec.port, 3000);
  EXPECT_EQ(s->spec.protocol, api::protocol::http);
  EXPECT_EQ(s->spec.path, "/mcp");
  EXPECT_FALSE(s->spec.replicas.has_value()) << "unset replicas must stay unset: a scaler owns them";
  EXPECT_EQ(s->spec.bridge.mode, api::session_mode::per_session);
  EXPECT_EQ(s->spec.bridge.warm_pool_size, 1);
  EXPECT_FALSE(s->spec.automount_service_account_token);
}

TEST(ParseMcpServer, ReadsEveryAdrSample) {
  for (const char* file : {"mcp_v1_mcpserver.yaml", "mcp_v1_mcpserver_sendgrid.yaml", "mcp_v1_mcpserver_stdio.yaml"}) {
    auto docs = test_support::load_yaml_documents(std::string(MCP_SOURCE_DIR) + "/config/samples/" + file);
    ASSERT_EQ(docs.size(), 1U) << file;
    auto s = api::parse_mcpserver(docs[0]);
    ASSERT_TRUE(s.has_value()) << file << ": " << s.error().message;
    EXPECT_EQ(api::validate(*s), "") << file;
  }
}

TEST(ParseMcpServer, KeepsPassThroughFieldsVerbatim) {
  auto s = api::parse_mcpserver(object(R"(
image: x/y:1
replicas: 2
env: [{name: API_KEY, valueFrom: {secretKeyRef: {name: mcp-secrets, key: api-key}}}]
resources: {limits: {memory: 128Mi}}
stateless: true
)"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->spec.replicas, 2);
  EXPECT_TRUE(s->spec.stateless);
  EXPECT_EQ(json::serialize(s->spec.env),
            R"([{"name":"API_KEY","valueFrom":{"secretKeyRef":{"name":"mcp-secrets","key":"api-key"}}}])");
  EXPECT_EQ(json::serialize(s->spec.resources), R"({"limits":{"memory":"128Mi"}})");
}

TEST(ParseMcpServer, WrongTypesNameTheField) {
  auto bad_port = api::parse_mcpserver(object("{image: x, port: high}"));
  ASSERT_FALSE(bad_port.has_value());
  EXPECT_EQ(bad_port.error().message, "spec.port must be an integer");
  auto bad_cmd = api::parse_mcpserver(object("{image: x, command: [1, 2]}"));
  ASSERT_FALSE(bad_cmd.has_value());
  EXPECT_EQ(bad_cmd.error().message, "spec.command must be a list of strings");
  auto bad_mode =
      api::parse_mcpserver(object("{image: x, protocol: stdio, command: [a], bridge: {sessionMode: pooled}}"));
  ASSERT_FALSE(bad_mode.has_value());
  EXPECT_EQ(bad_mode.error().message, "spec.bridge.sessionMode must be per-session or shared");
  auto no_spec = api::parse_mcpserver(json::parse(R"({"metadata":{"name":"x"}})"));
  ASSERT_FALSE(no_spec.has_value());
  EXPECT_NE(no_spec.error().message.find("spec.image"), std::string::npos);
}

TEST(ParseMcpServer, ReadsTracingAndRefusesABadOne) {
  auto none = api::parse_mcpserver(object("image: x"));
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->spec.tracing);
  auto o = object("image: x\nobservability:\n  tracing: {endpoint: 'http://10.0.0.9:4318/v1/traces'}");
  o.at("spec").at("observability").at("tracing").as_object()["sampleRatio"] = 0.25;  // the YAML helper reads no floats
  auto s = api::parse_mcpserver(o);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  ASSERT_TRUE(s->spec.tracing);
  EXPECT_TRUE(s->spec.tracing->enabled);
  EXPECT_EQ(s->spec.tracing->endpoint, "http://10.0.0.9:4318/v1/traces");
  EXPECT_EQ(s->spec.tracing->sample_ratio, 0.25);
  auto off = api::parse_mcpserver(object("image: x\nobservability: {tracing: {enabled: false}}"));
  ASSERT_TRUE(off.has_value());
  EXPECT_FALSE(off->spec.tracing->enabled);
  for (const char* bad : {"image: x\nobservability: {tracing: {endpoint: 'https://c:4318/v1/traces'}}",
                          "image: x\nobservability: {tracing: {sampleRatio: 2}}",
                          "image: x\nobservability: {tracing: {sampleRatio: high}}"}) {
    auto r = api::parse_mcpserver(object(bad));
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().message.find("spec.observability.tracing."), std::string::npos) << r.error().message;
  }
}

TEST(ValidateMcpServer, StdioNeedsACommand) {
  auto s = api::parse_mcpserver(object("{image: x, protocol: stdio}"));
  ASSERT_TRUE(s.has_value());
  EXPECT_NE(api::validate(*s).find("spec.command is required"), std::string::npos);
}

TEST(ValidateMcpServer, NameMustBeAServiceName) {
  auto s = api::parse_mcpserver(object("{image: x}", "My.Server"));
  ASSERT_TRUE(s.has_value());
  EXPECT_NE(api::validate(*s).find("DNS-1035"), std::string::npos);
}

}  // namespace
