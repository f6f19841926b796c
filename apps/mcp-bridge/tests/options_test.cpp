#include "options.hpp"

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
