// The CRD in config/crd/bases is the source of truth: the operator must understand every
// field it serves, and must not read a field the CRD does not have.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>

#include "api/mcpserver.hpp"
#include "yaml_json.hpp"

namespace {

namespace json = boost::json;

json::object schema_properties(std::string_view which) {
  auto docs =
      test_support::load_yaml_documents(std::string(MCP_SOURCE_DIR) + "/config/crd/bases/mcp.v2dy.io_mcpservers.yaml");
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

}  // namespace
