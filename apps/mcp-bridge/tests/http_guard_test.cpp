#include "http_guard.hpp"

#include <gtest/gtest.h>

namespace {

using bridge::bearer_matches;
using bridge::is_loopback_authority;
using bridge::origin_allowed;

TEST(http_guard, loopback_hosts_pass_with_or_without_port) {
  for (const char* ok :
       {"localhost", "localhost:3000", "127.0.0.1", "127.0.0.1:8080", "[::1]", "[::1]:9", "LOCALHOST"}) {
    EXPECT_TRUE(is_loopback_authority(ok)) << ok;
  }
  for (const char* bad : {"evil.example", "evil.example:3000", "127.0.0.1.evil.example", "localhost:80x", "[::2]",
                          "127.0.0.2", "", "[::1"}) {
    EXPECT_FALSE(is_loopback_authority(bad)) << bad;
  }
}

TEST(http_guard, without_an_allow_list_only_loopback_origins_pass) {
  EXPECT_TRUE(origin_allowed(std::nullopt, {}));
  EXPECT_TRUE(origin_allowed("http://localhost:6274", {}));
  EXPECT_TRUE(origin_allowed("https://127.0.0.1", {}));
  EXPECT_FALSE(origin_allowed("http://evil.example", {}));
  EXPECT_FALSE(origin_allowed("null", {}));
  EXPECT_FALSE(origin_allowed("http://localhost.evil.example", {}));
}

TEST(http_guard, an_allow_list_is_matched_exactly) {
  const std::vector<std::string> allowed{"https://app.example"};
  EXPECT_TRUE(origin_allowed("https://app.example", allowed));
  EXPECT_FALSE(origin_allowed("https://app.example.evil", allowed));
  EXPECT_FALSE(origin_allowed("http://localhost", allowed));
  EXPECT_TRUE(origin_allowed("http://anything", {"*"}));
}

TEST(http_guard, bearer_token_must_match_exactly) {
  EXPECT_TRUE(bearer_matches("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_matches("bearer s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer s3cretX", "s3cret"));
  EXPECT_FALSE(bearer_matches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches(std::nullopt, "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer ", "s3cret"));
}

}  // namespace
