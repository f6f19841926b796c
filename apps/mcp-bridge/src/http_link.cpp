#include "http_link.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <array>

#include "log.hpp"
#include "trace/context.hpp"

namespace bridge {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

std::string host_port(std::string_view host, std::string_view port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  std::string out;
  out.reserve(host.size() + port.size() + 3);
  out += v6 ? "[" : "";
  out += host;
  out += v6 ? "]:" : ":";
  out += port;
  return out;
}

namespace {

constexpr std::size_t max_idle = 64;
constexpr auto idle_limit = std::chrono::seconds(4);
std::uint64_t g_next_link = 1;  // only touched on the io_context thread

std::string host_port(const http_upstream_config& c) {
  return bridge::host_port(c.host, c.port);
}

// A request carrying trace context in params._meta (SEP-414: the session puts it there when
// tracing is on) also gets it as the W3C traceparent/tracestate headers, for servers and
// proxies that trace by header. With tracing off no body has the key: nothing is parsed.
void set_trace_headers(http::request<http::string_body>& req, const std::string& body) {
  if (body.find("\"traceparent\"") == std::string::npos) {
    return;
  }
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  const auto* params = !ec && v.is_object() ? v.as_object().if_contains("params") : nullptr;
  const auto* meta = params && params->is_object() ? params->as_object().if_contains("_meta") : nullptr;
  if (!meta || !meta->is_object()) {
    return;
  }
  const auto* tp = meta->as_object().if_contains("traceparent");
  if (!tp || !tp->is_string() || !trace::parse_traceparent(tp->get_string())) {
    return;
  }
  req.set("traceparent", std::string_view(tp->get_string()));
  const auto* ts = meta->as_object().if_contains("tracestate");
  if (ts && ts->is_string() && trace::valid_tracestate(ts->get_string())) {
    req.set("tracestate", std::string_view(ts->get_string()));
  }
}

}  // namespace

boost::system::result<http_upstream_config> parse_upstream_url(std::string_view url, std::string& error, std::string_view what) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) {
    error = std::string(what) + " is not an absolute URL: " + u.error().message();
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  }
  if (u->scheme() != "http") {
    error = std::string(what) + " must be an http:// URL: the server runs beside the bridge, and https to it is not supported";
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  }
  if (u->has_userinfo() || u->has_fragment()) {
    error = std::string(what) + " must not carry credentials or a fragment";
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  }
  http_upstream_config c;
  if (u->host_type() == boost::urls::host_type::ipv6) {
    c.host = u->host_ipv6_address().to_string();
  } else {
    c.host = std::string(u->host());
  }
  // An address, not a name: the bridge is a static binary without a resolver, and the server
  // it fronts listens beside it.
  if (c.host == "localhost") {
    c.host = "127.0.0.1";
  }
  boost::system::error_code aec;
  (void)asio::ip::make_address(c.host, aec);
  if (aec) {
    error = std::string(what) + " must name an IP address or localhost (the server runs beside the bridge), not " + c.host;
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  }
  c.port = u->has_port() ? std::string(u->port()) : "80";
  if (u->port_number() == 0 && u->has_port()) {
    error = std::string(what) + " has an invalid port";
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  }
  c.target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) {
    c.target += "?" + std::string(u->encoded_query());
  }
  return c;
}

// --- the pool -------------------------------------------------------------------------------

http_pool::http_pool(const asio::any_io_executor& ex, http_upstream_config config)
    : ex_(ex), config_(std::move(config)), watch_timer_(ex) {}

asio::awaitable<boost::system::result<std::unique_ptr<http_pool::connection>>> http_pool::take(bool fresh) {
  const auto now = std::chrono::steady_clock::now();
  while (!fresh && !idle_.empty()) {
    auto ic = std::move(idle_.back());
    idle_.pop_back();
    if (now - ic.since < idle_limit) {
      ic.c->reused = true;
      co_return std::move(ic.c);
    }
  }
  boost::system::error_code aec;
  const auto address = asio::ip::make_address(config_.host, aec);  // checked by parse_upstream_url
  if (aec) {
    co_return aec;
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(std::stoul(config_.port)));
  auto c = std::make_unique<connection>(ex_);
  c->stream.expires_after(config_.connect_timeout);
  auto [cec] = co_await c->stream.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
  if (cec) {
    reachable_ = false;
    co_return cec;
  }
  beast::error_code ignored;
  c->stream.socket().set_option(tcp::no_delay(true), ignored);
  c->stream.expires_never();
  reachable_ = true;
  co_return c;
}

void http_pool::give_back(std::unique_ptr<connection> c) {
  if (stopped_ || !c) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  while (!idle_.empty() && (idle_.size() >= max_idle || now - idle_.front().since >= idle_limit)) {
    idle_.pop_front();  // closed by its destructor
  }
  c->stream.expires_never();
  idle_.push_back({std::move(c), now});
}

void http_pool::watch() {
  asio::co_spawn(
      ex_, [self = shared_from_this()] { return self->watch_loop(); }, asio::detached);
}

asio::awaitable<void> http_pool::watch_loop() {
  bool was = false;
  while (!stopped_) {
    auto c = co_await take();
    if (c) {
      give_back(std::move(*c));
    }
    if (stopped_) {
      co_return;
    }
    if (reachable_ != was) {
      if (reachable_) {
        log::info("upstream MCP server accepts connections", {{"upstream", host_port(config_)}});
      } else {
        log::warn("upstream MCP server does not accept connections", {{"upstream", host_port(config_)}});
      }
      was = reachable_;
    }
    watch_timer_.expires_after(reachable_ ? std::chrono::seconds(5) : std::chrono::seconds(1));
    auto [ec] = co_await watch_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return;
    }
  }
}

void http_pool::stop() {
  stopped_ = true;
  watch_timer_.cancel();
  idle_.clear();
}

// --- the link -------------------------------------------------------------------------------

struct http_link::exchange_io {
  std::unique_ptr<http_pool::connection> conn;
  bool cancelled = false;
  void cancel() {
    cancelled = true;
    if (conn) {
      beast::error_code ignored;
      conn->stream.socket().close(ignored);  // the pending operation completes, aborted
    }
  }
};

namespace {

mcp::streamable_client_options client_options(const http_upstream_config& c) {
  mcp::streamable_client_options o;
  o.max_message = c.max_message;
  return o;
}

}  // namespace

http_link::http_link(const asio::any_io_executor& ex, std::shared_ptr<http_pool> pool)
    : ex_(ex),
      pool_(std::move(pool)),
      serial_(g_next_link++),
      core_(client_options(pool_->config())),
      retry_timer_(ex) {}

http_link::~http_link() {
  retry_timer_.cancel();
  for (auto& [id, io] : live_) {
    io->cancel();
  }
}

void http_link::on_started(std::function<void()> fn, std::chrono::milliseconds) {
  // Nothing to start: an upstream that cannot be reached fails the requests, with the cause.
  asio::post(ex_, std::move(fn));
}

void http_link::send(std::string json) {
  auto parsed = mcp::parse(json);
  if (!parsed) {
    return;  // the bridge only sends messages it validated
  }
  for (auto& m : parsed->messages) {
    core_.send(std::move(m));
  }
  pump();
}

void http_link::send(mcp::message m) {
  core_.send(std::move(m));
  pump();
}

void http_link::terminate() {
  retry_timer_.cancel();
  core_.terminate();
  pump();
}

void http_link::release() {
  retry_timer_.cancel();
  core_.abandon();
  pump();
}

bool http_link::resume(std::string session_id, std::string protocol_version) {
  const bool ok = core_.resume(std::move(session_id), std::move(protocol_version));
  pump();
  return ok;
}

void http_link::pump() {
  if (pumping_) {
    return;  // the outer call drains what this one added
  }
  pumping_ = true;
  auto keep = shared_from_this();  // a handler may drop the last owner
  mcp::client_action a;
  while (core_.next(a)) {
    perform(a);
  }
  pumping_ = false;
}

void http_link::perform(mcp::client_action& a) {
  using kind = mcp::client_action::kind;
  switch (a.what) {
    case kind::start_exchange: {
      auto io = std::make_shared<exchange_io>();
      // A DELETE outlives the link (sent as the session ends); the others end with it.
      if (a.request.method != mcp::exchange_method::del) {
        live_[a.request.id] = io;
      }
      asio::co_spawn(ex_, run_exchange(weak_from_this(), pool_, std::move(a.request), io), asio::detached);
      return;
    }
    case kind::cancel_exchange:
      if (auto it = live_.find(a.exchange); it != live_.end()) {
        it->second->cancel();
        live_.erase(it);
      }
      return;
    case kind::deliver:
      deliver(std::move(a.msg));
      return;
    case kind::arm_retry:
      retry_timer_.expires_after(a.delay);
      retry_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        if (auto l = weak.lock(); l && !ec) {
          l->core_.retry();
          l->pump();
        }
      });
      return;
    case kind::ended:
      log::info("upstream MCP session ended", {{"reason", a.reason}});
      retry_timer_.cancel();
      report_end(std::move(a.reason));
      return;
  }
}

asio::awaitable<void> http_link::run_exchange(std::weak_ptr<http_link> link, std::shared_ptr<http_pool> pool,
                                              mcp::exchange_request r, std::shared_ptr<exchange_io> io) {
  const auto& cfg = pool->config();
  const std::uint64_t id = r.id;
  const auto method = r.method;
  http::request<http::string_body> req{method == mcp::exchange_method::post  ? http::verb::post
                                       : method == mcp::exchange_method::get ? http::verb::get
                                                                             : http::verb::delete_,
                                       cfg.target, 11};
  req.set(http::field::host, host_port(cfg));
  req.set(http::field::user_agent, "mcp-bridge");
  for (const auto& [k, v] : cfg.extra_headers) {
    req.set(k, v);
  }
  for (const auto& [k, v] : r.headers) {
    req.set(k, v);
  }
  if (method == mcp::exchange_method::post) {
    set_trace_headers(req, r.body);
  }
  req.body() = std::move(r.body);
  req.keep_alive(true);
  req.prepare_payload();

  // Reports to the link's core (if the link and this exchange still exist) and runs its actions.
  auto report = [&](auto&& fn) {
    if (io->cancelled) {
      return false;
    }
    auto l = link.lock();
    if (!l) {
      return false;
    }
    fn(*l);
    l->pump();
    return !io->cancelled;
  };
  auto fail = [&](std::string why) {
    report([&](http_link& l) {
      l.live_.erase(id);
      l.core_.end(id, why);
    });
  };

  for (int attempt = 0; attempt < 2; ++attempt) {
    auto got = co_await pool->take(attempt > 0);
    if (io->cancelled) {
      co_return;
    }
    if (!got) {
      fail("connect to " + host_port(cfg) + ": " + got.error().message());
      co_return;
    }
    io->conn = std::move(*got);
    auto& s = io->conn->stream;
    s.expires_after(cfg.write_timeout);
    auto [wec, wn] = co_await http::async_write(s, req, asio::as_tuple(asio::use_awaitable));
    (void)wn;
    if (io->cancelled) {
      co_return;
    }
    if (wec) {
      if (io->conn->reused) {
        io->conn.reset();  // the server closed it while idle: once more on a new one
        continue;
      }
      fail("sending the request: " + wec.message());
      co_return;
    }
    switch (method) {
      case mcp::exchange_method::post:
        s.expires_after(cfg.request_timeout + std::chrono::seconds(10));
        break;
      case mcp::exchange_method::get:
        s.expires_never();  // the server's own messages come whenever they come
        break;
      case mcp::exchange_method::del:
        s.expires_after(std::chrono::seconds(5));
        break;
    }
    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> p;
    p.body_limit(boost::none);  // the core bounds each message (max_message)
    auto [hec, hn] = co_await http::async_read_header(s, buf, p, asio::as_tuple(asio::use_awaitable));
    if (io->cancelled) {
      co_return;
    }
    if (hec) {
      if (io->conn->reused && hn == 0 &&
          (hec == http::error::end_of_stream || hec == asio::error::connection_reset ||
           hec == asio::error::broken_pipe || hec == asio::error::eof)) {
        io->conn.reset();
        continue;
      }
      fail(hec == beast::error::timeout ? std::string("no answer within the deadline")
                                        : "reading the answer: " + hec.message());
      co_return;
    }
    auto& res = p.get();
    const unsigned status = res.result_int();
    const std::string content_type(res[http::field::content_type]);
    const std::string session_id(res["Mcp-Session-Id"]);
    if (!report([&](http_link& l) { l.core_.head(id, status, content_type, session_id); })) {
      co_return;
    }
    std::array<char, 16384> chunk{};
    while (!p.is_done()) {
      res.body().data = chunk.data();
      res.body().size = chunk.size();
      auto [ec, n] = co_await http::async_read_some(s, buf, p, asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (io->cancelled) {
        co_return;
      }
      if (ec == http::error::need_buffer) {
        ec = {};
      }
      const std::size_t got_bytes = chunk.size() - res.body().size;
      if (got_bytes > 0 &&
          !report([&](http_link& l) { l.core_.body(id, std::string_view(chunk.data(), got_bytes)); })) {
        co_return;
      }
      if (ec) {
        fail(ec == beast::error::timeout ? std::string("no complete answer within the deadline") : ec.message());
        co_return;
      }
    }
    if (p.keep_alive()) {
      pool->give_back(std::move(io->conn));  // before the core's next exchange can want one
    }
    report([&](http_link& l) {
      l.live_.erase(id);
      l.core_.end(id);
    });
    co_return;
  }
  fail("the connection closed twice before an answer");
}

}  // namespace bridge
