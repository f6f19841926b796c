#include "http_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <optional>

#include "mcp/sse.hpp"

namespace loadgen {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

constexpr std::size_t max_body = 16 * 1024 * 1024;

// The response with `id` among the JSON-RPC messages of one body (a message or a batch).
std::optional<json::object> find_response(const json::value& v, std::uint64_t id) {
  auto matches = [id](const json::object& o) {
    const auto* i = o.if_contains("id");
    return i != nullptr && i->is_number() && i->to_number<std::uint64_t>() == id &&
           (o.contains("result") || o.contains("error"));
  };
  if (const auto* o = v.if_object(); o != nullptr && matches(*o)) {
    return *o;
  }
  if (const auto* a = v.if_array()) {
    for (const auto& e : *a) {
      if (const auto* o = e.if_object(); o != nullptr && matches(*o)) {
        return *o;
      }
    }
  }
  return std::nullopt;
}

std::optional<json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) {
    return std::nullopt;
  }
  return v;
}

outcome failure_of(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) {
    return outcome::timeout;
  }
  return outcome::io_error;
}

}  // namespace

std::string_view to_string(outcome o) {
  switch (o) {
    case outcome::ok:
      return "ok";
    case outcome::http_error:
      return "http_error";
    case outcome::jsonrpc_error:
      return "jsonrpc_error";
    case outcome::timeout:
      return "timeout";
    case outcome::connect_error:
      return "connect_error";
    case outcome::io_error:
      return "io_error";
    case outcome::bad_response:
      return "bad_response";
  }
  return "unknown";
}

http_session::http_session(const asio::any_io_executor& ex, http_target target, std::chrono::milliseconds timeout)
    : stream_(ex), target_(std::move(target)), timeout_(timeout) {}

void http_session::drop_connection() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  buffer_.clear();
  connected_ = false;
}

asio::awaitable<bool> http_session::ensure_connected(outcome& failure) {
  if (connected_) {
    co_return true;
  }
  stream_.expires_after(timeout_);
  auto [ec] = co_await stream_.async_connect(target_.endpoint, as_tuple(use_awaitable));
  if (ec) {
    failure = ec == beast::error::timeout ? outcome::timeout : outcome::connect_error;
    stream_.close();
    co_return false;
  }
  stream_.socket().set_option(asio::ip::tcp::no_delay(true));
  connected_ = true;
  co_return true;
}

asio::awaitable<http_session::answer> http_session::post(const std::string& body, std::uint64_t id) {
  answer a;
  if (!co_await ensure_connected(a.result)) {
    co_return a;
  }
  http::request<http::string_body> req{http::verb::post, target_.path, 11};
  req.set(http::field::host, target_.host);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json, text/event-stream");
  for (const auto& [name, value] : target_.headers) {
    req.set(name, value);
  }
  if (!session_id_.empty()) {
    req.set("Mcp-Session-Id", session_id_);
  }
  if (!protocol_version_.empty()) {
    req.set("MCP-Protocol-Version", protocol_version_);
  }
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();

  stream_.expires_after(timeout_);
  if (auto [ec, n] = co_await http::async_write(stream_, req, as_tuple(use_awaitable)); ec) {
    a.result = failure_of(ec);
    drop_connection();
    co_return a;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, as_tuple(use_awaitable));
  if (ec) {
    a.result = failure_of(ec);
    drop_connection();
    co_return a;
  }
  auto& res = parser.get();
  if (!res.keep_alive()) {
    drop_connection();
  }
  last_status_ = res.result_int();
  if (auto sid = res.find("Mcp-Session-Id"); sid != res.end()) {
    a.session_id = std::string(sid->value());
  }
  if (res.result_int() != 200 && res.result_int() != 202) {
    a.result = outcome::http_error;
    co_return a;
  }
  if (id == 0) {
    co_return a;  // a notification: accepted
  }
  std::optional<json::object> response;
  const std::string_view type = res[http::field::content_type];
  if (type.starts_with("text/event-stream")) {
    mcp::sse::parser sse(max_body);
    sse.feed(res.body());
    sse.feed("\n\n");  // a stream cut right after its last data line still yields that event
    mcp::sse::event ev;
    while (!response && sse.next(ev)) {
      if (auto v = parse_json(ev.data)) {
        response = find_response(*v, id);
      }
    }
  } else if (auto v = parse_json(res.body())) {
    response = find_response(*v, id);
  }
  if (!response) {
    a.result = outcome::bad_response;
  } else if (response->contains("error")) {
    a.result = outcome::jsonrpc_error;
  } else if (const auto* r = response->at("result").if_object()) {
    if (const auto* pv = r->if_contains("protocolVersion"); pv != nullptr && pv->is_string()) {
      a.protocol_version = std::string(pv->get_string());
    }
  }
  co_return a;
}

asio::awaitable<outcome> http_session::initialize() {
  const std::uint64_t id = next_id_++;
  const std::string init = json::serialize(json::object{
      {"jsonrpc", "2.0"},
      {"id", id},
      {"method", "initialize"},
      {"params", json::object{{"protocolVersion", target_.revision},
                              {"capabilities", json::object{}},
                              {"clientInfo", json::object{{"name", "mcp-bench-loadgen"}, {"version", "1"}}}}}});
  auto a = co_await post(init, id);
  if (a.result != outcome::ok) {
    co_return a.result;
  }
  session_id_ = a.session_id;  // empty for servers without sessions
  protocol_version_ = a.protocol_version.empty() ? target_.revision : a.protocol_version;
  auto n = co_await post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", 0);
  co_return n.result;
}

asio::awaitable<outcome> http_session::call(std::uint64_t n) {
  const std::uint64_t id = next_id_++;
  const std::string body = json::serialize(json::object{
      {"jsonrpc", "2.0"},
      {"id", id},
      {"method", "tools/call"},
      {"params",
       json::object{{"name", target_.tool}, {"arguments", json::object{{"message", "m" + std::to_string(n)}}}}}});
  auto a = co_await post(body, id);
  co_return a.result;
}

asio::awaitable<void> http_session::close() {
  if (!session_id_.empty()) {
    outcome failure = outcome::ok;
    if (co_await ensure_connected(failure)) {
      http::request<http::empty_body> req{http::verb::delete_, target_.path, 11};
      req.set(http::field::host, target_.host);
      req.set("Mcp-Session-Id", session_id_);
      req.set("MCP-Protocol-Version", protocol_version_);
      for (const auto& [name, value] : target_.headers) {
        req.set(name, value);
      }
      stream_.expires_after(timeout_);
      auto [wec, wn] = co_await http::async_write(stream_, req, as_tuple(use_awaitable));
      if (!wec) {
        http::response<http::string_body> res;
        co_await http::async_read(stream_, buffer_, res, as_tuple(use_awaitable));
      }
    }
    session_id_.clear();
  }
  if (connected_) {
    drop_connection();
  }
}

}  // namespace loadgen
