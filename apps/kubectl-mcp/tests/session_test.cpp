#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>

#include "session.hpp"

namespace kubectl_mcp {
namespace {

namespace json = boost::json;

struct answer {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Plays the server: `reply` answers each request by method; records what was sent.
struct fake_server {
  using reply_fn = std::function<answer(const std::string& method, const json::object& params, const json::value& id)>;
  explicit fake_server(reply_fn r) : reply(std::move(r)) {}
  reply_fn reply;
  std::vector<std::string> methods;  // in order, "DELETE" for the session's end
  std::vector<std::vector<std::pair<std::string, std::string>>> headers;
  std::string broken;  // each answer's body "breaks off" after its last byte with this error

  void run(mcp_session& s) {
    mcp::client_action a;
    while (s.next(a)) {
      const auto& r = a.request;
      headers.push_back(r.headers);
      if (r.method == mcp::exchange_method::del) {
        methods.emplace_back("DELETE");
        s.head(r.id, 204, "", "");
        s.end(r.id);
        continue;
      }
      auto msg = json::parse(r.body).as_object();
      const std::string method(msg.at("method").as_string());
      methods.push_back(method);
      if (!msg.contains("id")) {
        s.head(r.id, 202, "", "");
        s.end(r.id);
        continue;
      }
      const json::object params = msg.contains("params") ? msg.at("params").as_object() : json::object{};
      answer ans = reply(method, params, msg.at("id"));
      s.head(r.id, ans.status, ans.content_type, method == "initialize" ? "sess-1" : "");
      s.body(r.id, ans.body);
      s.end(r.id, broken);
    }
  }
};

std::string result_of(const json::value& id, std::string_view result) {
  return R"({"jsonrpc":"2.0","id":)" + json::serialize(id) + R"(,"result":)" + std::string(result) + "}";
}

answer default_reply(const std::string& method, const json::object& params, const json::value& id) {
  if (method == "initialize")
    return {200, "application/json", result_of(id, R"({"protocolVersion":"2025-06-18","capabilities":{},
        "serverInfo":{"name":"t","version":"1"}})")};
  if (method == "tools/list") {
    if (!params.contains("cursor"))
      return {200, "application/json", result_of(id, R"({"tools":[{"name":"echo","inputSchema":{"type":"object",
          "properties":{"message":{"type":"string"}}}}],"nextCursor":"p2"})")};
    return {200, "application/json", result_of(id, R"({"tools":[{"name":"add","inputSchema":{"type":"object",
        "properties":{"a":{"type":"integer"},"b":{"type":"integer"}}}}]})")};
  }
  if (method == "tools/call") {
    // As an SSE stream, the way server-everything answers: a progress notification first.
    const auto& args = params.at("arguments").as_object();
    std::string text = params.at("name") == "add" ? std::to_string(args.at("a").as_int64() + args.at("b").as_int64())
                                                  : std::string(args.at("message").as_string());
    return {200, "text/event-stream",
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n"
            "event: message\ndata: " +
                result_of(id, R"({"content":[{"type":"text","text":")" + text + R"("}]})") + "\n\n"};
  }
  return {404, "text/plain", "?"};
}

TEST(KubectlMcpSession, ToolsFollowsEveryPageThenEndsTheSession) {
  fake_server server{default_reply};
  mcp_session s("1.0", std::nullopt);
  server.run(s);
  EXPECT_EQ(s.result().st, session_outcome::status::ok) << s.result().message;
  ASSERT_EQ(s.result().tools.size(), 2u);
  EXPECT_EQ(server.methods, (std::vector<std::string>{"initialize", "notifications/initialized", "tools/list",
                                                      "tools/list", "DELETE"}));
  // Every exchange after initialize carries the session and the negotiated revision.
  const auto& h = server.headers.back();
  EXPECT_NE(std::find(h.begin(), h.end(), std::pair<std::string, std::string>{"Mcp-Session-Id", "sess-1"}), h.end());
  EXPECT_NE(std::find(h.begin(), h.end(), std::pair<std::string, std::string>{"MCP-Protocol-Version", "2025-06-18"}),
            h.end());
}

TEST(KubectlMcpSession, CallTypesArgumentsBySchemaAndReadsAnSseAnswer) {
  fake_server server{default_reply};
  mcp_session s("1.0", call_spec{"add", {{"a", "2"}, {"b", "40"}}, std::nullopt});
  server.run(s);
  ASSERT_EQ(s.result().st, session_outcome::status::ok) << s.result().message;
  EXPECT_FALSE(s.result().is_error);
  EXPECT_EQ(s.result().result.at("content").at(0).at("text"), "42");
  EXPECT_TRUE(s.called());
  EXPECT_EQ(server.methods.back(), "DELETE");
}

// The apiserver's service proxy sometimes drops an HTTP/1.1 connection after a complete SSE
// event but before the last chunk: the answer is there, so the call succeeds.
TEST(KubectlMcpSession, AnEventStreamThatBreaksOffAfterTheAnswerStillAnswers) {
  fake_server server{[](const std::string& m, const json::object& p, const json::value& id) {
    answer a = default_reply(m, p, id);
    if (m == "initialize" || m == "tools/list")
      a = {200, "text/event-stream", "event: message\ndata: " + json::serialize(json::parse(a.body)) + "\n\n"};
    return a;
  }};
  server.broken = "partial message";
  mcp_session s("1.0", call_spec{"echo", {{"message", "hi"}}, std::nullopt});
  server.run(s);
  ASSERT_EQ(s.result().st, session_outcome::status::ok) << s.result().message;
  EXPECT_EQ(s.result().result.at("content").at(0).at("text"), "hi");
  // A body that breaks off before its answer still fails, naming why.
  fake_server cut{[](const std::string& m, const json::object& p, const json::value& id) {
    answer a = default_reply(m, p, id);
    if (m == "initialize")
      a = {200, "text/event-stream", "event: message\ndata: " + json::serialize(json::parse(a.body)) + "\n\n"};
    if (m == "tools/list")
      a = {200, "text/event-stream", "event: message\ndata: {\"jsonrpc\""};
    return a;
  }};
  cut.broken = "partial message";
  mcp_session s2("1.0", std::nullopt);
  cut.run(s2);
  EXPECT_EQ(s2.result().st, session_outcome::status::failed);
  EXPECT_EQ(s2.result().message, "tools/list failed: the MCP server's answer broke off: partial message");
}

TEST(KubectlMcpSession, UnknownToolIsNotFoundAndNamesTheToolsThereAre) {
  fake_server server{default_reply};
  mcp_session s("1.0", call_spec{"ehco", {}, std::nullopt});
  server.run(s);
  EXPECT_EQ(s.result().st, session_outcome::status::not_found);
  EXPECT_EQ(s.result().message, "tool \"ehco\" not found; the server's tools: echo, add");
  EXPECT_EQ(std::count(server.methods.begin(), server.methods.end(), "tools/call"), 0);
  EXPECT_FALSE(s.called());
}

TEST(KubectlMcpSession, IsErrorResultAndJsonRpcErrorsAreTold) {
  fake_server server{[](const std::string& m, const json::object& p, const json::value& id) {
    if (m == "tools/call" && p.at("name") == "echo")
      return answer{200, "application/json",
                    result_of(id, R"({"content":[{"type":"text","text":"bad"}],"isError":true})")};
    if (m == "tools/call")
      return answer{200, "application/json",
                    R"({"jsonrpc":"2.0","id":)" + json::serialize(id) +
                        R"(,"error":{"code":-32602,"message":"Invalid params"}})"};
    return default_reply(m, p, id);
  }};
  mcp_session s("1.0", call_spec{"echo", {{"message", "x"}}, std::nullopt});
  server.run(s);
  EXPECT_EQ(s.result().st, session_outcome::status::ok);
  EXPECT_TRUE(s.result().is_error);
  mcp_session s2("1.0", call_spec{"add", {{"a", "1"}}, std::nullopt});
  server.run(s2);
  EXPECT_EQ(s2.result().st, session_outcome::status::protocol_error);
  EXPECT_EQ(s2.result().message, "tools/call failed: JSON-RPC error -32602: Invalid params");
}

TEST(KubectlMcpSession, HttpFailuresAndBadArgumentsFailWithoutACall) {
  fake_server down{[](const std::string&, const json::object&, const json::value&) {
    return answer{502, "text/plain", "bad gateway"};
  }};
  mcp_session s("1.0", std::nullopt);
  down.run(s);
  EXPECT_EQ(s.result().st, session_outcome::status::failed);
  EXPECT_EQ(s.result().message, "initialize failed: the MCP server answered HTTP 502");

  fake_server server{default_reply};
  mcp_session s2("1.0", call_spec{"add", {{"a", "one"}}, std::nullopt});
  server.run(s2);
  EXPECT_EQ(s2.result().st, session_outcome::status::usage);
  EXPECT_EQ(server.methods.back(), "DELETE");
}

TEST(KubectlMcpSession, AbortStopsEverything) {
  mcp_session s("1.0", std::nullopt);
  mcp::client_action a;
  ASSERT_TRUE(s.next(a));
  s.abort("Forbidden (403): denied");
  EXPECT_FALSE(s.next(a));
  EXPECT_EQ(s.result().st, session_outcome::status::failed);
  EXPECT_EQ(s.result().message, "Forbidden (403): denied");
}

}  // namespace
}  // namespace kubectl_mcp
