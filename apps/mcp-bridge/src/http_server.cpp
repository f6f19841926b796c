#include "http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <charconv>

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

// One HTTP/1.1 chunk, framed as http::make_chunk frames it (hex size, CRLF, data, CRLF).
void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) {
    return;  // a zero-size chunk would end the body
  }
  char size[2 * sizeof(std::size_t)];
  auto [end, ec] = std::to_chars(size, size + sizeof size, data.size(), 16);
  (void)ec;
  out.append(size, end);
  out += "\r\n";
  out += data;
  out += "\r\n";
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

// The bytes beast writes for a message (or, header_only, for its header): the connection
// sends them with write_all.
template <class Serializer>
std::string serialized(Serializer& sr, bool header_only) {
  std::string out;
  sr.split(header_only);
  beast::error_code ec;
  while (!ec && !(header_only ? sr.is_header_done() : sr.is_done())) {
    sr.next(ec, [&](beast::error_code&, const auto& buffers) {
      out += beast::buffers_to_string(buffers);
      sr.consume(beast::buffer_bytes(buffers));
    });
  }
  return out;
}

// Every write gets the deadline, and only the write: an SSE stream may then sit idle for as
// long as it likes, but a client that stops reading is dropped after --write-timeout. What
// the socket takes at once is written without suspending (the common case: the client reads);
// only the rest waits, asynchronously and under the deadline.
asio::awaitable<boost::system::error_code> write_all(beast::tcp_stream& stream, std::string_view bytes,
                                                     std::chrono::seconds limit) {
  boost::system::error_code ec;
  std::size_t n = 0;
  if (stream.socket().non_blocking()) {  // never block the io_context thread
    n = stream.socket().write_some(asio::buffer(bytes), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
      n = 0;
    }
    if (ec || n == bytes.size()) {
      co_return ec;
    }
  }
  stream.expires_after(limit);
  auto [wec, written] = co_await asio::async_write(stream, asio::buffer(bytes.substr(n)), as_tuple(use_awaitable));
  (void)written;
  stream.expires_never();
  co_return wec;
}

asio::awaitable<bool> write_plan(beast::tcp_stream& stream, const request& req, response_plan& plan,
                                 http_context& ctx) {
  const auto limit = ctx.opts.write_timeout;
  const auto dropped = [&](const boost::system::error_code& ec) {
    if (ec == beast::error::timeout) {
      ctx.stats.client_dropped();
      log::warn("client stopped reading; connection dropped", {{"after_seconds", std::to_string(limit.count())}});
    }
    return false;
  };
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
    http::response_serializer<http::string_body> sr{res};
    if (auto ec = co_await write_all(stream, serialized(sr, false), limit)) {
      co_return dropped(ec);
    }
    co_return res.keep_alive();
  }
  auto& o = *plan.stream;
  if (o.json_mode) {
    // The client accepts only JSON: wait for every answer, then send them in one body.
    while (!o.done) {
      o.wake.expires_after(std::chrono::hours(24));
      co_await o.wake.async_wait(as_tuple(use_awaitable));
    }
    std::string body;
    if (o.size() == 1 && !plan.batch) {
      body = o.pop_front();
    } else {
      body = "[";
      for (bool first = true; !o.empty(); first = false) {
        body += first ? "" : ",";
        body += o.pop_front();
      }
      body += "]";
    }
    plan.stream.reset();
    plan.status = 200;
    plan.content_type = "application/json";
    plan.body = std::move(body);
    co_return co_await write_plan(stream, req, plan, ctx);
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
  if (auto ec = co_await write_all(stream, serialized(sr, true), limit)) {
    co_return dropped(ec);
  }
  using namespace asio::experimental::awaitable_operators;
  std::array<char, 1> probe;
  for (;;) {
    if (!o.empty() && o.overflowed) {
      // More is queued than a reading client would ever let pile up: drop the client (the
      // events are in the replay buffer; it can resume with Last-Event-ID).
      ctx.stats.client_dropped();
      log::warn("stream buffer full, client not reading; connection dropped",
                {{"queued_bytes", std::to_string(o.bytes())}});
      co_return false;
    }
    if (!o.empty() || o.done) {
      // Everything queued goes out in one write, each event its own chunk, and the last
      // chunk with it when the stream is done: an answer and the end of its POST stream
      // cost one write (and one deadline), not two. The events stay in the replay buffer
      // should this write fail.
      std::string chunks;
      const bool had_events = !o.empty();
      while (!o.empty()) {
        append_chunk(chunks, o.pop_front());
      }
      const bool last = o.done;
      if (last) {
        chunks += "0\r\n\r\n";
      }
      if (auto ec = co_await write_all(stream, chunks, limit)) {
        co_return dropped(ec);
      }
      if (had_events) {
        ctx.changed();  // a 2024-11-05 answer went out on its /sse stream
      }
      if (last) {
        co_return req.keep_alive();
      }
      continue;  // more may have been queued meanwhile
    }
    o.wake.expires_after(keepalive_interval);
    // Wait for an event, the keep-alive tick, or the client hanging up, whichever is first.
    auto r = co_await (o.wake.async_wait(as_tuple(use_awaitable)) ||
                       stream.socket().async_read_some(asio::buffer(probe), as_tuple(use_awaitable)));
    if (r.index() == 1) {
      co_return false;
    }
    if (!std::get<0>(std::get<0>(r))) {
      std::string ping;
      append_chunk(ping, mcp::sse::encode_comment("keep-alive"));
      if (auto ec = co_await write_all(stream, ping, limit)) {
        co_return dropped(ec);
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
    if (ctx.sessions.ready())
      return plain(200, "text/plain; charset=utf-8", "ok\n");
    return plain(
        503, "text/plain; charset=utf-8",
        ctx.opts.upstream ? "the upstream MCP server does not accept connections\n" : "no MCP server child is ready\n");
  }
  if (path == "/metrics") {
    ctx.stats.set_load(static_cast<std::int64_t>(ctx.sessions.pending_requests()),
                       static_cast<std::int64_t>(ctx.sessions.start_queue()));
    return plain(200, "text/plain; version=0.0.4; charset=utf-8", ctx.stats.render());
  }
  if (ctx.oauth && ctx.oauth->is_metadata_path(path)) {
    // RFC 9728: where a client learns which authorization server to ask, and for what.
    if (req.method() != http::verb::get) {
      auto p = plain(405, "text/plain", "method not allowed\n");
      p.headers.emplace_back("Allow", "GET");
      return p;
    }
    return plain(200, "application/json", ctx.oauth->metadata_document());
  }
  const bool mcp_path = path == ctx.opts.path || path == "/sse" || path == "/message";
  std::optional<std::string> document;
  if (!mcp_path) {
    document = ctx.sessions.document(path);
    if (!document) {
      return plain(404, "text/plain", "not found\n");
    }
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
  if (ctx.oauth && ctx.caller && ctx.caller->result != auth::outcome::ok) {
    const unsigned status = auth::http_status(ctx.caller->result);
    auto p = rpc_error(status, -32001, (status == 403 ? "Forbidden: " : "Unauthorized: ") + ctx.caller->description);
    p.headers.emplace_back("WWW-Authenticate", ctx.oauth->challenge(*ctx.caller));
    return p;
  }
  if (document) {
    if (req.method() != http::verb::get) {
      auto p = plain(405, "text/plain", "method not allowed\n");
      p.headers.emplace_back("Allow", "GET");
      return p;
    }
    return plain(200, "application/json", std::move(*document));
  }
  if (path == ctx.opts.path) {
    return streamable_route(req, ctx, metric_label);
  }
  return legacy_route(req, *url, ctx, metric_label);
}

// route() with `rt` as the request being traced (mcp_routes starts its span once the POST's
// messages are parsed); set only while routing, since other connections route meanwhile.
response_plan traced_route(const request& req, http_context& ctx, std::string& label, request_trace& rt) {
  ctx.trace = rt.active() ? &rt : nullptr;
  auto plan = route(req, ctx, label);
  ctx.trace = nullptr;
  return plan;
}

// One request from the moment it is read until its answer is written, or the connection
// is cancelled in between: either way the session learns that nobody writes its stream any
// more, and a draining shutdown stops waiting for the request.
struct request_scope {
  http_context& ctx;
  bool counted;  // a GET holds a stream for as long as the client likes: not waited for
  std::function<void(outbound&)> on_detach;
  std::shared_ptr<outbound> stream;
  bool ended = false;

  request_scope(http_context& c, bool count) : ctx(c), counted(count) { ctx.inflight += counted ? 1 : 0; }
  request_scope(const request_scope&) = delete;
  request_scope& operator=(const request_scope&) = delete;
  ~request_scope() {
    try {
      end();
    } catch (...) {  // NOLINT(bugprone-empty-catch): the connection is being torn down already
    }
  }
  void end() {
    if (ended) {
      return;
    }
    ended = true;
    if (on_detach && stream) {
      on_detach(*stream);
    }
    ctx.inflight -= counted ? 1 : 0;
    ctx.changed();
  }
};

// Closes the connection however its coroutine ends: done, dropped, or cancelled.
struct connection_scope {
  http_context& ctx;
  beast::tcp_stream& stream;
  connection_scope(http_context& c, beast::tcp_stream& s) : ctx(c), stream(s) {
    ++ctx.open_connections;
    ctx.stats.connection_opened();
  }
  connection_scope(const connection_scope&) = delete;
  connection_scope& operator=(const connection_scope&) = delete;
  ~connection_scope() {
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
    --ctx.open_connections;
    ctx.stats.connection_closed();
    ctx.changed();
  }
};

}  // namespace

asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket, http_context& ctx) {
  beast::tcp_stream stream(std::move(socket));
  const connection_scope connection(ctx, stream);
  // SSE answers go out as several small writes (header, events, last chunk); with Nagle
  // the last one waits for the client's delayed ACK, adding ~40 ms to every call.
  boost::system::error_code nodelay_ec;
  stream.socket().set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
  // Non-blocking, so write_all can write what the socket takes at once without suspending.
  stream.socket().non_blocking(true, nodelay_ec);
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
      http::response_serializer<http::string_body> sr{res};
      co_await write_all(stream, serialized(sr, false), ctx.opts.write_timeout);
      break;
    }
    if (ec) {
      break;  // end_of_stream, timeout, cancelled, or a malformed request: drop the connection
    }
    stream.expires_never();
    request req = parser.release();
    // Everything but a GET is a request a graceful shutdown waits for.
    request_scope scope(ctx, req.method() != http::verb::get);
    request_trace rt(ctx.traces, req);  // ends (and exports) its span once the answer is written
    std::string label;
    // --auth-issuer: the bearer token is decided before routing (fetching the issuer's keys
    // when it names one not yet known); route() answers 401/403 from the decision.
    std::optional<auth::decision> caller;
    if (ctx.oauth) {
      const auto authorization = header(req, http::field::authorization);
      caller = ctx.oauth->decide(authorization, std::chrono::system_clock::now());
      if (caller->unknown_key) {
        co_await ctx.oauth->keys().refresh_now();
        caller = ctx.oauth->decide(authorization, std::chrono::system_clock::now());
      }
    }
    ctx.caller = caller ? &*caller : nullptr;
    response_plan plan = traced_route(req, ctx, label, rt);
    ctx.caller = nullptr;
    if (plan.wait_for_start) {
      // Every child start slot is busy: queue (bounded), then route again or give up.
      const auto deadline = std::chrono::steady_clock::now() + ctx.opts.start_queue_timeout;
      while (plan.wait_for_start) {
        if (!co_await ctx.sessions.wait_for_start_slot(deadline)) {
          plan = rpc_error(503, -32000, "Service Unavailable: MCP server children are starting, retry");
          plan.headers.emplace_back("Retry-After", "1");
          break;
        }
        ctx.caller = caller ? &*caller : nullptr;
        plan = traced_route(req, ctx, label, rt);
        ctx.caller = nullptr;
      }
    }
    if (plan.before_write) {
      auto before = std::move(plan.before_write);
      co_await before(plan);
    }
    ctx.stats.request(label, plan.status);
    rt.answered(plan.status, plan.stream ? std::nullopt : std::optional<std::size_t>(plan.body.size()));
    scope.on_detach = std::move(plan.on_detach);
    scope.stream = plan.stream;
    const bool keep = co_await write_plan(stream, req, plan, ctx);
    scope.end();
    if (!keep || ctx.draining) {
      break;
    }
  }
}

namespace {

// Over --max-connections: a short 503 written without waiting (it fits in any socket
// buffer), then the connection is closed, so a refused client costs no coroutine.
void refuse(asio::ip::tcp::socket& socket) {
  static const std::string response =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(mcp::error_response(nullptr, -32000, "Service Unavailable: too many connections").size()) +
      "\r\n\r\n" + mcp::error_response(nullptr, -32000, "Service Unavailable: too many connections");
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(response), ignored);
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

}  // namespace

asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor, http_context& ctx,
                                  async::task_group& connections) {
  asio::steady_timer backoff(acceptor.get_executor());
  auto delay = std::chrono::milliseconds(10);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(as_tuple(use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
        co_return;
      }
      if (out_of_descriptors(ec)) {
        // The pending connection stays in the backlog, so accepting again at once fails
        // again at once: wait (10 ms doubling to 1 s) for a connection or child to close.
        if (delay == std::chrono::milliseconds(10)) {
          log::warn("cannot accept: out of file descriptors; backing off", {{"error", ec.message()}});
        }
        backoff.expires_after(delay);
        co_await backoff.async_wait(as_tuple(use_awaitable));
        delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(1));
      }
      continue;  // keep serving the connections we have
    }
    delay = std::chrono::milliseconds(10);
    if (ctx.open_connections >= ctx.opts.max_connections) {
      ctx.stats.connection_refused();
      refuse(socket);
      continue;
    }
    connections.spawn("connection", serve_connection(std::move(socket), ctx));
  }
}

}  // namespace bridge
