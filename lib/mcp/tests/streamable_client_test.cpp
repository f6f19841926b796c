#include "mcp/streamable_client.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

namespace {
namespace json = boost::json;
using kind = mcp::client_action::kind;

mcp::message msg(std::string_view text) {
  auto m = mcp::classify(json::parse(text));
  EXPECT_TRUE(m) << text;
  return m ? std::move(*m) : mcp::message{};
}

std::vector<mcp::client_action> drain(mcp::streamable_client& c) {
  std::vector<mcp::client_action> out;
  mcp::client_action a;
  while (c.next(a)) {
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<mcp::client_action> of(const std::vector<mcp::client_action>& all, kind k) {
  std::vector<mcp::client_action> out;
  for (const auto& a : all) {
    if (a.what == k) {
      out.push_back(a);
    }
  }
  return out;
}

std::string header(const mcp::exchange_request& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) {
      return v;
    }
  }
  return {};
}

std::string text_of(const mcp::message& m) {
  return json::serialize(m.body);
}

std::string error_text(const mcp::message& m) {
  EXPECT_EQ(m.kind, mcp::message_kind::error_response) << text_of(m);
  const auto* e = m.body.if_contains("error");
  return e ? std::string(e->at("message").as_string()) : std::string();
}

constexpr std::string_view init =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
constexpr std::string_view init_result =
    R"({"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"s","version":"1"}}})";

// A client whose upstream session "sid-1" is established at 2025-06-18.
std::uint64_t make_ready(mcp::streamable_client& c) {
  c.send(msg(init));
  auto acts = drain(c);
  EXPECT_EQ(acts.size(), 1u);
  const auto id = acts.at(0).request.id;
  c.head(id, 200, "application/json", "sid-1");
  c.body(id, init_result);
  c.end(id);
  acts = drain(c);
  EXPECT_EQ(of(acts, kind::deliver).size(), 1u);
  EXPECT_EQ(c.session_id(), "sid-1");
  EXPECT_EQ(c.protocol_version(), "2025-06-18");
  return id;
}

TEST(streamable_client, initialize_goes_first_and_what_waited_follows_with_the_session_headers) {
  mcp::streamable_client c;
  c.send(msg(init));
  c.send(msg(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  c.send(msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  auto acts = drain(c);
  ASSERT_EQ(acts.size(), 1u);  // only initialize: the rest waits for the session id
  ASSERT_EQ(acts[0].what, kind::start_exchange);
  const auto& r = acts[0].request;
  EXPECT_EQ(r.method, mcp::exchange_method::post);
  EXPECT_EQ(header(r, "Mcp-Session-Id"), "");
  EXPECT_EQ(header(r, "Accept"), "application/json, text/event-stream");
  EXPECT_EQ(json::parse(r.body).at("method"), "initialize");

  c.head(r.id, 200, "application/json", "sid-1");
  c.body(r.id, init_result.substr(0, 10));
  c.body(r.id, init_result.substr(10));
  c.end(r.id);
  acts = drain(c);
  ASSERT_EQ(acts.size(), 3u);
  EXPECT_EQ(acts[0].what, kind::deliver);
  EXPECT_EQ(acts[0].msg.body.at("result").at("serverInfo").at("name"), "s");
  for (int i : {1, 2}) {
    ASSERT_EQ(acts[i].what, kind::start_exchange);
    EXPECT_EQ(header(acts[i].request, "Mcp-Session-Id"), "sid-1");
    EXPECT_EQ(header(acts[i].request, "MCP-Protocol-Version"), "2025-06-18");
  }
  EXPECT_EQ(json::parse(acts[1].request.body).at("method"), "notifications/initialized");
  EXPECT_EQ(json::parse(acts[2].request.body).at("method"), "tools/list");
}

TEST(streamable_client, an_sse_answer_split_anywhere_delivers_each_message_in_order) {
  const std::string stream =
      "event: message\r\nid: e1\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":"
      "{\"progressToken\":\"p\",\"progress\":1}}\r\n\r\n"
      ": keep-alive\n\n"
      "id: e2\ndata: {\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"content\":[]}}\n\n";
  for (std::size_t cut = 1; cut < stream.size(); cut += 7) {
    mcp::streamable_client c;
    make_ready(c);
    c.send(msg(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"x"}})"));
    auto acts = drain(c);
    ASSERT_EQ(acts.size(), 1u);
    const auto id = acts[0].request.id;
    c.head(id, 200, "text/event-stream; charset=utf-8", "");
    c.body(id, std::string_view(stream).substr(0, cut));
    c.body(id, std::string_view(stream).substr(cut));
    c.end(id);
    acts = drain(c);
    ASSERT_EQ(acts.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(acts[0].msg.method(), "notifications/progress");
    EXPECT_EQ(acts[1].msg.kind, mcp::message_kind::response);
    EXPECT_EQ(acts[1].msg.id(), json::value(5));
  }
}

TEST(streamable_client, a_batch_in_a_json_body_is_delivered_message_by_message) {
  mcp::streamable_client c;
  make_ready(c);
  c.send(msg(R"({"jsonrpc":"2.0","id":7,"method":"ping"})"));
  auto acts = drain(c);
  const auto id = acts.at(0).request.id;
  c.head(id, 200, "application/json", "");
  c.body(id,
         R"([{"jsonrpc":"2.0","method":"notifications/message","params":{}},{"jsonrpc":"2.0","id":7,"result":{}}])");
  c.end(id);
  acts = drain(c);
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[0].msg.method(), "notifications/message");
  EXPECT_EQ(acts[1].msg.id(), json::value(7));
}

TEST(streamable_client, every_request_the_server_does_not_answer_gets_an_error_naming_why) {
  struct failure {
    unsigned status;
    std::string content_type, body, transport_error, expect;
  };
  const std::vector<failure> cases = {
      {500, "application/json", R"({"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"boom"}})", "",
       "the upstream MCP server answered HTTP 500: boom"},
      {503, "text/plain", "try later", "", "the upstream MCP server answered HTTP 503"},
      {0, "", "", "connection refused", "cannot reach the upstream MCP server: connection refused"},
      {200, "text/event-stream", "id: 1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n", "",
       "the upstream MCP server ended its answer without answering this request"},
      {200, "text/event-stream", "data: {\"jsonrpc\"", "end of stream",
       "the upstream MCP server's answer broke off: end of stream"},
  };
  for (const auto& f : cases) {
    mcp::streamable_client c;
    make_ready(c);
    c.send(msg(R"({"jsonrpc":"2.0","id":"r","method":"tools/list"})"));
    auto acts = drain(c);
    const auto id = acts.at(0).request.id;
    if (f.status != 0) {
      c.head(id, f.status, f.content_type, "");
      c.body(id, f.body);
    }
    c.end(id, f.transport_error);
    auto delivered = of(drain(c), kind::deliver);
    ASSERT_FALSE(delivered.empty()) << f.expect;
    const auto& last = delivered.back().msg;
    EXPECT_EQ(last.id(), json::value("r"));
    EXPECT_EQ(error_text(last), f.expect);
    EXPECT_FALSE(c.ended()) << "one failed exchange does not end the session";
  }
}

TEST(streamable_client, an_answer_over_the_size_bound_fails_that_request_only) {
  mcp::streamable_client c({.max_message = 200});
  make_ready(c);
  c.send(msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  const auto id = drain(c).at(0).request.id;
  c.head(id, 200, "application/json", "");
  c.body(id, std::string(300, ' '));
  c.end(id);
  auto acts = of(drain(c), kind::deliver);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(error_text(acts[0].msg), "the upstream MCP server's answer is over 200 bytes");
}

TEST(streamable_client, a_404_on_the_session_ends_it_and_cancels_every_exchange) {
  mcp::streamable_client c;
  make_ready(c);
  c.send(msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}})"));
  c.send(msg(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"));
  auto acts = drain(c);
  ASSERT_EQ(acts.size(), 2u);
  c.head(acts[1].request.id, 404, "text/plain", "");
  acts = drain(c);
  ASSERT_EQ(of(acts, kind::cancel_exchange).size(), 2u);
  auto ended = of(acts, kind::ended);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].reason, "the upstream MCP server ended the session (HTTP 404)");
  EXPECT_TRUE(c.ended());
  // Later requests are answered at once, never sent.
  c.send(msg(R"({"jsonrpc":"2.0","id":3,"method":"ping"})"));
  acts = drain(c);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(error_text(acts[0].msg), "the upstream MCP session has ended");
}

TEST(streamable_client, a_failed_initialize_fails_what_waited_and_the_next_initialize_starts_afresh) {
  mcp::streamable_client c;
  c.send(msg(init));
  c.send(msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  const auto id = drain(c).at(0).request.id;
  c.head(id, 400, "application/json", "");
  c.body(id, R"({"jsonrpc":"2.0","id":0,"error":{"code":-32602,"message":"unsupported version"}})");
  c.end(id);
  auto acts = of(drain(c), kind::deliver);
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[0].msg.body.at("error").at("message"), "unsupported version");  // the server's own error
  EXPECT_EQ(acts[1].msg.id(), json::value(1));
  EXPECT_NE(error_text(acts[1].msg).find("refused initialize"), std::string::npos);
  c.send(msg(init));
  auto again = drain(c);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].what, kind::start_exchange);
}

TEST(streamable_client, the_get_stream_opens_after_initialized_and_reopens_with_the_last_event_id) {
  mcp::streamable_client c({.get_retry = std::chrono::milliseconds(250)});
  make_ready(c);
  c.send(msg(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  auto acts = drain(c);
  const auto note = acts.at(0).request.id;
  EXPECT_TRUE(of(drain(c), kind::start_exchange).empty());
  c.head(note, 202, "", "");
  c.end(note);
  acts = drain(c);
  ASSERT_EQ(acts.size(), 1u);
  ASSERT_EQ(acts[0].request.method, mcp::exchange_method::get);
  EXPECT_EQ(header(acts[0].request, "Mcp-Session-Id"), "sid-1");
  EXPECT_EQ(header(acts[0].request, "Last-Event-ID"), "");
  const auto get = acts[0].request.id;
  c.head(get, 200, "text/event-stream", "");
  c.body(get,
         "id: g7\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"sampling/createMessage\",\"params\":{}}\n\n");
  acts = drain(c);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].msg.method(), "sampling/createMessage");
  c.end(get);
  acts = drain(c);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].what, kind::arm_retry);
  EXPECT_EQ(acts[0].delay, std::chrono::milliseconds(250));
  c.retry();
  acts = drain(c);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(header(acts[0].request, "Last-Event-ID"), "g7");
  // A server without a GET stream answers 405: it is never asked again.
  const auto get2 = acts[0].request.id;
  c.head(get2, 405, "", "");
  c.end(get2);
  EXPECT_TRUE(drain(c).empty());
  EXPECT_FALSE(c.get_stream_open());
}

TEST(streamable_client, terminate_cancels_everything_and_deletes_the_session_without_an_end_action) {
  mcp::streamable_client c;
  make_ready(c);
  c.send(msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}})"));
  drain(c);
  c.terminate();
  auto acts = drain(c);
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[0].what, kind::cancel_exchange);
  ASSERT_EQ(acts[1].what, kind::start_exchange);
  EXPECT_EQ(acts[1].request.method, mcp::exchange_method::del);
  EXPECT_EQ(header(acts[1].request, "Mcp-Session-Id"), "sid-1");
  c.end(acts[1].request.id);
  c.send(msg(R"({"jsonrpc":"2.0","id":2,"method":"ping"})"));
  EXPECT_TRUE(drain(c).empty());
}

TEST(streamable_client, requests_in_flight_are_bounded) {
  mcp::streamable_client c({.max_exchanges = 2});
  make_ready(c);
  for (int i = 1; i <= 3; ++i) {
    c.send(
        msg(R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"tools/call","params":{"name":"slow"}})"));
  }
  auto acts = drain(c);
  ASSERT_EQ(of(acts, kind::start_exchange).size(), 2u);
  auto refused = of(acts, kind::deliver);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].msg.id(), json::value(3));
  EXPECT_EQ(error_text(refused[0].msg), "too many requests in flight to the upstream MCP server");
}

TEST(streamable_client, answers_nobody_is_owed_never_reach_the_client) {
  mcp::streamable_client c;
  make_ready(c);
  c.send(msg(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"));
  const auto id = drain(c).at(0).request.id;
  c.head(id, 200, "text/event-stream", "");
  c.body(id,
         "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"
         "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"
         "data: {\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}\n\n");
  c.end(id);
  auto acts = of(drain(c), kind::deliver);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(c.unmatched(), 2u);
}

TEST(streamable_client, malformed_server_messages_are_dropped_and_counted) {
  mcp::streamable_client c;
  make_ready(c);
  c.send(msg(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"));
  const auto id = drain(c).at(0).request.id;
  c.head(id, 200, "text/event-stream", "");
  c.body(id, "data: not json\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n");
  c.end(id);
  auto acts = drain(c);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].msg.kind, mcp::message_kind::response);
  EXPECT_EQ(c.malformed(), 1u);
}

}  // namespace

TEST(streamable_client, a_resumed_session_sends_no_initialize_and_carries_the_given_session_headers) {
  mcp::streamable_client c;
  ASSERT_TRUE(c.resume("sess-7", "2025-06-18"));
  auto first = drain(c);
  auto starts = of(first, kind::start_exchange);
  ASSERT_EQ(starts.size(), 1U);  // the GET stream, at once
  EXPECT_EQ(starts[0].request.method, mcp::exchange_method::get);
  EXPECT_EQ(header(starts[0].request, "Mcp-Session-Id"), "sess-7");
  c.send(msg(R"({"jsonrpc":"2.0","id":5,"method":"tools/list"})"));
  auto posts = of(drain(c), kind::start_exchange);
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].request.method, mcp::exchange_method::post);
  EXPECT_EQ(header(posts[0].request, "Mcp-Session-Id"), "sess-7");
  EXPECT_EQ(header(posts[0].request, "MCP-Protocol-Version"), "2025-06-18");
  EXPECT_NE(posts[0].request.body.find("tools/list"), std::string::npos);
  // Only a fresh client resumes.
  EXPECT_FALSE(c.resume("other", "2025-06-18"));
  EXPECT_EQ(c.session_id(), "sess-7");
  mcp::streamable_client empty;
  EXPECT_FALSE(empty.resume("", "2025-06-18"));
}

TEST(streamable_client, abandon_cancels_every_exchange_and_deletes_nothing) {
  mcp::streamable_client c;
  ASSERT_TRUE(c.resume("sess-8", "2025-06-18"));
  c.send(msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  drain(c);
  ASSERT_EQ(c.exchanges(), 2U);
  c.abandon();
  auto after = drain(c);
  EXPECT_EQ(of(after, kind::cancel_exchange).size(), 2U);
  EXPECT_TRUE(of(after, kind::start_exchange).empty());  // no DELETE
  EXPECT_TRUE(of(after, kind::ended).empty());
  EXPECT_TRUE(c.ended());
  c.send(msg(R"({"jsonrpc":"2.0","id":2,"method":"ping"})"));
  EXPECT_TRUE(drain(c).empty());
}
