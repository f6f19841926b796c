#include "auth/fetch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <fstream>
#include <optional>
#include <sstream>

namespace auth {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;

std::string read_token(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) {
    t.pop_back();
  }
  return t;
}

template <class Stream>
asio::awaitable<fetch_result> exchange(Stream& stream, http::request<http::empty_body> req, std::size_t max_bytes,
                                       std::string url) {
  fetch_result r;
  auto [wec, wn] = co_await http::async_write(stream, req, as_tuple(use_awaitable));
  (void)wn;
  if (wec) {
    r.error = "GET " + url + ": " + wec.message();
    co_return r;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_bytes);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
  (void)rn;
  if (rec) {
    r.error = "GET " + url + ": " + (rec == http::error::body_limit ? "answer larger than the limit" : rec.message());
    co_return r;
  }
  auto res = parser.release();
  if (res.result_int() != 200) {
    r.error = "GET " + url + " answered " + std::to_string(res.result_int());
    co_return r;
  }
  r.ok = true;
  r.body = std::move(res.body());
  co_return r;
}

asio::awaitable<fetch_result> fetch(asio::any_io_executor ex, std::string url, fetch_options o) {
  fetch_result r;
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || (u->scheme() != "https" && u->scheme() != "http") || u->encoded_host().empty()) {
    r.error = "not an http(s) URL: " + url;
    co_return r;
  }
  const bool tls = u->scheme() == "https";
  std::string host(u->host_name().empty() ? u->encoded_host_address() : u->host_name());
  if (u->host_type() == boost::urls::host_type::ipv6) {
    host = std::string(u->encoded_host_address());
  }
  const std::string port = u->has_port() ? std::string(u->port()) : (tls ? "443" : "80");
  std::string target(u->encoded_target());
  if (target.empty()) {
    target = "/";
  }
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, u->encoded_authority());
  req.set(http::field::accept, "application/json");
  req.set(http::field::user_agent, "mcp-operator-auth");
  if (!o.token_file.empty()) {
    const std::string t = read_token(o.token_file);
    if (t.empty()) {
      r.error = "cannot read the token file for " + url;
      co_return r;
    }
    req.set(http::field::authorization, "Bearer " + t);
  }
  asio::ip::tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, port, as_tuple(use_awaitable));
  if (rec) {
    r.error = "resolve " + host + ": " + rec.message();
    co_return r;
  }
  beast::tcp_stream tcp(ex);
  auto [cec, ep] = co_await tcp.async_connect(endpoints, as_tuple(use_awaitable));
  (void)ep;
  if (cec) {
    r.error = "connect to " + host + ":" + port + ": " + cec.message();
    co_return r;
  }
  if (!tls) {
    co_return co_await exchange(tcp, std::move(req), o.max_bytes, url);
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  if (o.ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.load_verify_file(o.ca_file, ec);
  }
  if (ec) {
    r.error = "cannot load the CA bundle " + o.ca_file + ": " + ec.message();
    co_return r;
  }
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ctx.set_verify_callback(asio::ssl::host_name_verification(host));
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), ctx);
  if (u->host_type() == boost::urls::host_type::name) {
    // The macro form of SSL_set_tlsext_host_name casts to void* (an old-style cast).
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host.data());
  }
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, as_tuple(use_awaitable));
  if (hec) {
    r.error = "TLS with " + host + ":" + port + ": " + hec.message();
    co_return r;
  }
  co_return co_await exchange(stream, std::move(req), o.max_bytes, url);
}

}  // namespace

asio::awaitable<fetch_result> http_get(asio::any_io_executor ex, std::string url, fetch_options o) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer deadline(ex, o.timeout);
  const std::string what = url;
  auto r = co_await (fetch(ex, std::move(url), std::move(o)) || deadline.async_wait(as_tuple(use_awaitable)));
  if (r.index() == 1) {
    fetch_result timed_out;
    timed_out.error = "GET " + what + ": no answer within the timeout";
    co_return timed_out;
  }
  co_return std::get<0>(std::move(r));
}

}  // namespace auth
