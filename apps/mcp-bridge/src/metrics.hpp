// The bridge's Prometheus metrics, rendered in text exposition format 0.0.4. Its own small
// registry rather than prometheus-cpp: the bridge links fully static and prometheus-cpp is
// installed only as a shared library. Single-threaded by design: everything runs on the
// bridge's one io_context thread, so there are no atomics or locks.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bridge {

class metrics {
 public:
  void session_opened() { ++active_sessions_; }
  void session_closed() { --active_sessions_; }
  void child_started() { ++children_started_; }
  void child_crashed() { ++children_crashed_; }
  void child_line_dropped() { ++child_lines_dropped_; }
  void orphan_reaped() { ++orphans_reaped_; }
  void set_warm_children(std::int64_t n) { warm_children_ = n; }
  void set_children_starting(std::int64_t n) { children_starting_ = n; }
  void connection_opened() { ++open_connections_; }
  void connection_closed() { --open_connections_; }
  void connection_refused() { ++connections_refused_; }
  void client_dropped() { ++clients_dropped_; }
  void set_children_running(std::int64_t n) { children_running_ = n; }
  // --max-sessions: the cap mcp_bridge_active_sessions is compared with (alerts near it).
  void set_max_sessions(std::int64_t n) { max_sessions_ = n; }
  // More series, rendered after the bridge's own at each scrape (mcp-gateway's members). A
  // source writes whole families (# HELP, # TYPE, samples) and escapes its label values with
  // label_value().
  void add_source(std::function<std::string()> render) { sources_.push_back(std::move(render)); }
  // A label value that is printable, bounded (64 bytes) and cannot break the exposition.
  static std::string label_value(const std::string& s);
  // Read when /metrics is served: requests the server has not answered yet, and new sessions
  // waiting for a child start slot (signals for autoscalers: load, and start-up pressure).
  void set_load(std::int64_t in_flight, std::int64_t start_queue) {
    in_flight_ = in_flight;
    start_queue_ = start_queue;
  }

  // One finished HTTP request: `method` is the JSON-RPC method (or the HTTP route when the
  // body had none), `status` the HTTP status.
  void request(const std::string& method, unsigned status);
  // Time from a JSON-RPC request reaching the bridge to its response leaving it.
  void rpc_latency(const std::string& method, double seconds);
  // One answered tools/call: the tool's name (params.name), its outcome ("ok", "error",
  // "timeout", "closed") and its latency. At most max_tools names get series of their own;
  // later ones are counted as "other", so a client cannot grow the exposition without bound.
  void tool_call(const std::string& tool, const std::string& outcome, double seconds);
  static constexpr std::size_t max_tools = 64;

  [[nodiscard]] std::int64_t active_sessions() const { return active_sessions_; }
  [[nodiscard]] std::string render() const;

 private:
  static constexpr std::array<double, 12> buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,   0.25,   0.5,   1.0,  2.5,   10.0};
  struct histogram {
    std::array<std::uint64_t, buckets.size()> counts{};
    std::uint64_t count = 0;
    double sum = 0;

    void observe(double seconds);
  };

  std::int64_t active_sessions_ = 0;
  std::int64_t max_sessions_ = 0;
  std::int64_t warm_children_ = 0;
  std::int64_t children_starting_ = 0;
  std::int64_t children_running_ = 0;
  std::int64_t in_flight_ = 0;
  std::int64_t start_queue_ = 0;
  std::int64_t open_connections_ = 0;
  std::uint64_t connections_refused_ = 0;
  std::uint64_t clients_dropped_ = 0;
  std::uint64_t children_started_ = 0;
  std::uint64_t children_crashed_ = 0;
  std::uint64_t child_lines_dropped_ = 0;
  std::uint64_t orphans_reaped_ = 0;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> requests_;
  // Transparent comparators: a label already seen is found without copying it.
  std::map<std::string, histogram, std::less<>> latency_;
  struct tool_series {
    std::map<std::string, std::uint64_t, std::less<>> outcomes;
    histogram latency;
  };
  std::map<std::string, tool_series, std::less<>> tools_;
  std::vector<std::function<std::string()>> sources_;
};

}  // namespace bridge
