// config/rbac/role.yaml grants exactly what the controllers (MCPServer, MCPPool) use: nothing missing (the operator
// would hit Forbidden), nothing extra (least privilege).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <set>
#include <tuple>

#include "controllers/mcppool_controller.hpp"
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
  // The permissions are derived from the kinds the controller declares (what it owns and
  // watches, its status writer, events); building it opens no connection.
  boost::asio::io_context io;
  kube::config cfg;
  cfg.host = "127.0.0.1";
  cfg.port = "1";
  auto http = kube::client::create(io.get_executor(), cfg);
  ASSERT_TRUE(http) << http.error().describe();
  controllers::mcpserver_controller ctrl(*http, controllers::controller_settings{}, nullptr, {}, {});
  controllers::mcppool_controller pools(*http, controllers::pool_controller_settings{}, nullptr, {});
  std::set<triple> used;
  for (const auto& p : ctrl.permissions()) {
    used.emplace(p.group, p.resource, p.verb);
  }
  for (const auto& p : pools.permissions()) {
    used.emplace(p.group, p.resource, p.verb);
  }
  EXPECT_EQ(granted, used);
}

}  // namespace
