#include "log_format.hpp"

#include <gtest/gtest.h>

namespace {

using mcp_operator::parse_fields;
using pairs = std::vector<std::pair<std::string, std::string>>;

TEST(LogFields, KeyValuesAndQuotedValues) {
  EXPECT_EQ(parse_fields(R"(msg="Created Deployment" controller=mcpserver key=ns/demo)"),
            (pairs{{"msg", "Created Deployment"}, {"controller", "mcpserver"}, {"key", "ns/demo"}}));
}

TEST(LogFields, EscapedQuotesStayInTheValue) {
  EXPECT_EQ(parse_fields(R"(error="Invalid: \"spec.port\" too high")"),
            (pairs{{"error", R"(Invalid: "spec.port" too high)"}}));
}

TEST(LogFields, UnescapedQuotesInsideAValueDoNotEndIt) {
  EXPECT_EQ(parse_fields(R"(msg="reconciler error" key=ns/s0 error="Forbidden (403): services "s0" is forbidden: no")"),
            (pairs{{"msg", "reconciler error"},
                   {"key", "ns/s0"},
                   {"error", R"(Forbidden (403): services "s0" is forbidden: no)"}}));
}

TEST(LogFields, PlainTextBecomesTheMessage) {
  EXPECT_EQ(parse_fields("starting up now"), (pairs{{"msg", "starting up now"}}));
  EXPECT_EQ(parse_fields("hello key=v"), (pairs{{"msg", "hello"}, {"key", "v"}}));
}

TEST(Logging, RejectsUnknownFormatsAndLevels) {
  EXPECT_FALSE(mcp_operator::configure_logging("xml", "info"));
  EXPECT_FALSE(mcp_operator::configure_logging("json", "loud"));
  EXPECT_TRUE(mcp_operator::configure_logging("json", "debug"));
}

}  // namespace
