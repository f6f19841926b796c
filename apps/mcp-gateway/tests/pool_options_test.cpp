#include "pool_options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::string& last_stderr() {
  static std::string s;
  return s;
}

gw::pool_parse_outcome parse(std::vector<std::string> args) {
  args.insert(args.begin(), "mcp-gateway");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  testing::internal::CaptureStderr();
  auto out = gw::parse_pool_options(static_cast<int>(argv.size()), argv.data());
  last_stderr() = testing::internal::GetCapturedStderr();
  return out;
}

TEST(GatewayOptions, MembersKeepTheirDeclaredOrderAndARepeatedNameAddsAReplica) {
  auto out = parse({"--port", "8080", "--member", "b=http://127.0.0.1:3001/mcp", "--member",
                    "a=http://127.0.0.1:3002/mcp", "--member", "b=http://10.0.0.7:3001/mcp"});
  ASSERT_TRUE(out.opts) << last_stderr();
  const auto& m = out.opts->members;
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].spec.name, "b");
  ASSERT_EQ(m[0].endpoints.size(), 2u);
  EXPECT_EQ(m[0].endpoints[0].id, "127.0.0.1:3001");
  EXPECT_EQ(m[0].endpoints[1].id, "10.0.0.7:3001");
  EXPECT_EQ(m[0].endpoints[1].http.target, "/mcp");
  EXPECT_EQ(m[1].spec.name, "a");
  EXPECT_EQ(out.opts->front.host, "127.0.0.1");  // loopback unless told otherwise
  EXPECT_EQ(out.opts->resolution, gateway::conflict_resolution::prefix);
}

TEST(GatewayOptions, PrefixFiltersAndDisableApplyToTheNamedMember) {
  auto out = parse({"--port", "1", "--member", "fs=http://127.0.0.1:1/mcp", "--member", "gh=http://127.0.0.1:2/mcp",
                    "--tool-prefix", "fs=files.", "--include", "fs=read_*", "--exclude", "fs=read_secret",
                    "--disable", "gh", "--conflict-resolution", "priority"});
  ASSERT_TRUE(out.opts) << last_stderr();
  const auto& fs = out.opts->members[0].spec;
  EXPECT_EQ(fs.tool_prefix, "files.");
  EXPECT_EQ(fs.include, std::vector<std::string>{"read_*"});
  EXPECT_EQ(fs.exclude, std::vector<std::string>{"read_secret"});
  EXPECT_TRUE(fs.enabled);
  EXPECT_FALSE(out.opts->members[1].spec.enabled);
  EXPECT_EQ(out.opts->resolution, gateway::conflict_resolution::priority);
}

TEST(GatewayOptions, MistakesAreUsageErrorsThatNameTheFlag) {
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<bad> cases = {
      {{"--port", "1", "--member", "fs"}, "NAME=URL"},
      {{"--port", "1", "--member", "Fs_1=http://127.0.0.1:1/"}, "DNS-1123"},
      {{"--port", "1", "--member", "fs=https://127.0.0.1:1/"}, "--member fs must be an http:// URL"},
      {{"--port", "1", "--member", "fs=http://example.org/"}, "--member fs must name an IP address"},
      {{"--port", "1", "--member", "fs=http://127.0.0.1:1/", "--member", "fs=http://127.0.0.1:1/x"}, "twice"},
      {{"--port", "1", "--member", "fs=http://127.0.0.1:1/", "--include", "gh=*"}, "which no --member declares"},
      {{"--port", "1", "--member", "fs=http://127.0.0.1:1/", "--member-token", "fs=/nonexistent/token"},
       "cannot read"},
  };
  for (const auto& c : cases) {
    auto out = parse(c.args);
    EXPECT_FALSE(out.opts);
    EXPECT_EQ(out.exit_code, 2) << last_stderr();
    EXPECT_NE(last_stderr().find(c.says), std::string::npos) << last_stderr();
  }
  auto none = parse({"--port", "1"});
  EXPECT_FALSE(none.opts);
  EXPECT_NE(last_stderr().find("--member"), std::string::npos) << last_stderr();
}

}  // namespace
