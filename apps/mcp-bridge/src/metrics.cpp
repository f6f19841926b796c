#include "metrics.hpp"

#include <charconv>

namespace bridge {
namespace {

// Shortest text that round-trips, so bucket bounds read "0.0025", not "0.0025000000000000001".
std::string num(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, end);
}

}  // namespace

// Method names come from clients: keep label values printable and bounded so a hostile
// client cannot inflate the exposition or break its syntax.
std::string metrics::label_value(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      out.push_back('_');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void metrics::request(const std::string& method, unsigned status) {
  // Unknown methods are folded together so the label set stays bounded.
  if (requests_.size() > 256 && !requests_.contains({method, status})) {
    ++requests_[{"other", status}];
    return;
  }
  ++requests_[{method, status}];
}

void metrics::histogram::observe(double seconds) {
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (seconds <= buckets[i]) {
      ++counts[i];
    }
  }
  ++count;
  sum += seconds;
}

void metrics::rpc_latency(const std::string& method, double seconds) {
  auto it = latency_.find(method);
  if (it == latency_.end()) {
    it = latency_.try_emplace(latency_.size() > 256 ? std::string("other") : method).first;
  }
  it->second.observe(seconds);
}

void metrics::tool_call(const std::string& tool, const std::string& outcome, double seconds) {
  auto it = tools_.find(tool);
  if (it == tools_.end()) {
    it = tools_.try_emplace(tools_.size() >= max_tools ? std::string("other") : tool).first;
  }
  it->second.latency.observe(seconds);
  auto& outcomes = it->second.outcomes;
  auto n = outcomes.find(outcome);
  if (n == outcomes.end()) {
    n = outcomes.try_emplace(outcome, 0).first;
  }
  ++n->second;
}

std::string metrics::render() const {
  std::string out;
  out += "# HELP mcp_bridge_active_sessions MCP sessions currently open.\n# TYPE mcp_bridge_active_sessions gauge\n";
  out += "mcp_bridge_active_sessions " + std::to_string(active_sessions_) + "\n";
  out += "# HELP mcp_bridge_max_sessions Sessions served at once (--max-sessions); more get 503.\n";
  out += "# TYPE mcp_bridge_max_sessions gauge\nmcp_bridge_max_sessions " + std::to_string(max_sessions_) + "\n";
  out += "# HELP mcp_bridge_warm_children Started children waiting in the warm pool.\n";
  out += "# TYPE mcp_bridge_warm_children gauge\nmcp_bridge_warm_children " + std::to_string(warm_children_) + "\n";
  out += "# HELP mcp_bridge_children_started_total Child processes started.\n";
  out += "# TYPE mcp_bridge_children_started_total counter\n";
  out += "mcp_bridge_children_started_total " + std::to_string(children_started_) + "\n";
  out += "# HELP mcp_bridge_children_crashed_total Child processes that exited while serving a session.\n";
  out += "# TYPE mcp_bridge_children_crashed_total counter\n";
  out += "mcp_bridge_children_crashed_total " + std::to_string(children_crashed_) + "\n";
  out += "# HELP mcp_bridge_child_stdout_lines_dropped_total Child stdout lines that were not JSON-RPC.\n";
  out += "# TYPE mcp_bridge_child_stdout_lines_dropped_total counter\n";
  out += "mcp_bridge_child_stdout_lines_dropped_total " + std::to_string(child_lines_dropped_) + "\n";
  out += "# HELP mcp_bridge_children_starting Children started that have not spoken yet.\n";
  out += "# TYPE mcp_bridge_children_starting gauge\nmcp_bridge_children_starting " +
         std::to_string(children_starting_) + "\n";
  out +=
      "# HELP mcp_bridge_children_running Children the bridge started that have not exited yet (pool, sessions, "
      "stateless).\n";
  out += "# TYPE mcp_bridge_children_running gauge\nmcp_bridge_children_running " + std::to_string(children_running_) +
         "\n";
  out += "# HELP mcp_bridge_requests_in_flight JSON-RPC requests forwarded and not answered yet.\n";
  out +=
      "# TYPE mcp_bridge_requests_in_flight gauge\nmcp_bridge_requests_in_flight " + std::to_string(in_flight_) + "\n";
  out += "# HELP mcp_bridge_start_queue_depth New sessions waiting for a child start slot (--max-starting).\n";
  out +=
      "# TYPE mcp_bridge_start_queue_depth gauge\nmcp_bridge_start_queue_depth " + std::to_string(start_queue_) + "\n";
  out += "# HELP mcp_bridge_open_connections HTTP connections open now.\n";
  out += "# TYPE mcp_bridge_open_connections gauge\nmcp_bridge_open_connections " + std::to_string(open_connections_) +
         "\n";
  out += "# HELP mcp_bridge_connections_refused_total Connections refused over --max-connections.\n";
  out += "# TYPE mcp_bridge_connections_refused_total counter\nmcp_bridge_connections_refused_total " +
         std::to_string(connections_refused_) + "\n";
  out +=
      "# HELP mcp_bridge_clients_dropped_total Connections dropped for not reading (write timeout, stream buffer "
      "full).\n";
  out += "# TYPE mcp_bridge_clients_dropped_total counter\nmcp_bridge_clients_dropped_total " +
         std::to_string(clients_dropped_) + "\n";
  out += "# HELP mcp_bridge_orphans_reaped_total Exited descendants the bridge did not start (reparented to it).\n";
  out += "# TYPE mcp_bridge_orphans_reaped_total counter\n";
  out += "mcp_bridge_orphans_reaped_total " + std::to_string(orphans_reaped_) + "\n";
  out += "# HELP mcp_bridge_requests_total HTTP requests by JSON-RPC method and HTTP status.\n";
  out += "# TYPE mcp_bridge_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "mcp_bridge_requests_total{method=\"" + label_value(key.first) + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP mcp_bridge_request_duration_seconds Time from a JSON-RPC request to its response.\n";
  out += "# TYPE mcp_bridge_request_duration_seconds histogram\n";
  for (const auto& [method, h] : latency_) {
    const std::string m = "method=\"" + label_value(method) + "\"";
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      out += "mcp_bridge_request_duration_seconds_bucket{" + m + ",le=\"" + num(buckets[i]) + "\"} " +
             std::to_string(h.counts[i]) + "\n";
    }
    out += "mcp_bridge_request_duration_seconds_bucket{" + m + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "mcp_bridge_request_duration_seconds_sum{" + m + "} " + num(h.sum) + "\n";
    out += "mcp_bridge_request_duration_seconds_count{" + m + "} " + std::to_string(h.count) + "\n";
  }
  out += "# HELP mcp_bridge_tool_calls_total Answered tools/call requests by tool and outcome.\n";
  out += "# TYPE mcp_bridge_tool_calls_total counter\n";
  for (const auto& [tool, series] : tools_) {
    for (const auto& [outcome, n] : series.outcomes) {
      out += "mcp_bridge_tool_calls_total{tool=\"" + label_value(tool) + "\",outcome=\"" + outcome + "\"} " +
             std::to_string(n) + "\n";
    }
  }
  out += "# HELP mcp_bridge_tool_call_duration_seconds Time from a tools/call request to its answer, by tool.\n";
  out += "# TYPE mcp_bridge_tool_call_duration_seconds histogram\n";
  for (const auto& [tool, series] : tools_) {
    const auto& h = series.latency;
    const std::string t = "tool=\"" + label_value(tool) + "\"";
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      out += "mcp_bridge_tool_call_duration_seconds_bucket{" + t + ",le=\"" + num(buckets[i]) + "\"} " +
             std::to_string(h.counts[i]) + "\n";
    }
    out += "mcp_bridge_tool_call_duration_seconds_bucket{" + t + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "mcp_bridge_tool_call_duration_seconds_sum{" + t + "} " + num(h.sum) + "\n";
    out += "mcp_bridge_tool_call_duration_seconds_count{" + t + "} " + std::to_string(h.count) + "\n";
  }
  for (const auto& source : sources_) {
    out += source();
  }
  return out;
}

}  // namespace bridge
