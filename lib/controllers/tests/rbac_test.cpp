// config/rbac/role.yaml grants exactly what the controller uses: nothing missing (the operator
// would hit Forbidden), nothing extra (least privilege).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>
#include <tuple>

#include "controllers/mcpserver_controller.hpp"
#include "yaml_json.hpp"

namespace {

using triple = std::tuple<std::string, std::string, std::string>;

TEST(Rbac, RoleMatchesWhatTheControllerUses) {
  auto docs = test_support::load_yaml_documents(std::string(MCP_SOURCE_DIR) + "/config/rbac/role.yaml");
  ASSERT_EQ(docs.size(), 1U);
  std::set<triple> granted;
  for (const auto& rule : docs[0].at("rules").as_array()) {
    for (const auto& g : rule.at("apiGroups").as_array()) {
      for (const auto& r : rule.at("resources").as_array()) {
        for (const auto& v : rule.at("verbs").as_array()) {
          granted.emplace(std::string(g.as_string()), std::string(r.as_string()), std::string(v.as_string()));
        }
      }
    }
  }
  std::set<triple> used;
  for (const auto& p : controllers::mcpserver_controller::required_permissions()) {
    used.emplace(std::string(p.group), std::string(p.resource), std::string(p.verb));
  }
  EXPECT_EQ(granted, used);
}

}  // namespace
