// The bridge's HTTP/1.1 front: Streamable HTTP on --path (POST, GET, DELETE), the
// 2024-11-05 HTTP+SSE endpoints (/sse, /message), and /healthz, /readyz, /metrics. One
// coroutine per connection owns its stream (Boost.Beast awaitable style); request bodies
// are capped (413), headers too; SSE bodies are written as chunks and end when the stream
// is done or the client goes away, which is noticed even while the stream is idle.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "metrics.hpp"
#include "options.hpp"
#include "session_manager.hpp"

namespace bridge {

struct http_context {
  const options& opts;
  session_manager& sessions;
  metrics& stats;
  bool check_host = true;  // bound to loopback: refuse non-loopback Host headers (DNS rebinding)
  std::size_t open_connections = 0;
  bool draining = false;  // shutting down: answer what is in flight, keep no connection open
};

boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket, http_context& ctx);

// Accepts until the acceptor is closed.
boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor, http_context& ctx);

}  // namespace bridge
