// HTTP upstream mode (--upstream http://host:port/path): the MCP server is an HTTP server,
// usually in the same pod, that speaks Streamable HTTP. Each session (or stateless request,
// or the shared mode's one upstream) gets an http_link, a server_link like a stdio child:
// its protocol is mcp::streamable_client's (initialize first, the session id and revision on
// every later exchange, JSON or SSE answers, the GET stream, DELETE at the end); this driver
// performs its exchanges with Beast over keep-alive connections from one pool.
// Bounds: a connect takes at most 10 s; a POST exchange ends by the request timeout plus
// 10 s (the session core has answered the client with a timeout by then); writes stall at
// most --write-timeout; a DELETE gets 5 s; one message at most
// --max-line bytes; at most 64 idle connections are kept, each for at most 4 s (below Node's
// 5 s keep-alive, so a reused connection is rarely one the server is closing; one that is
// fails before any byte of the answer and the exchange is retried once on a new connection).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "link.hpp"
#include "mcp/streamable_client.hpp"

namespace bridge {

struct http_upstream_config {
  std::string host;    // as in the URL (a name or an address)
  std::string port;    // "80" when the URL has none
  std::string target;  // path and query
  std::size_t max_message = std::size_t{4} << 20;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{60000};
  std::chrono::milliseconds write_timeout{30000};
  // Sent on every exchange (the gateway's bearer token for a remote member); never logged.
  std::vector<std::pair<std::string, std::string>> extra_headers{};
};

// "host:port", with an IPv6 address in brackets: a URL's authority and a Host header.
std::string host_port(std::string_view host, std::string_view port);

// Parses --upstream: http only (the server is in the pod; TLS to it would protect nothing).
// `what` names the setting in the error text.
boost::system::result<http_upstream_config> parse_upstream_url(std::string_view url, std::string& error,
                                                               std::string_view what = "--upstream");

// Idle keep-alive connections to the upstream, shared by every link, and whether the
// upstream accepts connections at all (/readyz).
class http_pool : public std::enable_shared_from_this<http_pool> {
 public:
  http_pool(const boost::asio::any_io_executor& ex, http_upstream_config config);

  struct connection {
    explicit connection(const boost::asio::any_io_executor& ex) : stream(ex) {}
    boost::beast::tcp_stream stream;
    bool reused = false;
  };
  // An idle connection, or a new one (connect bounded by connect_timeout).
  boost::asio::awaitable<boost::system::result<std::unique_ptr<connection>>> take(bool fresh = false);
  void give_back(std::unique_ptr<connection> c);
  // Checks every second until the upstream accepts a connection, then every 5 s.
  void watch();
  void stop();
  [[nodiscard]] bool reachable() const { return reachable_; }
  [[nodiscard]] const http_upstream_config& config() const { return config_; }
  [[nodiscard]] std::size_t idle() const { return idle_.size(); }

 private:
  boost::asio::awaitable<void> watch_loop();

  struct idle_connection {
    std::unique_ptr<connection> c;
    std::chrono::steady_clock::time_point since;
  };
  boost::asio::any_io_executor ex_;
  http_upstream_config config_;
  std::deque<idle_connection> idle_;
  boost::asio::steady_timer watch_timer_;
  bool reachable_ = false;
  bool stopped_ = false;
};

class http_link final : public server_link, public std::enable_shared_from_this<http_link> {
 public:
  http_link(const boost::asio::any_io_executor& ex, std::shared_ptr<http_pool> pool);
  ~http_link() override;
  http_link(const http_link&) = delete;
  http_link& operator=(const http_link&) = delete;

  void send(std::string json) override;
  void send(mcp::message m);  // the same, without a round trip through text
  void terminate() override;
  void release() override;  // cancels every exchange, deletes nothing
  // Continues an upstream session another process opened (streamable_client::resume): call
  // before anything is sent. False if the link has started already.
  bool resume(std::string session_id, std::string protocol_version);
  // The upstream's Mcp-Session-Id and revision once initialized (or resumed); empty before.
  [[nodiscard]] const std::string& session_id() const { return core_.session_id(); }
  [[nodiscard]] const std::string& protocol_version() const { return core_.protocol_version(); }
  void on_started(std::function<void()> fn, std::chrono::milliseconds limit) override;
  [[nodiscard]] pid_t pid() const override { return -1; }
  [[nodiscard]] bool alive() const override { return !core_.ended(); }
  [[nodiscard]] std::uint64_t serial() const override { return serial_; }

 private:
  struct exchange_io;
  void pump();
  void perform(mcp::client_action& a);
  static boost::asio::awaitable<void> run_exchange(std::weak_ptr<http_link> link, std::shared_ptr<http_pool> pool,
                                                   mcp::exchange_request r, std::shared_ptr<exchange_io> io);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<http_pool> pool_;
  std::uint64_t serial_;
  mcp::streamable_client core_;
  std::map<std::uint64_t, std::shared_ptr<exchange_io>> live_;
  boost::asio::steady_timer retry_timer_;
  bool pumping_ = false;
};

}  // namespace bridge
