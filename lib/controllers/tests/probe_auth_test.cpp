// The probe against an endpoint that enforces spec.auth: without a token it gets 401, and a
// challenge naming the expected RFC 9728 metadata is proof enough that the front is up and
// protected (Verified, reason AuthRequired); a 401 without it, or a 401 where no auth is
// expected, fails the check.
#include <gtest/gtest.h>

#include "controllers/mcp_probe.hpp"

namespace {

using controllers::mcp_probe;
using controllers::probe_response;

constexpr std::string_view metadata = "http://demo.ns.svc.cluster.local:3000/.well-known/oauth-protected-resource/mcp";

probe_response unauthorized(std::string challenge) {
  probe_response r;
  r.status = 401;
  r.content_type = "application/json";
  r.www_authenticate = std::move(challenge);
  return r;
}

TEST(ProbeAuth, ChallengeNamingTheMetadataVerifiesWithAuthRequired) {
  mcp_probe p("0.1.0", "2026-01-01T00:00:00Z");
  p.expect_auth(std::string(metadata));
  ASSERT_TRUE(p.next());
  p.on_response(unauthorized("Bearer resource_metadata=\"" + std::string(metadata) + "\", scope=\"mcp:tools\""));
  EXPECT_TRUE(p.done()) << "nothing more to ask without a token";
  EXPECT_TRUE(p.result().ok);
  EXPECT_EQ(p.result().reason, "AuthRequired");
  EXPECT_NE(p.result().message.find(std::string(metadata)), std::string::npos) << p.result().message;
}

TEST(ProbeAuth, AnotherChallengeOrNoneFails) {
  for (const char* h : {"Bearer resource_metadata=\"http://evil.example/.well-known/oauth-protected-resource/mcp\"", "",
                        "Basic realm=\"x\""}) {
    mcp_probe p("0.1.0", "2026-01-01T00:00:00Z");
    p.expect_auth(std::string(metadata));
    p.on_response(unauthorized(h));
    EXPECT_TRUE(p.done());
    EXPECT_FALSE(p.result().ok) << h;
    EXPECT_EQ(p.result().reason, "AuthChallengeMismatch") << h;
  }
}

TEST(ProbeAuth, StaticTokenAcceptsAnyBearerChallenge) {
  mcp_probe p("0.1.0", "2026-01-01T00:00:00Z");
  p.expect_auth("");
  p.on_response(unauthorized("Bearer"));
  EXPECT_TRUE(p.result().ok);
  EXPECT_EQ(p.result().reason, "AuthRequired");
}

TEST(ProbeAuth, A401WithoutAuthInTheSpecStillFails) {
  mcp_probe p("0.1.0", "2026-01-01T00:00:00Z");
  p.on_response(unauthorized("Bearer resource_metadata=\"" + std::string(metadata) + "\""));
  EXPECT_FALSE(p.result().ok);
  EXPECT_EQ(p.result().reason, "InitializeFailed");
}

}  // namespace
