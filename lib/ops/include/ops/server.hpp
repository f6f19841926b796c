// Serves an ops::router over HTTP/1.1 with Boost.Beast coroutines: one small listener for
// probes and metrics. Each connection is a coroutine that owns its stream; every read has
// a deadline and request bodies are capped, so a slow or hostile prober cannot pin memory.
// serve_connection is a template over the stream so tests drive it with beast::test::stream.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>

#include "ops/router.hpp"

namespace ops {

namespace http = boost::beast::http;

// Reads requests from one connection and answers them until the peer closes, asks to
// close, or errors. Never throws for network errors.
template <class Stream>
boost::asio::awaitable<void> serve_connection(Stream& stream, const router& routes) {
  using boost::asio::as_tuple;
  using boost::asio::use_awaitable;
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(4096);  // probes and scrapes send no body
    parser.header_limit(8192);
    auto [rec, nread] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
    (void)nread;
    if (rec) {
      co_return;  // end_of_stream, timeout, or a malformed request: drop the connection
    }
    const auto& req = parser.get();
    reply r = routes.handle(std::string_view(req.method_string()), std::string_view(req.target()));
    http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
    res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    if (req.method() == http::verb::head) {
      res.content_length(r.body.size());
    } else {
      res.body() = std::move(r.body);
      res.prepare_payload();
    }
    auto [wec, nwritten] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
    (void)nwritten;
    if (wec || !res.keep_alive()) {
      co_return;
    }
  }
}

struct server_options {
  std::chrono::seconds idle_timeout{30};
};

// Accepts connections on `acceptor` until it is closed or the coroutine is cancelled; then
// cancels the connections still open (each is a task of one async::task_group) and
// completes once they have all ended, so no connection outlives the listener.
boost::asio::awaitable<void> serve(boost::asio::ip::tcp::acceptor acceptor, const router& routes,
                                   server_options options = {});

// Parses "host:port", ":port" or "port" (controller-runtime's bind-address forms; an empty
// host means all interfaces, "0" disables). Returns false on a malformed address.
bool parse_bind_address(std::string_view text, boost::asio::ip::tcp::endpoint& out, bool& disabled);

}  // namespace ops
