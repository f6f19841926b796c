// Sends finished spans to an OpenTelemetry collector over OTLP/HTTP JSON
// (`POST <endpoint>`, usually http://host:4318/v1/traces). Never on the request path: a
// finished span goes into a bounded queue (trace::span_queue; full: dropped and counted) and
// one coroutine on the front end's io_context sends batches of up to 512 spans, every second
// or as soon as a batch is full, over keep-alive connections (the bridge's http_pool). Each
// POST has a deadline (5 s); 429, 502, 503 and 504 are retried with backoff
// (trace::retry_policy), anything else drops the batch (counted). flush() sends what is
// queued at shutdown, bounded by the time it is given. Counts for /metrics:
// mcp_bridge_trace_spans_exported_total, mcp_bridge_trace_spans_dropped_total.
// Single-threaded: everything runs on the io_context's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http_link.hpp"
#include "options.hpp"
#include "trace/otlp_json.hpp"
#include "trace/span_queue.hpp"
#include "tracing.hpp"

namespace bridge {

class otlp_exporter {
 public:
  struct config {
    http_upstream_config endpoint;
    trace::resource resource;
    std::size_t queue_capacity = 4096;
    std::size_t max_batch = 512;
    std::chrono::milliseconds interval{1000};
    std::chrono::milliseconds post_timeout{5000};
    trace::retry_policy retry{};
  };

  otlp_exporter(const boost::asio::any_io_executor& ex, config c);
  ~otlp_exporter();
  otlp_exporter(const otlp_exporter&) = delete;
  otlp_exporter& operator=(const otlp_exporter&) = delete;

  void start();
  // A finished, sampled span. Never blocks; dropped (and counted) when the queue is full.
  void submit(trace::span s);
  // Sends everything queued, for at most `limit`; then the exporter stops.
  boost::asio::awaitable<void> flush(std::chrono::milliseconds limit);
  void stop();

  [[nodiscard]] std::uint64_t exported() const { return state_->exported; }
  [[nodiscard]] std::uint64_t dropped() const { return state_->queue.dropped(); }
  // The two counters in Prometheus text format (appended to the front end's /metrics).
  [[nodiscard]] std::string render_metrics() const;

 private:
  struct state {
    state(const boost::asio::any_io_executor& ex, config c);
    config cfg;
    std::shared_ptr<http_pool> pool;
    trace::span_queue queue;
    boost::asio::steady_timer wake;
    std::uint64_t exported = 0;
    bool busy = false;     // a batch is being sent
    bool stopped = false;  // no more waiting: send what is queued and end
    bool failing = false;  // the last batch was dropped: logged once, until one goes through
  };
  static boost::asio::awaitable<void> loop(std::shared_ptr<state> st);
  static boost::asio::awaitable<void> send_batch(std::shared_ptr<state> st);
  static boost::asio::awaitable<unsigned> post(std::shared_ptr<state> st, const std::string& body);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<state> state_;
};

// With --otlp-endpoint: an exporter running on `ex`, and `traces` enabled and sending to it;
// without: nullptr, and `traces` stays disabled.
std::unique_ptr<otlp_exporter> start_tracing(const boost::asio::any_io_executor& ex, const options& opts,
                                             tracing& traces);

}  // namespace bridge
