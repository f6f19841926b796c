// The verifier's plain-HTTP transport: one short-lived connection per exchange to the
// server's Service, finished by the probe's deadline, the body read up to
// probe_limits::max_body (and the headers up to Beast's 8 KiB), no redirects followed.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>

#include "controllers/mcpserver_controller.hpp"

namespace controllers {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

asio::awaitable<probe_response> http_exchange(std::string host, std::string port, std::string target, probe_request req,
                                              std::chrono::steady_clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(ex);
  beast::tcp_stream stream(ex);
  stream.expires_at(deadline);
  auto endpoints = co_await resolver.async_resolve(host, port, asio::use_awaitable);
  co_await stream.async_connect(endpoints, asio::use_awaitable);
  const http::verb verb = req.method == "DELETE" ? http::verb::delete_
                          : req.method == "GET"  ? http::verb::get
                                                 : http::verb::post;
  http::request<http::string_body> r{verb, target, 11};
  r.set(http::field::host, host + ":" + port);
  r.set(http::field::user_agent, "mcp-operator");
  for (const auto& [k, v] : req.headers)
    r.set(k, v);
  if (verb != http::verb::get) {
    r.body() = std::move(req.body);
    r.prepare_payload();
  }
  co_await http::async_write(stream, r, asio::use_awaitable);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(probe_limits::max_body);
  auto [ec, n] = co_await http::async_read(stream, buf, parser, asio::as_tuple(asio::use_awaitable));
  (void)n;
  probe_response out;
  if (ec == http::error::body_limit && parser.is_header_done()) {
    out.too_large = true;  // the rest is never read: the connection is closed below
  } else if (ec) {
    throw boost::system::system_error(ec);
  }
  auto& res = parser.get();
  out.status = res.result_int();
  out.content_type = std::string(res[http::field::content_type]);
  out.session_id = std::string(res["Mcp-Session-Id"]);
  out.www_authenticate = std::string(res[http::field::www_authenticate].substr(0, 2048));
  if (!out.too_large)
    out.body = std::move(res.body());
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  co_return out;
}

probe_transport direct_transport(std::string cluster_domain) {
  return [cluster_domain = std::move(cluster_domain)](
             api::mcpserver s, probe_request req,
             std::chrono::steady_clock::time_point deadline) -> asio::awaitable<probe_response> {
    std::string host = s.name + "." + s.namespace_ + ".svc." + cluster_domain;
    return http_exchange(std::move(host), std::to_string(s.spec.port), s.spec.path, std::move(req), deadline);
  };
}

}  // namespace controllers
