#include "kube/client/client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <fstream>
#include <optional>
#include <sstream>

#include "connection.hpp"
#include "kube/core/retry.hpp"

namespace kube {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;
using steady = std::chrono::steady_clock;

namespace {

http::verb to_verb(http_method m) {
  switch (m) {
    case http_method::get:
      return http::verb::get;
    case http_method::post:
      return http::verb::post;
    case http_method::put:
      return http::verb::put;
    case http_method::patch:
      return http::verb::patch;
    case http_method::delete_:
      return http::verb::delete_;
  }
  return http::verb::get;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view v) {
  if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;  // the HTTP-date form is not used by the apiserver
  }
  return std::chrono::seconds(std::stoi(std::string(v)));
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

error transport(const boost::system::error_code& ec, std::string what) {
  auto e = transport_error(ec, std::move(what));
  if (ec == beast::error::timeout) {
    e.kind = error_kind::timeout;
  }
  return e;
}

}  // namespace

struct client::attempt_result {
  result<http::response<http::string_body>> res = make_error(error_kind::transport, "not sent");
  bool sent = false;  // the request may have reached the server
  // A response whose head arrived but whose body broke off (res holds the error): what came.
  std::optional<http::response<http::string_body>> partial;
};

result<std::shared_ptr<client>> client::create(asio::any_io_executor ex, config cfg, client_options opts) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  if (!cfg.ca_pem.empty()) {
    if (ctx.add_certificate_authority(asio::buffer(cfg.ca_pem), ec); ec) {
      return make_error(error_kind::config, "CA certificate: " + ec.message());
    }
  } else if (ctx.set_default_verify_paths(ec); ec) {
    return make_error(error_kind::config, "system trust store: " + ec.message());
  }
  if (!cfg.client_cert_pem.empty()) {
    if (ctx.use_certificate_chain(asio::buffer(cfg.client_cert_pem), ec); ec) {
      return make_error(error_kind::config, "client certificate: " + ec.message());
    }
    if (ctx.use_private_key(asio::buffer(cfg.client_key_pem), asio::ssl::context::pem, ec); ec) {
      return make_error(error_kind::config, "client key: " + ec.message());
    }
  }
  if (cfg.insecure_skip_tls_verify) {
    spdlog::warn("msg=\"TLS verification of the apiserver is disabled by the kubeconfig\" host={}", cfg.host);
    ctx.set_verify_mode(asio::ssl::verify_none);
  } else {
    ctx.set_verify_mode(asio::ssl::verify_peer);
  }
  return std::shared_ptr<client>(new client(std::move(ex), std::move(cfg), opts, std::move(ctx)));
}

client::client(asio::any_io_executor ex, config cfg, client_options opts, asio::ssl::context ctx)
    : ex_(std::move(ex)),
      cfg_(std::move(cfg)),
      opts_(opts),
      ssl_(std::move(ctx)),
      limiter_(cfg_.qps, cfg_.burst, steady::now()) {}

client::~client() = default;

result<std::string> client::bearer_token() {
  if (cfg_.token_file.empty()) {
    return cfg_.token;
  }
  auto now = steady::now();
  if (token_.empty() || now - token_read_at_ >= opts_.token_reload_interval) {
    std::ifstream in(cfg_.token_file);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) {
      t.pop_back();
    }
    if (!in || t.empty()) {
      if (token_.empty()) {
        return make_error(error_kind::config, "cannot read token file " + cfg_.token_file);
      }
      spdlog::warn("msg=\"cannot re-read token file; keeping the previous token\" file={}", cfg_.token_file);
    } else {
      token_ = std::move(t);
    }
    token_read_at_ = now;
  }
  return token_;
}

std::string client::target_of(const http_request& req) const {
  return cfg_.base_path + req.target;
}

asio::awaitable<void> client::wait_for_rate_limit() {
  auto delay = limiter_.reserve(steady::now());
  if (delay.count() > 0) {
    asio::steady_timer t(ex_, delay);
    co_await t.async_wait(as_tuple(use_awaitable));
  }
}

std::unique_ptr<detail::connection> client::checkout() {
  auto now = steady::now();
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (now - c->idle_since < opts_.max_idle_time) {
      c->reused = true;
      return c;
    }
  }
  return nullptr;
}

void client::checkin(std::unique_ptr<detail::connection> c) {
  if (idle_.size() >= opts_.max_idle_connections) {
    return;  // closing it is the cheapest way to bound the pool
  }
  c->idle_since = steady::now();
  idle_.push_back(std::move(c));
}

asio::awaitable<result<std::unique_ptr<detail::connection>>> client::connect(steady::time_point deadline) {
  asio::ip::tcp::resolver resolver(ex_);
  auto [rec, endpoints] = co_await resolver.async_resolve(cfg_.host, cfg_.port, as_tuple(use_awaitable));
  if (rec) {
    co_return transport(rec, "resolve " + cfg_.host);
  }
  auto c = std::make_unique<detail::connection>(ex_, ssl_);
  auto& tcp = beast::get_lowest_layer(c->stream);
  tcp.expires_at(deadline);
  auto [cec, ep] = co_await tcp.async_connect(endpoints, as_tuple(use_awaitable));
  (void)ep;
  if (cec) {
    co_return transport(cec, "connect " + cfg_.host + ":" + cfg_.port);
  }
  const std::string& name = cfg_.tls_server_name.empty() ? cfg_.host : cfg_.tls_server_name;
  // SNI carries host names only (RFC 6066); IP addresses are checked against the SAN instead.
  if (!is_ip_literal(name) && SSL_ctrl(c->stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                                       TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str())) != 1) {
    co_return transport({}, "cannot set TLS SNI");
  }
  if (!cfg_.insecure_skip_tls_verify) {
    c->stream.set_verify_callback(asio::ssl::host_name_verification(name));
  }
  auto [hec] = co_await c->stream.async_handshake(asio::ssl::stream_base::client, as_tuple(use_awaitable));
  if (hec) {
    co_return transport(hec, "TLS handshake with " + name);
  }
  ++connections_opened_;
  co_return c;
}

asio::awaitable<client::attempt_result> client::attempt(const http_request& req) {
  attempt_result out;
  auto token = bearer_token();
  if (!token) {
    out.res = token.error();
    co_return out;
  }
  http::request<http::string_body> msg{to_verb(req.method), target_of(req), 11};
  msg.set(http::field::host, cfg_.host);
  msg.set(http::field::user_agent, cfg_.user_agent);
  msg.set(http::field::accept, "application/json");
  if (!token->empty()) {
    msg.set(http::field::authorization, "Bearer " + *token);
  }
  if (!req.content_type.empty()) {
    msg.set(http::field::content_type, req.content_type);
  }
  for (const auto& [name, value] : req.headers) {
    msg.set(name, value);
  }
  msg.body() = req.body;
  msg.prepare_payload();
  msg.keep_alive(true);

  const auto deadline = steady::now() + cfg_.request_timeout;
  // A pooled connection may have been closed by the server while idle; then the request
  // fails before any answer and goes again on a fresh connection. The apiserver never
  // drops a connection after reading a request without answering, so this cannot repeat
  // a request it acted on.
  for (int fresh_tries = 0; fresh_tries < 2; ++fresh_tries) {
    auto conn = checkout();
    if (!conn) {
      auto c = co_await connect(deadline);
      if (!c) {
        out.res = c.error();
        co_return out;
      }
      conn = std::move(*c);
    }
    auto& tcp = beast::get_lowest_layer(conn->stream);
    tcp.expires_at(deadline);
    auto [wec, nw] = co_await http::async_write(conn->stream, msg, as_tuple(use_awaitable));
    (void)nw;
    http::response_parser<http::string_body> parser;
    parser.body_limit(opts_.max_response_bytes);
    boost::system::error_code rec;
    if (!wec) {
      out.sent = true;
      auto [ec2, nr] = co_await http::async_read(conn->stream, conn->buffer, parser, as_tuple(use_awaitable));
      (void)nr;
      rec = ec2;
    }
    auto ec = wec ? wec : rec;
    if (ec) {
      const bool stale =
          conn->reused && !parser.got_some() && ec != beast::error::timeout && ec != asio::error::operation_aborted;
      if (stale) {
        // One dead pooled connection means the server restarted or dropped us: the other
        // idle ones are dead too, so the retry goes to a fresh connection.
        idle_.clear();
        out.sent = false;
        continue;
      }
      out.res = transport(ec, std::string(to_string(req.method)) + " " + req.target);
      if (parser.is_header_done()) {
        out.partial = parser.release();
      }
      co_return out;
    }
    auto res = parser.release();
    if (res.keep_alive()) {
      checkin(std::move(conn));
    }
    out.res = std::move(res);
    co_return out;
  }
  out.res = transport(asio::error::connection_reset, "connection closed by server twice");
  co_return out;
}

asio::awaitable<result<std::string>> client::send(http_request req) {
  backoff retry(opts_.retry_backoff);
  for (unsigned n = 1;; ++n) {
    co_await wait_for_rate_limit();
    auto a = co_await attempt(req);
    error err;
    if (a.res) {
      auto& res = *a.res;
      const int code = static_cast<int>(res.result_int());
      if (code >= 200 && code < 300) {
        co_return std::move(res.body());
      }
      err = error_from_response(code, res.body());
      if (auto ra = parse_retry_after(res[http::field::retry_after])) {
        err.retry_after = ra;
      }
    } else {
      err = a.res.error();
    }
    auto delay = retry_delay(err, req.idempotent, a.sent, retry);
    if (!delay || n >= opts_.max_attempts) {
      co_return err;
    }
    spdlog::warn("msg=\"apiserver request failed; retrying\" method={} path={} attempt={} delay_ms={} error=\"{}\"",
                 to_string(req.method), req.target, n, delay->count(), err.describe());
    asio::steady_timer t(ex_, *delay);
    auto [tec] = co_await t.async_wait(as_tuple(use_awaitable));
    if (tec) {
      co_return transport(tec, "cancelled while waiting to retry");
    }
  }
}

std::string_view http_answer::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) {
      return v;
    }
  }
  return {};
}

asio::awaitable<result<http_answer>> client::exchange(http_request req) {
  co_await wait_for_rate_limit();
  auto a = co_await attempt(req);
  if (!a.res && !a.partial) {
    co_return a.res.error();
  }
  http_answer out;
  if (!a.res) {
    out.broken = a.res.error().describe();
    a.res = std::move(*a.partial);
  }
  auto& res = *a.res;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  out.body = std::move(res.body());
  co_return out;
}

}  // namespace kube
