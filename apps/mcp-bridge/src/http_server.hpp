// The bridge's HTTP/1.1 front: Streamable HTTP on --path (POST, GET, DELETE), the
// 2024-11-05 HTTP+SSE endpoints (/sse, /message), and /healthz, /readyz, /metrics. One
// coroutine per connection owns its stream (Boost.Beast awaitable style); request bodies
// are capped (413), headers too; SSE bodies are written as chunks and end when the stream
// is done or the client goes away, which is noticed even while the stream is idle.
// Against hostile or careless clients: at most --max-connections connections (more get a
// 503 and are closed at once); every write has a deadline (--write-timeout) and a stream
// over --max-stream-buffer drops its connection, so a client that stops reading holds
// nothing; accept backs off when the process is out of file descriptors instead of spinning.
// Every connection is a task of an async::task_group: cancelling its task ends its current
// read or write (and with it the connection); cancelling the group ends them all.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>

#include "async/task_group.hpp"
#include "auth/authenticator.hpp"
#include "auth/challenge.hpp"

#include "metrics.hpp"
#include "options.hpp"
#include "request_trace.hpp"
#include "session_manager.hpp"

namespace bridge {

struct http_context {
  const options& opts;
  session_manager& sessions;
  metrics& stats;
  bool check_host = true;  // bound to loopback: refuse non-loopback Host headers (DNS rebinding)
  std::size_t open_connections = 0;
  std::size_t inflight = 0;         // requests read whose answers are not written yet (GET streams excluded)
  bool draining = false;            // shutting down: answer what is in flight, keep no connection open
  std::function<void()> on_change;  // while draining: a request finished or a connection closed
  auth::authenticator* oauth = nullptr;     // --auth-issuer: the resource server; null: none
  const auth::decision* caller = nullptr;  // the request being routed: its bearer-token decision
  tracing* traces = nullptr;  // spans (request_trace.hpp); null or disabled: none
  request_trace* trace = nullptr;   // the request being routed (set around route())

  void changed() const {
    if (draining && on_change) {
      on_change();
    }
  }
};

// Serves one connection until the client closes it, an error, or its task is cancelled
// (terminal cancellation ends the current read or write; the request in progress is still
// accounted for: its stream is detached from the session, `inflight` goes down).
boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket, http_context& ctx);

// Accepts until the acceptor is closed or its task is cancelled; every connection becomes a
// task of `connections`.
boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor, http_context& ctx,
                                         async::task_group& connections);

}  // namespace bridge
