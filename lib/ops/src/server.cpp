#include "ops/server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <charconv>

#include "async/task_group.hpp"

namespace ops {

namespace {

boost::asio::awaitable<void> connection(boost::beast::tcp_stream stream, const router& routes, server_options opts) {
  stream.expires_after(opts.idle_timeout);
  co_await serve_connection(stream, routes);
  boost::system::error_code ignored;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace

boost::asio::awaitable<void> serve(boost::asio::ip::tcp::acceptor acceptor, const router& routes,
                                   server_options options) {
  using boost::asio::as_tuple;
  using boost::asio::use_awaitable;
  namespace error = boost::asio::error;
  co_await boost::asio::this_coro::throw_if_cancelled(false);
  const auto cs = co_await boost::asio::this_coro::cancellation_state;
  // Every connection is a task of this group: when the listener stops, so do they.
  async::task_group connections(acceptor.get_executor());
  boost::asio::steady_timer backoff(acceptor.get_executor());
  auto delay = std::chrono::milliseconds(10);
  while (cs.cancelled() == boost::asio::cancellation_type::none) {
    auto [ec, socket] = co_await acceptor.async_accept(as_tuple(use_awaitable));
    if (ec == error::operation_aborted || !acceptor.is_open()) {
      break;
    }
    if (ec) {
      // Out of descriptors (EMFILE, ENFILE) or memory, the pending connection stays in the
      // backlog and the next accept fails at once: wait, 10 ms doubling to 1 s, instead of
      // spinning; the connections we have keep being served.
      if (ec == error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
          ec == error::no_buffer_space || ec == error::no_memory) {
        backoff.expires_after(delay);
        co_await backoff.async_wait(as_tuple(use_awaitable));
        delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(1));
      }
      continue;
    }
    delay = std::chrono::milliseconds(10);
    connections.spawn("ops-connection", connection(boost::beast::tcp_stream(std::move(socket)), routes, options));
  }
  co_await connections.cancel_and_wait();
}

bool parse_bind_address(std::string_view text, boost::asio::ip::tcp::endpoint& out, bool& disabled) {
  disabled = false;
  if (text == "0") {
    disabled = true;
    return true;
  }
  std::string_view host;
  std::string_view port = text;
  if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || ptr != port.data() + port.size() || value > 65535) {
    return false;
  }
  boost::system::error_code aec;
  auto addr = host.empty() ? boost::asio::ip::address(boost::asio::ip::address_v6::any())
                           : boost::asio::ip::make_address(std::string(host), aec);
  if (aec) {
    return false;
  }
  out = boost::asio::ip::tcp::endpoint(addr, static_cast<unsigned short>(value));
  return true;
}

}  // namespace ops
