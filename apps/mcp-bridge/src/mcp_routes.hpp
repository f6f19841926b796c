// What the MCP endpoints answer: each route turns a request into a response_plan (a plain
// reply, or a stream to pump), so the connection coroutine in http_server.cpp owns all the
// I/O and the routes only apply the protocol rules of lib/mcp to the session layer.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/url_view.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "outbound.hpp"

namespace bridge {

struct http_context;
class session;

using request = boost::beast::http::request<boost::beast::http::string_body>;

struct response_plan {
  unsigned status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<outbound> stream;  // set: answer with this stream instead of `body`
  // Runs when the connection stops writing `stream` (done, or the client went away); it
  // also keeps the stream's owner alive while the stream is written.
  std::function<void(outbound&)> on_detach;
  bool batch = false;  // the request was a batch (JSON mode answers with an array)
  bool close = false;
  // Every child start slot is taken: the connection waits for one (bounded by
  // --start-queue-timeout) and routes the request again.
  bool wait_for_start = false;
  // Runs before anything of the answer is written (a gateway session is named here: its id
  // goes in a header, and it is known once the members are initialized).
  std::function<boost::asio::awaitable<void>(response_plan&)> before_write;
};

response_plan plain(unsigned status, std::string content_type, std::string body);
response_plan rpc_error(unsigned status, int code, std::string_view message);

// POST/GET/DELETE on the Streamable HTTP path (2025-03-26 .. 2025-11-25, and 405 for the
// GET/DELETE of stateless 2026-07-28 clients).
response_plan streamable_route(const request& req, http_context& ctx, std::string& metric_label);

// GET /sse and POST /message?sessionId= (2024-11-05).
response_plan legacy_route(const request& req, const boost::urls::url_view& url, http_context& ctx,
                           std::string& metric_label);

}  // namespace bridge
