// The per-object status gauges the alerts read (config/prometheus/rules.yaml): what a scrape
// of the operator shows for an MCPServer's status, after it changes and after it is deleted.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <boost/json.hpp>

#include "controllers/status_metrics.hpp"

namespace {

namespace json = boost::json;

std::string scrape(prometheus::Registry& r) {
  return prometheus::TextSerializer().Serialize(r.Collect());
}

json::object status(std::string_view phase, std::string_view ready, std::string_view verified) {
  return json::object{{"phase", phase},
                      {"conditions", json::array{json::object{{"type", "Ready"}, {"status", ready}},
                                                 json::object{{"type", "Verified"}, {"status", verified}}}}};
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(StatusMetrics, ExportsTheCurrentConditionsAndPhase) {
  prometheus::Registry r;
  controllers::status_metrics m(&r, "mcpserver");
  m.set("team-a", "github", status("Running", "True", "False"));
  const auto text = scrape(r);
  EXPECT_TRUE(
      has(text,
          R"(mcp_operator_mcpserver_status_condition{name="github",namespace="team-a",status="True",type="Ready"} 1)"))
      << text;
  EXPECT_TRUE(has(
      text,
      R"(mcp_operator_mcpserver_status_condition{name="github",namespace="team-a",status="False",type="Ready"} 0)"));
  EXPECT_TRUE(has(
      text,
      R"(mcp_operator_mcpserver_status_condition{name="github",namespace="team-a",status="False",type="Verified"} 1)"));
  EXPECT_TRUE(has(
      text,
      R"(mcp_operator_mcpserver_status_condition{name="github",namespace="team-a",status="Unknown",type="Verified"} 0)"));
  EXPECT_TRUE(has(text, R"(mcp_operator_mcpserver_status_phase{name="github",namespace="team-a",phase="Running"} 1)"));
}

TEST(StatusMetrics, FollowsAChangedStatusAndDropsADeletedObject) {
  prometheus::Registry r;
  controllers::status_metrics m(&r, "mcpserver");
  m.set("team-a", "github", status("Running", "True", "Unknown"));
  m.set("team-a", "other", status("Running", "True", "True"));
  m.set("team-a", "github",
        json::object{{"phase", "Degraded"},
                     {"conditions", json::array{json::object{{"type", "Degraded"}, {"status", "True"}}}}});
  auto text = scrape(r);
  EXPECT_TRUE(has(text, R"(mcp_operator_mcpserver_status_phase{name="github",namespace="team-a",phase="Degraded"} 1)"))
      << text;
  EXPECT_EQ(text.find(R"(name="github",namespace="team-a",phase="Running")"), std::string::npos) << text;
  EXPECT_EQ(text.find(R"(name="github",namespace="team-a",status="True",type="Ready")"), std::string::npos) << text;
  EXPECT_TRUE(has(
      text,
      R"(mcp_operator_mcpserver_status_condition{name="github",namespace="team-a",status="True",type="Degraded"} 1)"));

  m.erase("team-a", "github");
  text = scrape(r);
  EXPECT_EQ(text.find(R"(name="github")"), std::string::npos) << text;
  EXPECT_TRUE(has(text, R"(mcp_operator_mcpserver_status_phase{name="other",namespace="team-a",phase="Running"} 1)"));
}

TEST(StatusMetrics, NamesTheFamiliesByKind) {
  prometheus::Registry r;
  controllers::status_metrics m(&r, "mcppool");
  m.set("ns", "pool", status("Pending", "False", "Unknown"));
  EXPECT_TRUE(has(scrape(r), R"(mcp_operator_mcppool_status_phase{name="pool",namespace="ns",phase="Pending"} 1)"));
}

TEST(StatusMetrics, WithoutARegistryExportsNothing) {
  controllers::status_metrics m(nullptr, "mcpserver");
  m.set("ns", "a", status("Running", "True", "True"));
  m.erase("ns", "a");
}

}  // namespace
