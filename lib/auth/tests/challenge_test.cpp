// What a refused client reads: the status, a WWW-Authenticate challenge that points at the
// protected-resource metadata (RFC 9728) and names the scopes, and that metadata document.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "auth/challenge.hpp"

namespace {

using auth::outcome;

auth::decision with(outcome o, std::string why = {}) {
  auth::decision d;
  d.result = o;
  d.description = std::move(why);
  return d;
}

TEST(Challenge, StatusesFollowRfc6750) {
  EXPECT_EQ(auth::http_status(outcome::no_token), 401u);
  EXPECT_EQ(auth::http_status(outcome::invalid_token), 401u);
  EXPECT_EQ(auth::http_status(outcome::invalid_request), 400u);
  EXPECT_EQ(auth::http_status(outcome::insufficient_scope), 403u);
}

TEST(Challenge, NoTokenGetsTheMetadataAndScopesButNoError) {
  EXPECT_EQ(
      auth::www_authenticate(with(outcome::no_token), "https://h/.well-known/oauth-protected-resource/mcp",
                             {"mcp:tools", "openid"}),
      R"(Bearer resource_metadata="https://h/.well-known/oauth-protected-resource/mcp", scope="mcp:tools openid")");
}

TEST(Challenge, ARefusedTokenGetsTheErrorAndASafeDescription) {
  EXPECT_EQ(auth::www_authenticate(with(outcome::invalid_token, "issuer \"x\\\" is\nbad"), "https://h/m", {}),
            R"(Bearer resource_metadata="https://h/m", error="invalid_token", error_description="issuer x isbad")");
  EXPECT_EQ(
      auth::www_authenticate(with(outcome::insufficient_scope, "lacks s"), "https://h/m", {"s"}),
      R"(Bearer resource_metadata="https://h/m", scope="s", error="insufficient_scope", error_description="lacks s")");
}

TEST(Challenge, TheMetadataUrlInsertsTheWellKnownPathBeforeTheResourcePath) {
  EXPECT_EQ(auth::metadata_url("https://mcp.example/mcp"),
            "https://mcp.example/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(auth::metadata_url("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/.well-known/oauth-protected-resource");
  EXPECT_EQ(auth::metadata_url("http://[::1]:8080"), "http://[::1]:8080/.well-known/oauth-protected-resource");
  EXPECT_EQ(auth::metadata_url("https://h/mcp?x=1"), std::nullopt);
  EXPECT_EQ(auth::metadata_url("ftp://h/mcp"), std::nullopt);
  EXPECT_EQ(auth::metadata_url("/mcp"), std::nullopt);
}

TEST(Challenge, TheMetadataDocumentNamesResourceIssuerAndScopes) {
  auto doc =
      boost::json::parse(auth::protected_resource_metadata("https://mcp.example/mcp", {"https://issuer/"}, {"a"}));
  EXPECT_EQ(doc.at("resource"), "https://mcp.example/mcp");
  EXPECT_EQ(doc.at("authorization_servers").at(0), "https://issuer/");
  EXPECT_EQ(doc.at("scopes_supported").at(0), "a");
  EXPECT_EQ(doc.at("bearer_methods_supported").at(0), "header");
}

}  // namespace
