#include "otlp_exporter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "log.hpp"
#include "mcp_version.hpp"

namespace bridge {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

otlp_exporter::state::state(const asio::any_io_executor& ex, config c)
    : cfg(std::move(c)), pool(std::make_shared<http_pool>(ex, cfg.endpoint)), queue(cfg.queue_capacity), wake(ex) {}

otlp_exporter::otlp_exporter(const asio::any_io_executor& ex, config c)
    : ex_(ex), state_(std::make_shared<state>(ex, std::move(c))) {}

otlp_exporter::~otlp_exporter() {
  stop();
}

void otlp_exporter::start() {
  asio::co_spawn(ex_, loop(state_), asio::detached);
}

void otlp_exporter::submit(trace::span s) {
  auto& st = *state_;
  if (st.stopped || !st.queue.push(std::move(s))) {
    if (st.stopped) {
      st.queue.count_dropped(1);
    }
    return;
  }
  if (st.queue.size() >= st.cfg.max_batch && !st.busy) {
    st.wake.cancel();  // a full batch goes now, not at the next tick
  }
}

void otlp_exporter::stop() {
  state_->stopped = true;
  state_->wake.cancel();
  state_->pool->stop();
}

asio::awaitable<void> otlp_exporter::flush(std::chrono::milliseconds limit) {
  auto st = state_;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  asio::steady_timer t(ex_);
  while ((!st->queue.empty() || st->busy) && std::chrono::steady_clock::now() < deadline) {
    if (!st->busy) {
      co_await send_batch(st);
      continue;
    }
    t.expires_after(std::chrono::milliseconds(20));  // the loop is sending a batch: wait for it
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (!st->queue.empty()) {
    log::warn("trace export: spans left unsent at shutdown", {{"spans", std::to_string(st->queue.size())}});
    st->queue.count_dropped(st->queue.size());
    (void)st->queue.take(st->queue.size());
  }
  stop();
}

asio::awaitable<void> otlp_exporter::loop(std::shared_ptr<state> st) {
  while (!st->stopped) {
    st->wake.expires_after(st->cfg.interval);
    co_await st->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    if (st->stopped) {
      break;  // flush() sends the rest
    }
    while (!st->queue.empty() && !st->busy && !st->stopped) {
      co_await send_batch(st);
    }
  }
}

asio::awaitable<void> otlp_exporter::send_batch(std::shared_ptr<state> st) {
  st->busy = true;
  auto batch = st->queue.take(st->cfg.max_batch);
  const std::string body = trace::encode_otlp_json(st->cfg.resource, batch);
  asio::steady_timer backoff(st->wake.get_executor());
  for (unsigned attempt = 1;; ++attempt) {
    const unsigned status = co_await post(st, body);
    if (status >= 200 && status < 300) {
      st->exported += batch.size();
      if (st->failing) {
        st->failing = false;
        log::info("trace export works again");
      }
      break;
    }
    auto delay = st->cfg.retry.after(attempt, status);
    if (!delay || st->stopped) {
      st->queue.count_dropped(batch.size());
      if (!st->failing) {  // once per outage, not once per batch: the counter says how many
        st->failing = true;
        log::warn("trace export failing; spans dropped (see mcp_bridge_trace_spans_dropped_total)",
                  {{"status", std::to_string(status)}, {"spans", std::to_string(batch.size())}});
      }
      break;
    }
    backoff.expires_after(*delay);
    co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  st->busy = false;
}

// One POST: the HTTP status, or 0 when there was no answer (connect failed, timeout).
asio::awaitable<unsigned> otlp_exporter::post(std::shared_ptr<state> st, const std::string& body) {
  const auto& cfg = st->cfg.endpoint;
  http::request<http::string_body> req{http::verb::post, cfg.target, 11};
  const bool v6 = cfg.host.find(':') != std::string::npos;
  req.set(http::field::host, (v6 ? "[" + cfg.host + "]" : cfg.host) + ":" + cfg.port);
  req.set(http::field::user_agent, "mcp-bridge");
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto got = co_await st->pool->take(attempt > 0);
    if (!got) {
      co_return 0;
    }
    auto conn = std::move(*got);
    auto& s = conn->stream;
    s.expires_after(st->cfg.post_timeout);
    auto [wec, wn] = co_await http::async_write(s, req, asio::as_tuple(asio::use_awaitable));
    (void)wn;
    if (wec) {
      if (conn->reused) {
        continue;  // closed while idle: once more on a new connection
      }
      co_return 0;
    }
    beast::flat_buffer buf;
    http::response_parser<http::string_body> p;
    p.body_limit(1 << 20);
    auto [rec, rn] = co_await http::async_read(s, buf, p, asio::as_tuple(asio::use_awaitable));
    if (rec) {
      if (conn->reused && rn == 0) {
        continue;
      }
      co_return 0;
    }
    if (p.keep_alive()) {
      st->pool->give_back(std::move(conn));
    }
    co_return p.get().result_int();
  }
  co_return 0;
}

std::string otlp_exporter::render_metrics() const {
  std::string out;
  out += "# HELP mcp_bridge_trace_spans_exported_total Spans the collector accepted.\n";
  out += "# TYPE mcp_bridge_trace_spans_exported_total counter\n";
  out += "mcp_bridge_trace_spans_exported_total " + std::to_string(exported()) + "\n";
  out += "# HELP mcp_bridge_trace_spans_dropped_total Spans dropped: queue full, collector refused or unreachable.\n";
  out += "# TYPE mcp_bridge_trace_spans_dropped_total counter\n";
  out += "mcp_bridge_trace_spans_dropped_total " + std::to_string(dropped()) + "\n";
  return out;
}

std::unique_ptr<otlp_exporter> start_tracing(const asio::any_io_executor& ex, const options& opts, tracing& traces) {
  if (!opts.otlp_endpoint) {
    return nullptr;
  }
  std::string error;
  auto endpoint = parse_upstream_url(*opts.otlp_endpoint, error, "--otlp-endpoint");
  if (!endpoint) {
    log::error("tracing off", {{"error", error}});
    return nullptr;
  }
  // The collector is near (a node agent or a Service): a connect that takes longer is a
  // collector that is gone, and waiting longer would only hold a batch (and a shutdown).
  endpoint->connect_timeout = std::chrono::milliseconds(2000);
  otlp_exporter::config c{*endpoint, {opts.service_name, std::string(mcp_version::version)}};
  auto e = std::make_unique<otlp_exporter>(ex, std::move(c));
  e->start();
  traces.tracer = trace::tracer({true, opts.trace_sample_ratio});
  traces.sink = [p = e.get()](trace::span s) { p->submit(std::move(s)); };
  log::info("tracing", {{"otlp_endpoint", *opts.otlp_endpoint},
                        {"sample_ratio", std::to_string(opts.trace_sample_ratio)},
                        {"service_name", opts.service_name}});
  return e;
}

}  // namespace bridge
