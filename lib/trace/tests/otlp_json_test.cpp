#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "trace/otlp_json.hpp"

namespace {

namespace json = boost::json;

TEST(OtlpJson, EncodesTheExportRequestAsTheJsonMappingSays) {
  trace::span s;
  s.context = *trace::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  s.parent = trace::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01")->span;
  s.name = "tools/call echo";
  s.kind = trace::span_kind::server;
  s.start_unix_nano = 1700000000000000001ULL;
  s.end_unix_nano = 1700000000000000999ULL;
  s.set("mcp.method.name", std::string("tools/call"));
  s.set("http.response.status_code", std::int64_t{200});
  s.set("error", true);
  s.error("timeout \"quoted\"");
  const trace::span spans[] = {s};
  const auto doc = json::parse(trace::encode_otlp_json({"mcp-bridge", "1.2.3"}, spans)).as_object();

  const auto& rs = doc.at("resourceSpans").as_array().at(0).as_object();
  const auto& rattr = rs.at("resource").at("attributes").as_array();
  EXPECT_EQ(rattr.at(0).at("key"), "service.name");
  EXPECT_EQ(rattr.at(0).at("value").at("stringValue"), "mcp-bridge");
  EXPECT_EQ(rattr.at(1).at("value").at("stringValue"), "1.2.3");
  const auto& ss = rs.at("scopeSpans").as_array().at(0).as_object();
  EXPECT_EQ(ss.at("scope").at("name"), "mcp-operator");
  const auto& o = ss.at("spans").as_array().at(0).as_object();
  EXPECT_EQ(o.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");  // hex, not base64
  EXPECT_EQ(o.at("spanId"), "00f067aa0ba902b7");
  EXPECT_EQ(o.at("parentSpanId"), "1111111111111111");
  EXPECT_EQ(o.at("name"), "tools/call echo");
  EXPECT_EQ(o.at("kind"), 2);                                   // SPAN_KIND_SERVER as an integer
  EXPECT_EQ(o.at("startTimeUnixNano"), "1700000000000000001");  // fixed64 as a string
  EXPECT_EQ(o.at("endTimeUnixNano"), "1700000000000000999");
  const auto& attrs = o.at("attributes").as_array();
  EXPECT_EQ(attrs.at(0).at("value").at("stringValue"), "tools/call");
  EXPECT_EQ(attrs.at(1).at("value").at("intValue"), "200");  // int64 as a string
  EXPECT_EQ(attrs.at(2).at("value").at("boolValue"), true);
  EXPECT_EQ(o.at("status").at("code"), 2);
  EXPECT_EQ(o.at("status").at("message"), "timeout \"quoted\"");
}

TEST(OtlpJson, ARootSpanHasNoParentAndUnsetStatusIsEmpty) {
  trace::span s;
  s.context = *trace::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  const trace::span spans[] = {s};
  const auto doc = json::parse(trace::encode_otlp_json({"x", ""}, spans));
  const auto& o = doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0).as_object();
  EXPECT_FALSE(o.contains("parentSpanId"));
  EXPECT_TRUE(o.at("status").as_object().empty());
}

}  // namespace
