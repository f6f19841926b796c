#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "call_output.hpp"
#include "completion.hpp"
#include "describe.hpp"
#include "exit_codes.hpp"
#include "format.hpp"
#include "logs_view.hpp"
#include "resources.hpp"
#include "tools_view.hpp"

namespace kubectl_mcp {
namespace {

namespace json = boost::json;

json::object parse_obj(std::string_view text) {
  return json::parse(text).as_object();
}

const std::int64_t now = parse_rfc3339("2026-12-07T12:00:00Z");

resource_ref echo_server() {
  return {kind::server, parse_obj(R"({
    "metadata": {"name": "echo", "namespace": "demo", "uid": "u1", "creationTimestamp": "2026-12-07T11:55:00Z"},
    "spec": {"image": "server-everything:1", "protocol": "stdio", "port": 8080, "env": [{"name": "A"}]},
    "status": {"phase": "Running", "ready": "1/1", "readyReplicas": 1, "toolCount": 12, "selector": "app=echo",
               "url": "http://echo.demo.svc.cluster.local:8080/mcp",
               "serverInfo": {"name": "example-servers/everything", "version": "1.0.0", "protocolVersion": "2025-06-18"},
               "conditions": [{"type": "Ready", "status": "True", "reason": "ReplicasReady", "message": "1/1 ready",
                               "lastTransitionTime": "2026-12-07T11:56:00Z"},
                              {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                              {"type": "Verified", "status": "True", "reason": "Verified"}]}})")};
}

TEST(KubectlMcpFormat, AgesReadLikeKubectls) {
  EXPECT_EQ(human_duration(std::chrono::seconds(45)), "45s");
  EXPECT_EQ(human_duration(std::chrono::seconds(303)), "5m3s");
  EXPECT_EQ(human_duration(std::chrono::seconds(3600 * 2 + 60)), "121m");
  EXPECT_EQ(human_duration(std::chrono::seconds(3600 * 5 + 600)), "5h10m");
  EXPECT_EQ(human_duration(std::chrono::seconds(86400 * 3 + 3600 * 4)), "3d4h");
  EXPECT_EQ(human_duration(std::chrono::seconds(86400 * 400)), "400d");
  EXPECT_EQ(age_of("not a time", now), "<unknown>");
}

TEST(KubectlMcpFormat, YamlQuotesStringsThatWouldReadAsOtherTypes) {
  auto y = to_yaml(json::parse(R"({"a":"8080","b":"true","c":"plain","d":[1,true,null],"e":""})"));
  EXPECT_NE(y.find("a: \"8080\""), std::string::npos) << y;
  EXPECT_NE(y.find("b: \"true\""), std::string::npos) << y;
  EXPECT_NE(y.find("c: plain"), std::string::npos) << y;
  EXPECT_NE(y.find("- true"), std::string::npos) << y;
  EXPECT_NE(y.find("e: \"\""), std::string::npos) << y;
  EXPECT_EQ(pretty_json(json::parse(R"({"a":[1,{}]})")), "{\n  \"a\": [\n    1,\n    {}\n  ]\n}\n");
}

TEST(KubectlMcpGet, TableHasKubectlColumnsAndNoneForMissingStatus) {
  resource_ref fresh{kind::pool, parse_obj(R"({"metadata": {"name": "tools", "namespace": "demo",
                                                "creationTimestamp": "2026-12-07T11:59:30Z"}})")};
  auto t = render_get_table({echo_server(), fresh}, output_format::table, false, now);
  EXPECT_EQ(
      t,
      "KIND        NAME    PHASE     READY    TOOLS    VERIFIED   URL                                           AGE\n"
      "MCPServer   echo    Running   1/1      12       True       http://echo.demo.svc.cluster.local:8080/mcp   5m\n"
      "MCPPool     tools   <none>    <none>   <none>   <none>     <none>                                        30s\n");
  auto wide = render_get_table({echo_server()}, output_format::wide, true, now);
  EXPECT_TRUE(wide.starts_with("NAMESPACE   KIND")) << wide;
  EXPECT_NE(wide.find("stdio      example-servers/everything/1.0.0   <none>"), std::string::npos) << wide;
  EXPECT_EQ(render_get_names({echo_server(), fresh}), "mcpserver.mcp.v2dy.io/echo\nmcppool.mcp.v2dy.io/tools\n");
  auto list = get_document({echo_server(), fresh}, false);
  EXPECT_EQ(list.at("kind"), "List");
  EXPECT_EQ(list.at("items").as_array().size(), 2u);
  EXPECT_EQ(get_document({echo_server()}, true).at("metadata").at("name"), "echo");
}

TEST(KubectlMcpGet, ReadinessAndTheServiceProxyPathComeFromStatus) {
  auto s = echo_server();
  EXPECT_EQ(not_ready_reason(s), "");
  std::string why;
  auto p = proxy_path(s, why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(*p, "/api/v1/namespaces/demo/services/echo:8080/proxy/mcp");

  auto pending = parse_obj(R"({"metadata": {"name": "slow"}, "status": {"phase": "Pending", "ready": "0/1",
      "conditions": [{"type": "Ready", "status": "False", "message": "0/1 replicas ready"},
                     {"type": "Available", "status": "False"}]}})");
  EXPECT_EQ(not_ready_reason({kind::server, pending}),
            "mcpserver \"slow\" is not Ready (phase Pending, ready 0/1): 0/1 replicas ready");
  EXPECT_FALSE(proxy_path({kind::server, pending}, why));
  EXPECT_NE(why.find("has no status.url yet"), std::string::npos) << why;
  auto outside = parse_obj(R"({"metadata": {"name": "x"}, "status": {"url": "https://example.org/mcp"}})");
  EXPECT_FALSE(proxy_path({kind::pool, outside}, why));
  EXPECT_NE(why.find("not a Service URL"), std::string::npos) << why;
}

TEST(KubectlMcpTools, SchemaSummaryMarksRequiredArgumentsFirst) {
  auto schema = parse_obj(R"({"type": "object", "properties": {"count": {"type": "integer"},
      "message": {"type": "string"}, "mode": {"enum": ["a", "b"]}, "tags": {"type": ["array", "null"]}},
      "required": ["message"]})");
  EXPECT_EQ(schema_summary(schema), "message*:string, count:integer, mode:enum, tags:array");
  EXPECT_EQ(schema_summary(parse_obj(R"({"type": "object"})")), "<none>");
  auto tools = json::parse(R"([{"name": "echo", "description": "Echoes back the input\nsecond line",
      "inputSchema": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}},
      {"name": "noargs"}])")
                   .as_array();
  EXPECT_EQ(render_tools(tools, output_format::table),
            "NAME     DESCRIPTION             ARGUMENTS\n"
            "echo     Echoes back the input   message*:string\n"
            "noargs   <none>                  <none>\n");
}

TEST(KubectlMcpTools, ArgumentsAreTypedByTheToolSchema) {
  auto tool = parse_obj(R"({"name": "add", "inputSchema": {"properties": {"a": {"type": "number"},
      "n": {"type": "integer"}, "on": {"type": "boolean"}, "o": {"type": "object"}, "s": {"type": "string"}}}})");
  json::object out;
  std::string error;
  ASSERT_TRUE(build_arguments({{"a", "1.5"}, {"n", "5"}, {"on", "true"}, {"o", R"({"k":1})"}, {"s", "42"}, {"x", "7"}},
                              std::nullopt, &tool, out, error))
      << error;
  EXPECT_EQ(out, parse_obj(R"({"a":1.5,"n":5,"on":true,"o":{"k":1},"s":"42","x":"7"})")) << json::serialize(out);
  EXPECT_FALSE(build_arguments({{"n", "five"}}, std::nullopt, &tool, out, error));
  EXPECT_EQ(error, "--arg n='five': the tool's schema wants an integer (write objects and arrays as JSON)");
  EXPECT_FALSE(build_arguments({}, std::string("[1]"), &tool, out, error));
  EXPECT_TRUE(error.starts_with("--json is not a JSON object")) << error;
  ASSERT_TRUE(build_arguments({}, std::string(R"({"a":2})"), nullptr, out, error));
  EXPECT_EQ(json::serialize(out), R"({"a":2})");
}

TEST(KubectlMcpCall, TextAndStructuredContentAreShownOnceAndIsErrorExitsOne) {
  auto ok = parse_obj(R"({"content": [{"type": "text", "text": "Echo: hi"},
      {"type": "image", "mimeType": "image/png", "data": "AAAA"}], "structuredContent": {"sum": 3}})");
  auto p = render_call_result(ok, false, output_format::table, "echo");
  EXPECT_EQ(p.out, "Echo: hi\n[image image/png, 3 bytes]\n{\n  \"sum\": 3\n}\n");
  EXPECT_EQ(p.exit_code, exit_code::ok);
  auto same = parse_obj(R"({"content": [{"type": "text", "text": "{\"sum\": 3}"}], "structuredContent": {"sum": 3}})");
  EXPECT_EQ(render_call_result(same, false, output_format::table, "add").out, "{\"sum\": 3}\n");
  auto bad = parse_obj(R"({"content": [{"type": "text", "text": "boom"}], "isError": true})");
  auto e = render_call_result(bad, true, output_format::table, "fail");
  EXPECT_EQ(e.out, "");
  EXPECT_EQ(e.err, "boom\nerror: tool \"fail\" returned an error (isError)\n");
  EXPECT_EQ(e.exit_code, exit_code::tool_error);
  auto j = render_call_result(bad, true, output_format::json, "fail");
  EXPECT_NE(j.out.find("\"isError\": true"), std::string::npos);
  EXPECT_EQ(j.exit_code, exit_code::tool_error);
}

TEST(KubectlMcpDescribe, ShowsStatusConditionsPodsAndNewestEvents) {
  auto pod = parse_obj(R"({"metadata": {"name": "echo-abc", "creationTimestamp": "2026-12-07T11:58:00Z"},
      "spec": {"nodeName": "node-1", "containers": [{"name": "mcp-server"}]},
      "status": {"phase": "Running", "containerStatuses": [{"ready": true, "restartCount": 2}]}})");
  std::vector<json::object> events;
  for (int i = 0; i < 20; ++i)
    events.push_back(parse_obj(R"({"type": "Normal", "reason": "R)" + std::to_string(i) +
                               R"(", "message": "m", "lastTimestamp": "2026-12-07T11:)" + (i < 10 ? "0" : "") +
                               std::to_string(i) + R"(:00Z"})"));
  auto text = render_describe(echo_server(), {pod}, events, now);
  EXPECT_NE(text.find("Kind:           MCPServer"), std::string::npos) << text;
  EXPECT_NE(text.find("  protocol:             stdio"), std::string::npos) << text;
  EXPECT_NE(text.find("  env:                  1 items"), std::string::npos) << text;
  EXPECT_NE(text.find("example-servers/everything 1.0.0 (protocol 2025-06-18)"), std::string::npos) << text;
  EXPECT_NE(text.find("  Ready       True     ReplicasReady"), std::string::npos) << text;
  EXPECT_NE(text.find("echo-abc   1/1     Running   2          2m    node-1"), std::string::npos) << text;
  EXPECT_EQ(text.find("R4 "), std::string::npos) << text;  // only the newest max_events
  EXPECT_NE(text.find("R19"), std::string::npos) << text;
  EXPECT_LT(text.find("R5 "), text.find("R19"));
}

TEST(KubectlMcpLogs, ContainersAndPrefixedLines) {
  auto stdio_pod = parse_obj(R"({"spec": {"containers": [{"name": "mcp-server"}]}})");
  auto http_pod = parse_obj(R"({"spec": {"containers": [{"name": "mcp-server"}, {"name": "mcp-bridge"}]}})");
  auto gateway = parse_obj(R"({"spec": {"containers": [{"name": "mcp-gateway"}]}})");
  EXPECT_EQ(containers_for(stdio_pod, "bridge"), std::vector<std::string>{"mcp-server"});
  EXPECT_EQ(containers_for(http_pod, "bridge"), std::vector<std::string>{"mcp-bridge"});
  EXPECT_EQ(containers_for(http_pod, ""), (std::vector<std::string>{"mcp-server", "mcp-bridge"}));
  EXPECT_EQ(containers_for(gateway, "server"), std::vector<std::string>{"mcp-gateway"});
  EXPECT_TRUE(containers_for(gateway, "nope").empty());
  line_prefixer p("[pod/a/c] ");
  EXPECT_EQ(p.feed("one\ntw"), "[pod/a/c] one\n");
  EXPECT_EQ(p.feed("o\nthree"), "[pod/a/c] two\n");
  EXPECT_EQ(p.flush(), "[pod/a/c] three\n");
  EXPECT_EQ(p.flush(), "");
}

TEST(KubectlMcpCompletion, ScriptsCompleteCommandsAndNames) {
  auto bash = completion_script("bash");
  EXPECT_NE(bash.find("complete -F _kubectl_mcp kubectl-mcp"), std::string::npos);
  EXPECT_NE(bash.find("get tools call describe logs completion version"), std::string::npos);
  EXPECT_NE(bash.find("kubectl-mcp get -o name"), std::string::npos);
  EXPECT_EQ(bash.find("@FLAGS@"), std::string::npos);
  EXPECT_TRUE(completion_script("zsh").starts_with("#compdef kubectl-mcp\n"));
}

}  // namespace
}  // namespace kubectl_mcp
