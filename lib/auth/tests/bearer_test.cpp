// The resource server's decision for every kind of bad token a client or an attacker can
// send, against real keys: each is refused with the outcome (and so the status) a client can
// act on, and only a valid token with the right issuer, audience, time and scopes passes.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "auth/authenticator.hpp"
#include "auth/bearer.hpp"
#include "auth/challenge.hpp"
#include "jose_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using auth::outcome;
using auth_test::sign;

constexpr std::int64_t now_s = 1'800'000'000;
const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(now_s));

const auth_test::test_key& rsa() {
  static const auto k = auth_test::rsa_key("rsa-1");
  return k;
}
const auth_test::test_key& ec() {
  static const auto k = auth_test::ec_key("ec-1");
  return k;
}

auth::policy rules() {
  auth::policy p;
  p.issuer = "https://issuer.example/";
  p.audience = "https://mcp.example/mcp";
  p.required_scopes = {"mcp:tools"};
  return p;
}

boost::json::object claims() {
  return {{"iss", "https://issuer.example/"},
          {"sub", "agent-7"},
          {"aud", boost::json::array{"https://mcp.example/mcp"}},
          {"exp", now_s + 300},
          {"nbf", now_s - 10},
          {"iat", now_s - 10},
          {"scope", "openid mcp:tools"},
          {"client_id", "agent-client"}};
}

auth::key_set keys() {
  std::string error;
  return auth::parse_jwks(auth_test::jwks_of({&rsa(), &ec()}), error).value();
}

auth::decision decide(const std::string& token) {
  auto d = auth::check_token(token, keys(), rules(), now);
  if (d.result == outcome::ok) {
    d = auth::check_scopes(d.who, rules());
  }
  return d;
}

boost::json::object with(boost::json::object c, std::string_view k, boost::json::value v) {
  c[k] = std::move(v);
  return c;
}

TEST(Bearer, AValidRs256AndEs256TokenNameTheCaller) {
  for (const auto* k : {&rsa(), &ec()}) {
    auto d = decide(sign(claims(), *k));
    ASSERT_EQ(d.result, outcome::ok) << k->alg << ": " << d.description;
    EXPECT_EQ(d.who->subject, "agent-7");
    EXPECT_EQ(d.who->client_id, "agent-client");
    EXPECT_EQ(d.who->scopes, (std::vector<std::string>{"openid", "mcp:tools"}));
  }
}

TEST(Bearer, AServiceAccountTokenNamesItsNamespaceAndName) {
  auto c = claims();
  c["sub"] = "system:serviceaccount:team-a:agent";
  c["aud"] = "https://mcp.example/mcp";  // a string, as the kubelet projects it
  c.erase("scope");
  c["kubernetes.io"] = {{"namespace", "team-a"}, {"serviceaccount", {{"name", "agent"}, {"uid", "u-1"}}}};
  auto p = rules();
  p.required_scopes.clear();
  auto d = auth::check_token(sign(c, rsa()), keys(), p, now);
  ASSERT_EQ(d.result, outcome::ok) << d.description;
  EXPECT_EQ(d.who->sa_namespace, "team-a");
  EXPECT_EQ(d.who->sa_name, "agent");
}

struct bad_case {
  const char* name;
  std::string token;
  outcome expected;
  const char* says;  // in the description
};

TEST(Bearer, EveryBadTokenIsRefusedWithWhatTheClientCanActOn) {
  const auto other = auth_test::rsa_key("rsa-1");  // same kid, another key: a forged signature
  const auto stranger = auth_test::rsa_key("rsa-9");
  const std::string none_alg = auth::base64url_encode(R"({"alg":"none","kid":"rsa-1"})") + "." +
                               auth::base64url_encode(boost::json::serialize(claims())) + ".";
  // HS256 "signed" with the RSA public key as the HMAC secret: the classic key confusion.
  const std::string hs_alg = sign(boost::json::object{{"alg", "HS256"}, {"kid", "rsa-1"}}, claims(), rsa());
  const std::string es_header_rsa_key = sign(boost::json::object{{"alg", "ES256"}, {"kid", "rsa-1"}}, claims(), ec());
  const std::vector<bad_case> cases = {
      {"malformed", "not-a-jwt", outcome::invalid_token, "not a JWT"},
      {"two parts", "abc.def", outcome::invalid_token, "not a JWT"},
      {"garbage parts", "e30.e30.!!", outcome::invalid_token, "not a JWT"},
      {"wrong signature", sign(claims(), other), outcome::invalid_token, "signature verification failed"},
      {"unknown kid", sign(claims(), stranger), outcome::invalid_token, "no key rsa-9"},
      {"alg none", none_alg, outcome::invalid_token, "alg none is not accepted"},
      {"HMAC with the public key", hs_alg, outcome::invalid_token, "alg HS256 is not accepted"},
      {"alg of another key type", es_header_rsa_key, outcome::invalid_token, "does not match the key"},
      {"wrong iss", sign(with(claims(), "iss", "https://evil.example/"), rsa()), outcome::invalid_token, "issuer"},
      {"wrong aud", sign(with(claims(), "aud", "https://other.example/mcp"), rsa()), outcome::invalid_token,
       "audience"},
      {"no aud", sign(with(claims(), "aud", boost::json::array{}), rsa()), outcome::invalid_token, "audience"},
      {"expired", sign(with(claims(), "exp", now_s - 31), rsa()), outcome::invalid_token, "expired"},
      {"no exp",
       sign(
           [] {
             auto c = claims();
             c.erase("exp");
             return c;
           }(),
           rsa()),
       outcome::invalid_token, "no exp"},
      {"not yet valid", sign(with(claims(), "nbf", now_s + 31), rsa()), outcome::invalid_token, "not valid yet"},
      {"missing scope", sign(with(claims(), "scope", "openid"), rsa()), outcome::insufficient_scope, "mcp:tools"},
  };
  for (const auto& c : cases) {
    auto d = decide(c.token);
    EXPECT_EQ(d.result, c.expected) << c.name << ": " << d.description;
    EXPECT_NE(d.description.find(c.says), std::string::npos) << c.name << ": " << d.description;
    EXPECT_EQ(d.unknown_key, std::string_view(c.name) == "unknown kid") << c.name;
    EXPECT_EQ(d.description.find(c.token), std::string::npos) << c.name << ": the token is never echoed";
  }
}

TEST(Bearer, ClockSkewWithinTheLeewayIsTolerated) {
  EXPECT_EQ(decide(sign(with(claims(), "exp", now_s - 20), rsa())).result, outcome::ok);
  EXPECT_EQ(decide(sign(with(claims(), "nbf", now_s + 20), rsa())).result, outcome::ok);
}

TEST(Bearer, ScopesMayComeAsAnScpArray) {
  auto c = claims();
  c.erase("scope");
  c["scp"] = boost::json::array{"mcp:tools"};
  EXPECT_EQ(decide(sign(c, ec())).result, outcome::ok);
}

TEST(Bearer, TheAuthorizationHeaderIsReadLikeRfc6750Says) {
  EXPECT_EQ(auth::bearer_token(std::nullopt), std::nullopt);
  EXPECT_EQ(auth::bearer_token("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(auth::bearer_token("Bearerabc"), std::nullopt);
  EXPECT_EQ(auth::bearer_token("Bearer abc.def-_~+/="), "abc.def-_~+/=");
  EXPECT_EQ(auth::bearer_token("bearer  abc "), "abc");
  EXPECT_EQ(auth::bearer_token("Bearer "), std::string_view());
  EXPECT_EQ(auth::bearer_token("Bearer a b"), std::string_view());
  EXPECT_EQ(auth::bearer_token("Bearer a\"b"), std::string_view());
}

TEST(Authenticator, AVerifiedTokenIsRememberedUntilItExpires) {
  boost::asio::io_context io;
  auth::resource_server_options o;
  o.rules = rules();
  auth::authenticator a(io.get_executor(), o, [](bool, const std::string&) {});
  // No keys yet: the token names a key the (empty) set lacks, and the client is told why.
  const std::string token = sign(with(claims(), "exp", now_s + 60), rsa());
  auto d = a.decide("Bearer " + token, now);
  EXPECT_EQ(d.result, outcome::invalid_token);
  EXPECT_TRUE(d.unknown_key);
  EXPECT_NE(d.description.find("signing keys are not available"), std::string::npos) << d.description;
  // Missing, malformed and insufficient answers.
  EXPECT_EQ(a.decide(std::nullopt, now).result, outcome::no_token);
  EXPECT_EQ(a.decide("Bearer a b", now).result, outcome::invalid_request);
  // With the key: valid, then remembered (still valid, and refused once it expired).
  a.keys().set_keys(keys());
  ASSERT_EQ(a.decide("Bearer " + token, now).result, outcome::ok);
  EXPECT_EQ(a.decide("Bearer " + token, now + 30s).result, outcome::ok);
  EXPECT_EQ(a.decide("Bearer " + token, now + 60s + 31s).result, outcome::invalid_token);
  // A key set without the token's key drops what was remembered: the token is refused.
  ASSERT_EQ(a.decide("Bearer " + token, now).result, outcome::ok);
  std::string error;
  a.keys().set_keys(auth::parse_jwks(auth_test::jwks_of({&ec()}), error).value());
  auto d2 = a.decide("Bearer " + token, now);
  EXPECT_EQ(d2.result, outcome::invalid_token);
  EXPECT_TRUE(d2.unknown_key);
}

}  // namespace
