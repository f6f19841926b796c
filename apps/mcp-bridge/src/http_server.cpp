#include "http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include "http_guard.hpp"
#include "log.hpp"
#include "mcp/error.hpp"
#include "mcp/sse.hpp"
#include "mcp_routes.hpp"

namespace bridge {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

constexpr auto keepalive_interval = std::chrono::seconds(15);
constexpr auto header_read_timeout = std::chrono::seconds(60);

std::optional<std::string_view> header(const request& req, http::field f) {
  auto it = req.find(f);
  if (it == req.end()) {
    return std::nullopt;
  }
  return std::string_view(it->value());
}

}  // namespace

response_plan plain(unsigned status, std::string content_type, std::string body) {
  response_plan p;
  p.status = status;
  p.content_type = std::move(content_type);
  p.body = std::move(body);
  return p;
}

response_plan rpc_error(unsigned status, int code, std::string_view message) {
  return plain(status, "application/json", mcp::error_response(nullptr, code, message));
}

asio::awaitable<bool> write_plan(beast::tcp_stream& stream, const request& req, response_plan& plan) {
  if (!plan.stream) {
    http::response<http::string_body> res{static_cast<http::status>(plan.status), req.version()};
    if (!plan.content_type.empty()) {
      res.set(http::field::content_type, plan.content_type);
    }
    for (auto& [k, v] : plan.headers) {
      res.set(k, v);
    }
    res.keep_alive(req.keep_alive() && !plan.close);
    res.body() = std::move(plan.body);
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
    (void)n;
    co_return !ec && res.keep_alive();
  }
  auto& o = *plan.stream;
  if (o.json_mode) {
    // The client accepts only JSON: wait for every answer, then send them in one body.
    while (!o.done) {
      o.wake.expires_after(std::chrono::hours(24));
      co_await o.wake.async_wait(as_tuple(use_awaitable));
    }
    std::string body;
    if (o.queue.size() == 1 && !plan.batch) {
      body = std::move(o.queue.front());
    } else {
      body = "[";
      for (std::size_t i = 0; i < o.queue.size(); ++i) {
        body += (i ? "," : "") + o.queue[i];
      }
      body += "]";
    }
    o.queue.clear();
    plan.stream.reset();
    plan.status = 200;
    plan.content_type = "application/json";
    plan.body = std::move(body);
    co_return co_await write_plan(stream, req, plan);
  }
  http::response<http::empty_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache, no-transform");
  for (auto& [k, v] : plan.headers) {
    res.set(k, v);
  }
  res.keep_alive(req.keep_alive());
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  auto [hec, hn] = co_await http::async_write_header(stream, sr, as_tuple(use_awaitable));
  (void)hn;
  if (hec) {
    co_return false;
  }
  using namespace asio::experimental::awaitable_operators;
  std::array<char, 1> probe;
  for (;;) {
    while (!o.queue.empty()) {
      std::string ev = std::move(o.queue.front());
      o.queue.pop_front();  // it stays in the replay buffer should this write fail
      auto [ec, n] = co_await asio::async_write(stream, http::make_chunk(asio::buffer(ev)), as_tuple(use_awaitable));
      (void)n;
      if (ec) {
        co_return false;
      }
    }
    if (o.done) {
      auto [ec, n] = co_await asio::async_write(stream, http::make_chunk_last(), as_tuple(use_awaitable));
      (void)n;
      co_return !ec && req.keep_alive();
    }
    o.wake.expires_after(keepalive_interval);
    // Wait for an event, the keep-alive tick, or the client hanging up, whichever is first.
    auto r = co_await (o.wake.async_wait(as_tuple(use_awaitable)) ||
                       stream.socket().async_read_some(asio::buffer(probe), as_tuple(use_awaitable)));
    if (r.index() == 1) {
      co_return false;
    }
    if (!std::get<0>(std::get<0>(r))) {
      const std::string ping = mcp::sse::encode_comment("keep-alive");
      auto [ec, n] = co_await asio::async_write(stream, http::make_chunk(asio::buffer(ping)), as_tuple(use_awaitable));
      (void)n;
      if (ec) {
        co_return false;
      }
    }
  }
}

namespace {

response_plan route(const request& req, http_context& ctx, std::string& metric_label) {
  auto url = boost::urls::parse_origin_form(std::string_view(req.target()));
  if (!url) {
    return plain(400, "text/plain", "bad request target\n");
  }
  const std::string path = url->path();
  metric_label = std::string(req.method_string()) + " " + path;
  if (path == "/healthz") {
    return plain(200, "text/plain; charset=utf-8", "ok\n");
  }
  if (path == "/readyz") {
    return ctx.sessions.ready() ? plain(200, "text/plain; charset=utf-8", "ok\n")
                                : plain(503, "text/plain; charset=utf-8", "no MCP server child is ready\n");
  }
  if (path == "/metrics") {
    return plain(200, "text/plain; version=0.0.4; charset=utf-8", ctx.stats.render());
  }
  const bool mcp_path = path == ctx.opts.path || path == "/sse" || path == "/message";
  if (!mcp_path) {
    return plain(404, "text/plain", "not found\n");
  }
  // DNS rebinding: a browser page on another origin must not reach a local server.
  if (!origin_allowed(header(req, http::field::origin), ctx.opts.allowed_origins)) {
    return rpc_error(403, -32000, "Forbidden: Origin not allowed");
  }
  if (ctx.check_host) {
    auto host = header(req, http::field::host);
    if (host && !is_loopback_authority(*host)) {
      return rpc_error(403, -32000, "Forbidden: Host not allowed");
    }
  }
  if (ctx.opts.token && !bearer_matches(header(req, http::field::authorization), *ctx.opts.token)) {
    auto p = rpc_error(401, -32001, "Unauthorized");
    const bool sent = header(req, http::field::authorization).has_value();
    p.headers.emplace_back("WWW-Authenticate", sent ? "Bearer realm=\"mcp-bridge\", error=\"invalid_token\""
                                                    : "Bearer realm=\"mcp-bridge\"");
    return p;
  }
  if (path == ctx.opts.path) {
    return streamable_route(req, ctx, metric_label);
  }
  return legacy_route(req, *url, ctx, metric_label);
}

}  // namespace

asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket, http_context& ctx) {
  ++ctx.open_connections;
  struct guard {
    http_context& c;
    ~guard() { --c.open_connections; }
  } g{ctx};
  // SSE answers go out as several small writes (header, events, last chunk); with Nagle
  // the last one waits for the client's delayed ACK, adding ~40 ms to every call.
  boost::system::error_code nodelay_ec;
  socket.set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(ctx.opts.max_body);
    parser.header_limit(16 * 1024);
    stream.expires_after(header_read_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
    (void)n;
    if (ec == http::error::body_limit) {
      ctx.stats.request("oversize", 413);
      http::response<http::string_body> res{http::status::payload_too_large, 11};
      res.set(http::field::content_type, "application/json");
      res.body() = mcp::error_response(nullptr, -32600, "Request body too large");
      res.keep_alive(false);
      res.prepare_payload();
      co_await http::async_write(stream, res, as_tuple(use_awaitable));
      break;
    }
    if (ec) {
      break;  // end_of_stream, timeout, or a malformed request: drop the connection
    }
    stream.expires_never();
    request req = parser.release();
    std::string label;
    response_plan plan = route(req, ctx, label);
    ctx.stats.request(label, plan.status);
    auto on_detach = std::move(plan.on_detach);
    auto out = plan.stream;
    const bool keep = co_await write_plan(stream, req, plan);
    if (on_detach && out) {
      on_detach(*out);
    }
    if (!keep || ctx.draining) {
      break;
    }
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor, http_context& ctx) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(as_tuple(use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
        co_return;
      }
      continue;  // EMFILE and friends: keep serving the connections we have
    }
    asio::co_spawn(acceptor.get_executor(), serve_connection(std::move(socket), ctx), asio::detached);
  }
}

}  // namespace bridge
