// Private: one pooled TLS connection and the state of an open watch body.
#pragma once

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <chrono>

#include "kube/core/watch_decoder.hpp"

namespace kube::detail {

struct connection {
  connection(const boost::asio::any_io_executor& ex, boost::asio::ssl::context& ctx) : stream(ex, ctx) {}

  boost::beast::ssl_stream<boost::beast::tcp_stream> stream;
  boost::beast::flat_buffer buffer;  // bytes read past one response belong to the next
  std::chrono::steady_clock::time_point idle_since{};
  bool reused = false;
};

struct watch_body {
  std::unique_ptr<connection> conn;
  boost::beast::http::response_parser<boost::beast::http::buffer_body> parser;
  watch_decoder decoder;
  std::chrono::seconds idle_timeout{330};
  std::array<char, 64 * 1024> chunk{};
};

}  // namespace kube::detail
