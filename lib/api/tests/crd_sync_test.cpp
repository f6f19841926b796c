// The CRD in config/crd/bases is the source of truth: the operator must understand every
// field it serves, and must not read a field the CRD does not have.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>

#include "api/mcppool.hpp"
#include "api/mcpserver.hpp"
#include "yaml_json.hpp"

namespace {

namespace json = boost::json;

json::object schema_properties(std::string_view which, std::string_view plural = "mcpservers") {
  auto docs = test_support::load_yaml_documents(std::string(MCP_SOURCE_DIR) + "/config/crd/bases/mcp.v2dy.io_" +
                                                std::string(plural) + ".yaml");
  const auto& version = docs.at(0).at("spec").at("versions").at(0);
  return version.at("schema").at("openAPIV3Schema").at("properties").at(which).at("properties").as_object();
}

std::set<std::string> keys(const json::object& o) {
  std::set<std::string> out;
  for (const auto& kv : o)
    out.emplace(kv.key());
  return out;
}

std::set<std::string> names(const std::vector<std::string_view>& v) {
  return {v.begin(), v.end()};
}

TEST(CrdInStep, SpecFieldsMatchTheCrd) {
  EXPECT_EQ(keys(schema_properties("spec")), names(api::known_spec_fields()));
}

TEST(CrdInStep, StatusFieldsMatchTheCrd) {
  EXPECT_EQ(keys(schema_properties("status")), names(api::known_status_fields()));
}

TEST(CrdInStep, DefaultsMatchTheCrd) {
  auto spec = schema_properties("spec");
  api::mcpserver_spec defaults;
  EXPECT_EQ(spec.at("port").at("default").to_number<std::int32_t>(), defaults.port);
  EXPECT_EQ(spec.at("path").at("default").as_string(), defaults.path);
  EXPECT_EQ(spec.at("protocol").at("default").as_string(), api::to_string(defaults.protocol));
}

TEST(CrdInStep, PoolFieldsMatchTheCrd) {
  EXPECT_EQ(keys(schema_properties("spec", api::pool_plural)), names(api::known_pool_spec_fields()));
  EXPECT_EQ(keys(schema_properties("status", api::pool_plural)), names(api::known_pool_status_fields()));
}

TEST(CrdInStep, PoolDefaultsMatchTheCrd) {
  auto spec = schema_properties("spec", api::pool_plural);
  api::mcppool_spec defaults;
  api::pool_member member;
  EXPECT_EQ(spec.at("port").at("default").to_number<std::int32_t>(), defaults.port);
  EXPECT_EQ(spec.at("conflictResolution").at("default").as_string(), api::to_string(defaults.conflict_resolution));
  EXPECT_EQ(spec.at("members").at("items").at("properties").at("enabled").at("default").as_bool(), member.enabled);
}

// The `restricted` Pod Security Standard allows only these inline volume types (the pinned
// release's k8s.io/pod-security-admission, check restrictedVolumes); the CRD's rule on
// spec.volumes must refuse every other type the Volume schema has, including ones a newer
// pinned release adds.
TEST(CrdInStep, VolumeRuleRefusesEveryTypeTheRestrictedProfileForbids) {
  const auto spec = schema_properties("spec");
  const auto& items = spec.at("volumes").at("items").as_object();
  const std::set<std::string> allowed = {"configMap", "csi",   "downwardAPI",           "emptyDir",
                                         "ephemeral", "image", "persistentVolumeClaim", "projected",
                                         "secret"};
  const auto& rules = items.at("x-kubernetes-validations").as_array();
  ASSERT_EQ(rules.size(), 1U);
  const std::string rule(rules.at(0).at("rule").as_string());
  const std::string message(rules.at(0).at("messageExpression").as_string());
  std::size_t forbidden = 0;
  for (const auto& type : keys(items.at("properties").as_object())) {
    if (type == "name")
      continue;
    const std::string check = "!has(self." + type + ")";
    const bool refused = rule.find(check) != std::string::npos;
    EXPECT_EQ(refused, !allowed.contains(type)) << type;
    if (!allowed.contains(type)) {
      ++forbidden;
      EXPECT_NE(message.find("has(self." + type + ") ? '" + type + "'"), std::string::npos) << type;
    }
  }
  EXPECT_GE(forbidden, 21U);
}

}  // namespace
