// Opening a watch and reading its body incrementally (client::watch, event_stream).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "connection.hpp"
#include "kube/client/client.hpp"

namespace kube {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;

event_stream::event_stream(std::unique_ptr<detail::watch_body> body) : body_(std::move(body)) {}
event_stream::event_stream(event_stream&&) noexcept = default;
event_stream& event_stream::operator=(event_stream&&) noexcept = default;
event_stream::~event_stream() = default;

namespace {

// Reads what has arrived into b.chunk (read_some: an event must not wait for 64 KiB to fill);
// returns the body byte count, which may be 0 when only framing arrived.
asio::awaitable<result<std::size_t>> read_chunk(detail::watch_body& b) {
  auto& body = b.parser.get().body();
  body.data = b.chunk.data();
  body.size = b.chunk.size();
  beast::get_lowest_layer(b.conn->stream).expires_after(b.idle_timeout);
  auto [ec, n] = co_await http::async_read_some(b.conn->stream, b.conn->buffer, b.parser, as_tuple(use_awaitable));
  (void)n;
  if (ec && ec != http::error::need_buffer) {
    auto e = transport_error(ec, ec == beast::error::timeout ? "watch idle for too long" : "watch stream broken");
    co_return e;
  }
  co_return b.chunk.size() - body.size;
}

}  // namespace

asio::awaitable<result<bool>> event_stream::next(std::vector<watch_event>& out) {
  auto& b = *body_;
  const auto before = out.size();
  while (out.size() == before) {
    if (b.parser.is_done()) {
      if (auto f = b.decoder.finish(); !f) {
        co_return f.error();
      }
      co_return false;
    }
    auto n = co_await read_chunk(b);
    if (!n) {
      co_return n.error();
    }
    if (auto r = b.decoder.feed(std::string_view(b.chunk.data(), *n), out); !r) {
      co_return r.error();
    }
  }
  co_return true;
}

byte_stream::byte_stream(std::unique_ptr<detail::watch_body> body) : body_(std::move(body)) {}
byte_stream::byte_stream(byte_stream&&) noexcept = default;
byte_stream& byte_stream::operator=(byte_stream&&) noexcept = default;
byte_stream::~byte_stream() = default;

asio::awaitable<result<bool>> byte_stream::next(std::string& out) {
  auto& b = *body_;
  const auto before = out.size();
  while (out.size() == before) {
    if (b.parser.is_done()) {
      co_return false;
    }
    auto n = co_await read_chunk(b);
    if (!n) {
      co_return n.error();
    }
    out.append(b.chunk.data(), *n);
  }
  co_return true;
}

asio::awaitable<result<event_stream>> client::watch(http_request req) {
  auto body = co_await open_body(std::move(req));
  if (!body) {
    co_return body.error();
  }
  co_return event_stream(std::move(*body));
}

asio::awaitable<result<byte_stream>> client::open_stream(http_request req) {
  auto body = co_await open_body(std::move(req));
  if (!body) {
    co_return body.error();
  }
  co_return byte_stream(std::move(*body));
}

// Sends a GET on a connection of its own and reads the head; a 200 leaves the body to be read
// as it arrives.
asio::awaitable<result<std::unique_ptr<detail::watch_body>>> client::open_body(http_request req) {
  co_await wait_for_rate_limit();
  auto token = bearer_token();
  if (!token) {
    co_return token.error();
  }
  http::request<http::string_body> msg{http::verb::get, target_of(req), 11};
  msg.set(http::field::host, cfg_.host);
  msg.set(http::field::user_agent, cfg_.user_agent);
  msg.set(http::field::accept, "application/json");
  if (!token->empty()) {
    msg.set(http::field::authorization, "Bearer " + *token);
  }
  // A watch holds its connection for minutes, so it never takes one from the pool.
  auto conn = co_await connect(std::chrono::steady_clock::now() + cfg_.request_timeout);
  if (!conn) {
    co_return conn.error();
  }
  auto body = std::make_unique<detail::watch_body>();
  body->conn = std::move(*conn);
  body->idle_timeout = opts_.watch_idle_timeout;
  auto& tcp = beast::get_lowest_layer(body->conn->stream);
  tcp.expires_after(cfg_.request_timeout);
  auto [wec, nw] = co_await http::async_write(body->conn->stream, msg, as_tuple(use_awaitable));
  (void)nw;
  if (wec) {
    co_return transport_error(wec, "watch " + req.target);
  }
  body->parser.body_limit(boost::none);  // a watch body is unbounded; each event is capped by the decoder
  auto [hec, nh] =
      co_await http::async_read_header(body->conn->stream, body->conn->buffer, body->parser, as_tuple(use_awaitable));
  (void)nh;
  if (hec) {
    co_return transport_error(hec, "watch " + req.target);
  }
  const int code = static_cast<int>(body->parser.get().result_int());
  if (code != 200) {
    // Collect the (small) Status body to classify the failure.
    std::string text;
    for (int reads = 0; !body->parser.is_done() && text.size() < (1u << 20) && reads < 1024; ++reads) {
      auto n = co_await read_chunk(*body);
      if (!n) {
        break;
      }
      text.append(body->chunk.data(), *n);
    }
    co_return error_from_response(code, text);
  }
  co_return std::move(body);
}

}  // namespace kube
