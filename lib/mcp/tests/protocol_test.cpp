#include "mcp/protocol.hpp"

#include <gtest/gtest.h>

#include "mcp/error.hpp"

namespace {

using mcp::revision;

mcp::message msg(std::string_view text) {
  return mcp::parse(text)->messages.at(0);
}

TEST(protocol, revisions_round_trip_and_unknown_ones_are_rejected) {
  for (auto r : mcp::all_revisions) {
    EXPECT_EQ(mcp::parse_revision(mcp::to_string(r)), r);
  }
  EXPECT_FALSE(mcp::parse_revision("2025-01-01"));
  EXPECT_EQ(mcp::transport_of(revision::v2024_11_05), mcp::transport_kind::http_sse);
  EXPECT_EQ(mcp::transport_of(revision::v2025_11_25), mcp::transport_kind::streamable_http);
  EXPECT_EQ(mcp::transport_of(revision::v2026_07_28), mcp::transport_kind::stateless_http);
}

TEST(protocol, only_2025_03_26_allows_batches) {
  for (auto r : mcp::all_revisions) {
    EXPECT_EQ(mcp::allows_batches(r), r == revision::v2025_03_26) << mcp::to_string(r);
  }
}

TEST(protocol, missing_version_header_means_session_revision_or_2025_03_26) {
  EXPECT_EQ(*mcp::request_revision(std::nullopt, std::nullopt), revision::v2025_03_26);
  EXPECT_EQ(*mcp::request_revision(std::nullopt, revision::v2025_06_18), revision::v2025_06_18);
}

TEST(protocol, version_header_must_name_a_served_revision) {
  EXPECT_EQ(mcp::request_revision("1999-01-01", std::nullopt).error(), mcp::error::unsupported_version);
  EXPECT_EQ(*mcp::request_revision("2025-03-26", revision::v2025_11_25), revision::v2025_03_26);
  EXPECT_EQ(*mcp::request_revision("2025-11-25", revision::v2025_11_25), revision::v2025_11_25);
  EXPECT_EQ(mcp::http_status(mcp::error::unsupported_version), 400u);
}

constexpr const char* envelope =
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}})";

mcp::message stateless(std::string method, std::string params) {
  return msg(R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":{)" + params +
             (params.empty() ? "" : ",") + envelope + "}}");
}

TEST(protocol, stateless_headers_must_mirror_the_body) {
  auto call = stateless("tools/call", R"("name":"echo")");
  mcp::stateless_headers ok{"2026-07-28", "tools/call", "echo"};
  EXPECT_TRUE(mcp::check_stateless(ok, call));

  auto wrong_name = ok;
  wrong_name.name = "add";
  EXPECT_EQ(mcp::check_stateless(wrong_name, call).error(), mcp::error::header_mismatch);
  EXPECT_EQ(mcp::jsonrpc_code(mcp::error::header_mismatch), -32020);

  auto wrong_method = ok;
  wrong_method.method = "tools/list";
  EXPECT_EQ(mcp::check_stateless(wrong_method, call).error(), mcp::error::header_mismatch);

  auto no_name = ok;
  no_name.name.reset();
  EXPECT_EQ(mcp::check_stateless(no_name, call).error(), mcp::error::header_mismatch);

  auto other_version = ok;
  other_version.protocol_version = "2025-11-25";
  EXPECT_EQ(mcp::check_stateless(other_version, call).error(), mcp::error::header_mismatch);

  EXPECT_EQ(mcp::check_stateless({std::nullopt, "tools/call", "echo"}, call).error(), mcp::error::header_mismatch);
}

TEST(protocol, stateless_requests_need_the_meta_envelope) {
  auto bare = msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  EXPECT_EQ(mcp::check_stateless({"2026-07-28", "tools/list", std::nullopt}, bare).error(),
            mcp::error::missing_envelope);
  EXPECT_EQ(mcp::jsonrpc_code(mcp::error::missing_envelope), -32602);
  auto no_caps = msg(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})");
  EXPECT_EQ(mcp::check_stateless({"2026-07-28", "tools/list", std::nullopt}, no_caps).error(),
            mcp::error::missing_envelope);
}

TEST(protocol, stateless_requests_for_a_handshake_revision_are_unsupported) {
  auto old = msg(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{)"
      R"("io.modelcontextprotocol/protocolVersion":"2025-11-25","io.modelcontextprotocol/clientCapabilities":{}}}})");
  EXPECT_EQ(mcp::check_stateless({"2025-11-25", "tools/list", std::nullopt}, old).error(),
            mcp::error::unsupported_modern_version);
  EXPECT_EQ(mcp::jsonrpc_code(mcp::error::unsupported_modern_version), -32022);
}

TEST(protocol, resources_read_is_named_by_uri_and_list_needs_no_name) {
  auto read = stateless("resources/read", R"("uri":"demo://1")");
  EXPECT_TRUE(mcp::check_stateless({"2026-07-28", "resources/read", "demo://1"}, read));
  auto list = stateless("tools/list", "");
  EXPECT_TRUE(mcp::check_stateless({"2026-07-28", "tools/list", std::nullopt}, list));
  EXPECT_EQ(mcp::check_stateless({"2026-07-28", std::nullopt, std::nullopt}, list).error(),
            mcp::error::header_mismatch);
}

TEST(protocol, mcp_name_may_travel_base64_encoded) {
  auto call = stateless("tools/call", R"("name":"grüße")");
  EXPECT_TRUE(mcp::check_stateless({"2026-07-28", "tools/call", "=?base64?Z3LDvMOfZQ==?="}, call));
  EXPECT_EQ(mcp::decode_header_value("plain"), "plain");
  EXPECT_EQ(mcp::decode_header_value("=?base64?aGk=?="), "hi");
  EXPECT_FALSE(mcp::decode_header_value("=?base64?aGl=?="));  // non-canonical trailing bits
  EXPECT_FALSE(mcp::decode_header_value("=?base64?a*k=?="));  // not base64
  EXPECT_FALSE(mcp::decode_header_value("=?base64?/w==?="));  // decodes to invalid UTF-8
}

TEST(protocol, stateless_results_get_result_type_and_cache_hints) {
  auto list = msg(R"({"jsonrpc":"2.0","id":1,"result":{"tools":[]}})");
  mcp::to_stateless_result("tools/list", list.body);
  EXPECT_EQ(list.body.at("result").at("resultType"), "complete");
  EXPECT_EQ(list.body.at("result").at("ttlMs"), 0);
  EXPECT_EQ(list.body.at("result").at("cacheScope"), "private");

  auto call = msg(R"({"jsonrpc":"2.0","id":1,"result":{"content":[],"resultType":"input_required"}})");
  mcp::to_stateless_result("tools/call", call.body);
  EXPECT_EQ(call.body.at("result").at("resultType"), "input_required");  // the child's own value stays
  EXPECT_FALSE(call.body.at("result").as_object().contains("ttlMs"));    // tools/call is not cacheable

  auto err = msg(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"x"}})");
  mcp::to_stateless_result("tools/list", err.body);
  EXPECT_FALSE(err.body.contains("result"));
}

TEST(protocol, reads_the_negotiated_revision_from_an_initialize_result) {
  EXPECT_EQ(mcp::negotiated_revision(msg(R"({"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18"}})")),
            revision::v2025_06_18);
  EXPECT_FALSE(mcp::negotiated_revision(msg(R"({"jsonrpc":"2.0","id":0,"result":{}})")));
}

}  // namespace
