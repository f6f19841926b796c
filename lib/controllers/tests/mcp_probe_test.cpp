#include "controllers/mcp_probe.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

namespace json = boost::json;
using controllers::mcp_probe;
using controllers::probe_response;

std::string header(const controllers::probe_request& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name)
      return v;
  }
  return "<absent>";
}

probe_response json_ok(std::string body, std::string session = {}) {
  return {200, "application/json", std::move(session), std::move(body)};
}

TEST(McpProbe, VerifiesAStreamableHttpServerWithSessions) {
  mcp_probe p("0.1.0", "2026-01-01T00:00:00Z");
  auto init = p.next();
  ASSERT_TRUE(init);
  EXPECT_EQ(init->method, "POST");
  auto body = json::parse(init->body).as_object();
  EXPECT_EQ(body.at("method").as_string(), "initialize");
  EXPECT_EQ(body.at("params").at("clientInfo").at("name").as_string(), "mcp-operator");
  EXPECT_EQ(header(*init, "Accept"), "application/json, text/event-stream");

  p.on_response(
      json_ok(R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},)"
              R"("serverInfo":{"name":"everything","version":"2.0.0"}}})",
              "sess-1"));
  auto notified = p.next();
  ASSERT_TRUE(notified);
  EXPECT_EQ(json::parse(notified->body).at("method").as_string(), "notifications/initialized");
  EXPECT_EQ(header(*notified, "Mcp-Session-Id"), "sess-1");
  EXPECT_EQ(header(*notified, "MCP-Protocol-Version"), "2025-06-18");
  p.on_response({202, "", "", ""});

  auto list = p.next();
  ASSERT_TRUE(list);
  EXPECT_EQ(json::parse(list->body).at("method").as_string(), "tools/list");
  // The answer comes as an SSE stream, as Streamable HTTP servers may send it.
  p.on_response(
      {200, "text/event-stream", "",
       "event: message\nid: 1\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"echo\"},"
       "{\"name\":\"add\"}]}}\n\n"});
  auto close = p.next();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->method, "DELETE");
  p.on_response({200, "", "", ""});
  EXPECT_TRUE(p.done());
  const auto& r = p.result();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.reason, "Verified");
  EXPECT_EQ(r.server_name, "everything");
  EXPECT_EQ(r.server_version, "2.0.0");
  EXPECT_EQ(r.protocol_version, "2025-06-18");
  EXPECT_EQ(r.tools, (std::vector<std::string>{"echo", "add"}));
  EXPECT_EQ(r.time, "2026-01-01T00:00:00Z");
}

TEST(McpProbe, FollowsToolPagesWithoutASession) {
  mcp_probe p("v", "t");
  p.on_response(json_ok(R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-03-26"}})"));
  EXPECT_EQ(header(*p.next(), "Mcp-Session-Id"), "<absent>");
  p.on_response({202, "", "", ""});
  p.on_response(json_ok(R"({"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"a"}],"nextCursor":"c2"}})"));
  auto page2 = p.next();
  ASSERT_TRUE(page2);
  EXPECT_EQ(json::parse(page2->body).at("params").at("cursor").as_string(), "c2");
  p.on_response(json_ok(R"({"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"b"}]}})"));
  EXPECT_TRUE(p.done()) << "no session: nothing to delete";
  EXPECT_EQ(p.result().tools, (std::vector<std::string>{"a", "b"}));
}

TEST(McpProbe, EndlessPagingIsBounded) {
  mcp_probe p("v", "t");
  p.on_response(json_ok(R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-03-26"}})"));
  p.on_response({202, "", "", ""});
  int pages = 0;
  while (!p.done() && pages < 100) {
    ++pages;
    p.on_response(json_ok(R"({"jsonrpc":"2.0","id":)" + std::to_string(pages + 1) +
                          R"(,"result":{"tools":[{"name":"t"}],"nextCursor":"again"}})"));
  }
  EXPECT_EQ(pages, mcp_probe::max_tool_pages);
  EXPECT_TRUE(p.result().ok);
}

TEST(McpProbe, HttpErrorsNameTheStep) {
  mcp_probe p("v", "t");
  p.on_response({404, "text/plain", "", "not found"});
  EXPECT_TRUE(p.done());
  EXPECT_FALSE(p.result().ok);
  EXPECT_EQ(p.result().reason, "InitializeFailed");
  EXPECT_EQ(p.result().message, "initialize answered HTTP 404");
}

TEST(McpProbe, JsonRpcErrorsAreReported) {
  mcp_probe p("v", "t");
  p.on_response(json_ok(R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18"}})", "s"));
  p.on_response({202, "", "", ""});
  p.on_response(json_ok(R"({"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"Method not found"}})"));
  EXPECT_FALSE(p.result().ok);
  EXPECT_EQ(p.result().reason, "ToolsListFailed");
  EXPECT_EQ(p.result().message, "tools/list JSON-RPC error -32601: Method not found");
  ASSERT_TRUE(p.next());
  EXPECT_EQ(p.next()->method, "DELETE") << "the session is still closed";
}

TEST(McpProbe, GarbageIsAnInvalidAnswerNotACrash) {
  mcp_probe p("v", "t");
  p.on_response(json_ok("<html>hello</html>"));
  EXPECT_EQ(p.result().reason, "InitializeFailed");
  EXPECT_EQ(p.result().message, "initialize no JSON-RPC response with id 1 in the body");
  mcp_probe q("v", "t");
  q.on_response(json_ok(R"({"jsonrpc":"2.0","id":1,"result":{}})"));
  EXPECT_EQ(q.result().reason, "InvalidResponse");
}

TEST(McpProbe, UnreachableServer) {
  mcp_probe p("v", "t");
  p.on_transport_error("connection refused");
  EXPECT_TRUE(p.done());
  EXPECT_EQ(p.result().reason, "Unreachable");
  EXPECT_EQ(p.result().message, "MCP endpoint unreachable: connection refused");
}

}  // namespace
