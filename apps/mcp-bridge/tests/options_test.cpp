#include "options.hpp"

#include "http_link.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mcp_version.hpp"

namespace {

bridge::parse_outcome parse(std::vector<std::string> args) {
  args.insert(args.begin(), "mcp-bridge");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  return bridge::parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(BridgeOptions, VersionPrintsAndExitsZeroWithoutOtherArguments) {
  testing::internal::CaptureStderr();
  auto out = parse({"--version"});
  std::string printed = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(out.opts.has_value());
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_NE(printed.find(std::string("mcp-bridge ") + mcp_version::version), std::string::npos) << printed;
}

TEST(BridgeOptions, ServingNeedsAPortAndACommand) {
  testing::internal::CaptureStderr();
  auto out = parse({"--", "server"});
  testing::internal::GetCapturedStderr();
  EXPECT_FALSE(out.opts.has_value());
  EXPECT_NE(out.exit_code, 0);
}

TEST(BridgeOptions, DefaultsBindLoopback) {
  auto out = parse({"--port", "3000", "--", "server", "stdio"});
  ASSERT_TRUE(out.opts.has_value());
  EXPECT_EQ(out.opts->host, "127.0.0.1");
  EXPECT_EQ(out.opts->port, 3000);
  EXPECT_EQ(out.opts->command, (std::vector<std::string>{"server", "stdio"}));
}

}  // namespace

namespace {

TEST(BridgeOptions, LimitsOnHostileClientsAreOnByDefault) {
  auto out = parse({"--port", "3000", "--", "server"});
  ASSERT_TRUE(out.opts.has_value());
  EXPECT_EQ(out.opts->max_connections, 1024u);
  EXPECT_EQ(out.opts->write_timeout, std::chrono::seconds(30));
  EXPECT_EQ(out.opts->max_stream_buffer, std::size_t{4} << 20);
  EXPECT_EQ(out.opts->session_rate, 20);
  EXPECT_EQ(out.opts->session_burst, 100u);
  EXPECT_EQ(out.opts->max_starting, 4u);
  EXPECT_EQ(out.opts->start_queue_timeout, std::chrono::seconds(10));
}

TEST(BridgeOptions, LimitsAreParsed) {
  auto out = parse({"--port", "3000", "--max-connections", "7", "--write-timeout", "3", "--max-stream-buffer", "65536",
                    "--session-rate", "0.5", "--session-burst", "2", "--max-starting", "1", "--start-queue-timeout",
                    "4", "--", "server"});
  ASSERT_TRUE(out.opts.has_value());
  EXPECT_EQ(out.opts->max_connections, 7u);
  EXPECT_EQ(out.opts->write_timeout, std::chrono::seconds(3));
  EXPECT_EQ(out.opts->max_stream_buffer, 65536u);
  EXPECT_DOUBLE_EQ(out.opts->session_rate, 0.5);
  EXPECT_EQ(out.opts->session_burst, 2u);
  EXPECT_EQ(out.opts->max_starting, 1u);
  EXPECT_EQ(out.opts->start_queue_timeout, std::chrono::seconds(4));
}

TEST(BridgeOptions, ZeroLimitsAreUsageErrors) {
  for (const char* opt : {"--max-connections", "--write-timeout", "--session-rate", "--max-starting"}) {
    testing::internal::CaptureStderr();
    auto out = parse({"--port", "3000", opt, "0", "--", "server"});
    const std::string printed = testing::internal::GetCapturedStderr();
    EXPECT_FALSE(out.opts.has_value()) << opt;
    EXPECT_NE(out.exit_code, 0) << opt;
    EXPECT_NE(printed.find(opt), std::string::npos) << printed;
  }
}

TEST(BridgeOptions, HelpListsTheLimits) {
  testing::internal::CaptureStderr();
  auto out = parse({"--help"});
  const std::string printed = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.exit_code, 0);
  for (const char* opt : {"--max-connections", "--write-timeout", "--max-stream-buffer", "--session-rate",
                          "--session-burst", "--max-starting", "--start-queue-timeout"}) {
    EXPECT_NE(printed.find(opt), std::string::npos) << opt;
  }
}

}  // namespace

namespace {

TEST(BridgeOptions, UpstreamReplacesTheCommandAndIsAnHttpUrlOfAnAddress) {
  auto out = parse({"--port", "3000", "--upstream", "http://127.0.0.1:8080/mcp?x=1"});
  ASSERT_TRUE(out.opts.has_value());
  EXPECT_TRUE(out.opts->command.empty());
  EXPECT_EQ(out.opts->upstream, "http://127.0.0.1:8080/mcp?x=1");

  std::string error;
  auto cfg = bridge::parse_upstream_url("http://127.0.0.1:8080/mcp?x=1", error);
  ASSERT_TRUE(cfg) << error;
  EXPECT_EQ(cfg->host, "127.0.0.1");
  EXPECT_EQ(cfg->port, "8080");
  EXPECT_EQ(cfg->target, "/mcp?x=1");
  cfg = bridge::parse_upstream_url("http://localhost/", error);
  ASSERT_TRUE(cfg) << error;
  EXPECT_EQ(cfg->host, "127.0.0.1");
  EXPECT_EQ(cfg->port, "80");
  cfg = bridge::parse_upstream_url("http://[::1]:9/m", error);
  ASSERT_TRUE(cfg) << error;
  EXPECT_EQ(cfg->host, "::1");

  for (const auto& [url, says] : std::vector<std::pair<std::string, std::string>>{
           {"https://127.0.0.1/mcp", "http://"},
           {"http://server.example/mcp", "IP address"},
           {"http://user:pw@127.0.0.1/mcp", "credentials"},
           {"/mcp", "absolute URL"},
       }) {
    error.clear();
    EXPECT_FALSE(bridge::parse_upstream_url(url, error)) << url;
    EXPECT_NE(error.find(says), std::string::npos) << url << ": " << error;
    testing::internal::CaptureStderr();
    auto refused = parse({"--port", "3000", "--upstream", url});
    const std::string printed = testing::internal::GetCapturedStderr();
    EXPECT_FALSE(refused.opts.has_value());
    EXPECT_EQ(refused.exit_code, 2) << url;
    EXPECT_NE(printed.find(says), std::string::npos) << printed;
  }
}

TEST(BridgeOptions, TracingIsOffUntilAnEndpointIsGiven) {
  auto off = parse({"--port", "3000", "--", "server"});
  ASSERT_TRUE(off.opts);
  EXPECT_FALSE(off.opts->otlp_endpoint);
  EXPECT_EQ(off.opts->service_name, "mcp-bridge");
  auto on = parse({"--port", "3000", "--otlp-endpoint", "http://127.0.0.1:4318/v1/traces", "--trace-sample-ratio",
                   "0.25", "--service-name", "search", "--", "server"});
  ASSERT_TRUE(on.opts);
  EXPECT_EQ(on.opts->otlp_endpoint, "http://127.0.0.1:4318/v1/traces");
  EXPECT_DOUBLE_EQ(on.opts->trace_sample_ratio, 0.25);
  EXPECT_EQ(on.opts->service_name, "search");
}

TEST(BridgeOptions, ABadTracingEndpointOrRatioIsRefused) {
  for (std::vector<std::string> args : {
           std::vector<std::string>{"--otlp-endpoint", "https://collector:4318/v1/traces"},
           std::vector<std::string>{"--otlp-endpoint", "http://collector.observability:4318/v1/traces"},
           std::vector<std::string>{"--otlp-endpoint", "http://127.0.0.1:4318/v1/traces", "--trace-sample-ratio",
                                    "1.5"},
       }) {
    args.insert(args.begin(), {"--port", "3000"});
    args.insert(args.end(), {"--", "server"});
    testing::internal::CaptureStderr();
    auto out = parse(args);
    testing::internal::GetCapturedStderr();
    EXPECT_FALSE(out.opts.has_value()) << args[3];
    EXPECT_NE(out.exit_code, 0);
  }
}

TEST(BridgeOptions, UpstreamAndACommandTogetherAreRefused) {
  testing::internal::CaptureStderr();
  auto out = parse({"--port", "3000", "--upstream", "http://127.0.0.1:1/mcp", "--", "server"});
  testing::internal::GetCapturedStderr();
  EXPECT_FALSE(out.opts.has_value());
  EXPECT_NE(out.exit_code, 0);
}

}  // namespace
