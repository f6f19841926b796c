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

TEST(bridge_metrics, load_gauges_for_autoscalers) {
  bridge::metrics m;
  m.set_children_running(3);
  m.set_load(7, 2);
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE mcp_bridge_requests_in_flight gauge\nmcp_bridge_requests_in_flight 7\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE mcp_bridge_start_queue_depth gauge\nmcp_bridge_start_queue_depth 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE mcp_bridge_children_running gauge\nmcp_bridge_children_running 3\n"), std::string::npos);
}

TEST(bridge_metrics, tool_calls_by_tool_and_outcome_with_a_bounded_label_set) {
  bridge::metrics m;
  m.tool_call("echo", "ok", 0.003);
  m.tool_call("echo", "ok", 0.02);
  m.tool_call("echo", "error", 0.02);
  for (std::size_t i = 0; i < bridge::metrics::max_tools + 10; ++i)
    m.tool_call("t" + std::to_string(i), "ok", 0.001);
  const std::string text = m.render();
  EXPECT_NE(text.find("mcp_bridge_tool_calls_total{tool=\"echo\",outcome=\"ok\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("mcp_bridge_tool_calls_total{tool=\"echo\",outcome=\"error\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mcp_bridge_tool_call_duration_seconds_bucket{tool=\"echo\",le=\"0.005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("mcp_bridge_tool_call_duration_seconds_count{tool=\"echo\"} 3\n"), std::string::npos);
  // echo and the first 63 others have series of their own; the 11 after them are "other".
  EXPECT_NE(text.find("mcp_bridge_tool_calls_total{tool=\"t62\",outcome=\"ok\"} 1\n"), std::string::npos);
  EXPECT_EQ(text.find("tool=\"t63\""), std::string::npos);
  EXPECT_NE(text.find("mcp_bridge_tool_calls_total{tool=\"other\",outcome=\"ok\"} 11\n"), std::string::npos);
}

TEST(bridge_metrics, client_supplied_method_names_cannot_break_the_exposition) {
  bridge::metrics m;
  m.request("evil\"}\nx 1", 400);
  const std::string text = m.render();
  EXPECT_EQ(text.find("evil\""), std::string::npos);
  EXPECT_NE(text.find("method=\"evil_}_x 1\""), std::string::npos);
}

}  // namespace

namespace {

TEST(bridge_metrics, the_session_cap_is_exported_next_to_the_sessions) {
  bridge::metrics m;
  m.set_max_sessions(100);
  m.session_opened();
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE mcp_bridge_max_sessions gauge\nmcp_bridge_max_sessions 100\n"), std::string::npos);
  EXPECT_NE(text.find("mcp_bridge_active_sessions 1\n"), std::string::npos);
}

TEST(bridge_metrics, sources_render_after_the_bridges_own_series_at_each_scrape) {
  bridge::metrics m;
  int up = 0;
  m.add_source([&] {
    return "mcp_gateway_member_up{member=\"" + bridge::metrics::label_value("a\"b") + "\"} " + std::to_string(up) +
           "\n";
  });
  EXPECT_NE(m.render().find("mcp_gateway_member_up{member=\"a_b\"} 0\n"), std::string::npos);
  up = 1;
  const std::string text = m.render();
  EXPECT_NE(text.find("mcp_gateway_member_up{member=\"a_b\"} 1\n"), std::string::npos);
  EXPECT_GT(text.find("mcp_gateway_member_up"), text.find("mcp_bridge_tool_call_duration_seconds"));
}

}  // namespace
