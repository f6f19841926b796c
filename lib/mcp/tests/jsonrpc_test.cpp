#include "mcp/jsonrpc.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "mcp/error.hpp"

namespace {

using mcp::message_kind;

message_kind kind_of(std::string_view text) {
  auto r = mcp::parse(text);
  EXPECT_TRUE(r.has_value()) << text;
  return r->messages.at(0).kind;
}

TEST(jsonrpc, classifies_the_four_message_kinds) {
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"), message_kind::request);
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"), message_kind::notification);
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":"a","result":{}})"), message_kind::response);
  EXPECT_EQ(kind_of(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})"),
            message_kind::error_response);
}

TEST(jsonrpc, malformed_json_is_a_parse_error) {
  auto r = mcp::parse("{\"jsonrpc\":");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), mcp::error::parse_error);
  EXPECT_EQ(mcp::jsonrpc_code(mcp::error::parse_error), -32700);
}

TEST(jsonrpc, rejects_what_is_not_jsonrpc_2) {
  for (const char* bad : {
           R"({"id":1,"method":"x"})",                                   // no jsonrpc
           R"({"jsonrpc":"1.0","id":1,"method":"x"})",                   // wrong version
           R"({"jsonrpc":"2.0","id":null,"method":"x"})",                // MCP: request ids are never null
           R"({"jsonrpc":"2.0","id":1.5,"method":"x"})",                 // fractional id
           R"({"jsonrpc":"2.0","id":1,"method":7})",                     // method not a string
           R"({"jsonrpc":"2.0","id":1,"method":"x","params":3})",        // params not structured
           R"({"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1}})",  // both
           R"({"jsonrpc":"2.0","id":1})",                                // neither
           R"({"jsonrpc":"2.0","id":1,"error":{"message":"no code"}})",
           R"("just a string")",
       }) {
    auto r = mcp::parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), mcp::error::invalid_request) << bad;
  }
}

TEST(jsonrpc, parses_batches_and_rejects_empty_ones) {
  auto r = mcp::parse(R"([{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"b"}])");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->batch);
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[1].method(), "b");
  EXPECT_EQ(mcp::parse("[]").error(), mcp::error::empty_batch);
  EXPECT_EQ(mcp::parse(R"([{"jsonrpc":"2.0","id":1,"method":"a"}, 3])").error(), mcp::error::invalid_request);
}

TEST(jsonrpc, id_keys_distinguish_numbers_from_strings) {
  EXPECT_NE(mcp::id_key(boost::json::value(1)), mcp::id_key(boost::json::value("1")));
  EXPECT_EQ(mcp::id_key(boost::json::value(7)), mcp::id_key(boost::json::parse("7")));
}

TEST(jsonrpc, error_response_round_trips) {
  auto text = mcp::error_response(boost::json::value("req-1"), -32001, "timed out");
  auto r = mcp::parse(text);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->messages[0].kind, message_kind::error_response);
  EXPECT_EQ(r->messages[0].id().as_string(), "req-1");
  EXPECT_EQ(r->messages[0].body.at("error").at("code").as_int64(), -32001);
}

TEST(jsonrpc, forwarding_keeps_unknown_fields) {
  auto r = mcp::parse(R"({"jsonrpc":"2.0","id":3,"method":"m","params":{"x":[1,2]},"extra":true})");
  ASSERT_TRUE(r);
  auto again = mcp::parse(mcp::serialize(r->messages[0]));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->messages[0].body, r->messages[0].body);
}

}  // namespace
