// The transport to one apiserver: HTTP/1.1 over TLS (SNI, peer verification) with a pool of
// keep-alive connections, a per-request deadline, client-go's client-side QPS/burst limit,
// and retries with backoff for connection failures, 429 (honouring Retry-After) and 5xx on
// idempotent requests. Bearer tokens from files are re-read at least every 60 s.
//
// Threading: a client and everything built on it run on one single-threaded executor (an
// io_context run by one thread, or a strand); coroutines interleave but never race.
// Coroutines take their arguments by value: a reference parameter would dangle when the
// caller passes a temporary and does not co_await in the same expression.
// Cancellation: every operation supports asio terminal cancellation (cancelling a task's
// coroutine aborts its in-flight request and closes that connection).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kube/client/config.hpp"
#include "kube/core/backoff.hpp"
#include "kube/core/error.hpp"
#include "kube/core/request.hpp"
#include "kube/core/token_bucket.hpp"
#include "kube/core/watch_decoder.hpp"

namespace kube {

namespace detail {
struct connection;
struct watch_body;
}  // namespace detail

// An open watch: events are decoded as the bytes arrive (nothing else is buffered).
class event_stream {
 public:
  event_stream(event_stream&&) noexcept;
  event_stream& operator=(event_stream&&) noexcept;
  ~event_stream();

  // Waits for at least one event and appends all decoded ones to `out`. Returns false once
  // the server ended the stream cleanly. Errors: transport (including no byte for
  // `idle_timeout`) and decode.
  boost::asio::awaitable<result<bool>> next(std::vector<watch_event>& out);

 private:
  friend class client;
  explicit event_stream(std::unique_ptr<detail::watch_body> body);
  std::unique_ptr<detail::watch_body> body_;
};

// A response body read as it arrives (client::open_stream), for bodies that never end on
// their own, such as a followed pod log.
class byte_stream {
 public:
  byte_stream(byte_stream&&) noexcept;
  byte_stream& operator=(byte_stream&&) noexcept;
  ~byte_stream();

  // Waits for body bytes and appends them to `out`. Returns false once the body ended.
  // Errors: transport (including no byte for client_options::watch_idle_timeout).
  boost::asio::awaitable<result<bool>> next(std::string& out);

 private:
  friend class client;
  explicit byte_stream(std::unique_ptr<detail::watch_body> body);
  std::unique_ptr<detail::watch_body> body_;
};

// Any HTTP answer (client::exchange): the status is not judged.
struct http_answer {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Non-empty: the body broke off after the head (why); `body` holds what arrived. A streamed
  // answer may already be whole by then (the apiserver's service proxy sometimes drops an
  // HTTP/1.1 connection before the last chunk of a complete event stream).
  std::string broken;
  // The first value of header `name` (case-insensitive), empty when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const;
};

struct client_options {
  unsigned max_attempts = 5;  // per request, including the first
  backoff_policy retry_backoff{std::chrono::milliseconds(200), std::chrono::milliseconds(5'000), 2.0};
  std::size_t max_idle_connections = 16;
  std::chrono::seconds max_idle_time{60};
  std::size_t max_response_bytes = 256u << 20;
  // A watch that stays silent this long is dead (bookmarks arrive about once a minute).
  std::chrono::seconds watch_idle_timeout{330};
  std::chrono::seconds token_reload_interval{60};
};

class client {
 public:
  // Fails when the TLS material in `cfg` is unusable.
  static result<std::shared_ptr<client>> create(boost::asio::any_io_executor ex, config cfg, client_options opts = {});
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Sends `req`; returns the body of a 2xx answer, or the classified error.
  boost::asio::awaitable<result<std::string>> send(http_request req);
  // Opens a watch (one attempt: the watcher decides about retries).
  boost::asio::awaitable<result<event_stream>> watch(http_request req);
  // Sends `req` once (after the rate limit; a request that may not be idempotent, such as a
  // POST through a service proxy, is never repeated) and returns whatever HTTP answer came,
  // also one whose body broke off (http_answer::broken). Errors: transport before any head.
  boost::asio::awaitable<result<http_answer>> exchange(http_request req);
  // Opens a GET whose body is read as it arrives; a non-2xx answer is the classified error.
  boost::asio::awaitable<result<byte_stream>> open_stream(http_request req);

  [[nodiscard]] const config& cfg() const { return cfg_; }
  [[nodiscard]] boost::asio::any_io_executor executor() const { return ex_; }
  // Connections opened since creation: keep-alive means this grows far slower than requests.
  [[nodiscard]] std::size_t connections_opened() const { return connections_opened_; }

 private:
  struct attempt_result;
  client(boost::asio::any_io_executor ex, config cfg, client_options opts, boost::asio::ssl::context ctx);

  boost::asio::awaitable<result<std::unique_ptr<detail::connection>>> connect(
      std::chrono::steady_clock::time_point deadline);
  boost::asio::awaitable<attempt_result> attempt(const http_request& req);
  boost::asio::awaitable<void> wait_for_rate_limit();
  boost::asio::awaitable<result<std::unique_ptr<detail::watch_body>>> open_body(http_request req);
  std::unique_ptr<detail::connection> checkout();
  void checkin(std::unique_ptr<detail::connection> c);
  result<std::string> bearer_token();
  std::string target_of(const http_request& req) const;

  boost::asio::any_io_executor ex_;
  config cfg_;
  client_options opts_;
  boost::asio::ssl::context ssl_;
  token_bucket limiter_;
  std::vector<std::unique_ptr<detail::connection>> idle_;
  std::string token_;
  std::chrono::steady_clock::time_point token_read_at_{};
  std::size_t connections_opened_ = 0;
};

}  // namespace kube
