#include "metrics.hpp"

#include <gtest/gtest.h>

namespace {

TEST(bridge_metrics, renders_sessions_requests_and_latency_histograms) {
  bridge::metrics m;
  m.session_opened();
  m.session_opened();
  m.session_closed();
  m.child_started();
  m.request("tools/call", 200);
  m.request("tools/call", 200);
  m.rpc_latency("tools/call", 0.003);
  const std::string text = m.render();
  EXPECT_NE(text.find("mcp_bridge_active_sessions 1\n"), std::string::npos);
  EXPECT_NE(text.find("mcp_bridge_children_started_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("mcp_bridge_requests_total{method=\"tools/call\",status=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("mcp_bridge_request_duration_seconds_bucket{method=\"tools/call\",le=\"0.0025\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("mcp_bridge_request_duration_seconds_bucket{method=\"tools/call\",le=\"0.005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("mcp_bridge_request_duration_seconds_count{method=\"tools/call\"} 1\n"), std::string::npos);
}

TEST(bridge_metrics, client_supplied_method_names_cannot_break_the_exposition) {
  bridge::metrics m;
  m.request("evil\"}\nx 1", 400);
  const std::string text = m.render();
  EXPECT_EQ(text.find("evil\""), std::string::npos);
  EXPECT_NE(text.find("method=\"evil_}_x 1\""), std::string::npos);
}

}  // namespace
