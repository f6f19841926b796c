// An MCP client session over Streamable HTTP: one keep-alive HTTP/1.1 connection that POSTs
// JSON-RPC and reads the answer as application/json or as a text/event-stream, the way the
// SDK clients do (Accept: both). Reconnects when the server closes the connection. Every
// request (connect, write, read) is bounded by the per-request timeout.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "session.hpp"

namespace loadgen {

struct http_target {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host;  // the Host header, "127.0.0.1:port"
  std::string path;  // e.g. "/mcp"
  // The tool tools/call names (it takes {"message": string}), headers sent with every request,
  // and the protocol revision initialize offers.
  std::string tool = "echo";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string revision = "2025-06-18";
};

class http_session final : public session {
 public:
  http_session(const boost::asio::any_io_executor& ex, http_target target, std::chrono::milliseconds timeout);

  boost::asio::awaitable<outcome> initialize() override;
  boost::asio::awaitable<outcome> call(std::uint64_t n) override;
  boost::asio::awaitable<void> close() override;
  [[nodiscard]] unsigned last_status() const override { return last_status_; }

 private:
  struct answer {
    outcome result = outcome::ok;
    std::string session_id;
    std::string protocol_version;  // from an initialize result
  };
  // POSTs `body`; when `id` is non-zero the answer must be the JSON-RPC response with that id,
  // otherwise (a notification) 202 or 200 with no response is expected.
  boost::asio::awaitable<answer> post(const std::string& body, std::uint64_t id);
  boost::asio::awaitable<bool> ensure_connected(outcome& failure);
  void drop_connection();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  http_target target_;
  std::chrono::milliseconds timeout_;
  bool connected_ = false;
  std::string session_id_;
  std::string protocol_version_;
  std::uint64_t next_id_ = 1;
  unsigned last_status_ = 0;
};

}  // namespace loadgen
