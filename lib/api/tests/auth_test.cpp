// spec.auth on MCPServer and MCPPool: each mode parsed, and the CRD's CEL rules (mode-specific
// fields, the bridge in front, an Ingress needing TLS and auth) checked again by validate().
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/mcppool.hpp"
#include "api/mcpserver.hpp"
#include "yaml_json.hpp"

namespace {

namespace json = boost::json;

json::value object(std::string_view kind, std::string_view spec_yaml) {
  json::object o{{"apiVersion", "mcp.v2dy.io/v1"},
                 {"kind", kind},
                 {"metadata", json::object{{"name", "demo"}, {"namespace", "team-a"}, {"uid", "u-1"}}}};
  o["spec"] = test_support::yaml_to_json(std::string(spec_yaml));
  return o;
}

// The stdio server every case starts from: the bridge is in front, so auth is allowed.
std::string stdio(std::string_view more) {
  return "image: x\nprotocol: stdio\ncommand: [srv]\n" + std::string(more);
}

std::string validate_server(const std::string& spec) {
  auto s = api::parse_mcpserver(object("MCPServer", spec));
  if (!s.has_value())
    return "parse: " + s.error().message;
  return api::validate(*s);
}

TEST(Auth, EachModeIsReadWithItsFields) {
  auto oidc = api::parse_mcpserver(object("MCPServer", stdio(R"(auth:
  mode: OIDC
  issuer: https://idp.example/
  jwksURL: https://idp.example/keys
  caConfigMap: {name: idp-ca, key: ca.crt}
  audience: https://mcp.example/mcp
  requiredScopes: [mcp:tools, openid]
)")));
  ASSERT_TRUE(oidc.has_value()) << oidc.error().message;
  ASSERT_TRUE(oidc->spec.auth);
  const auto& a = *oidc->spec.auth;
  EXPECT_EQ(a.mode, api::auth_mode::oidc);
  EXPECT_EQ(a.issuer, "https://idp.example/");
  EXPECT_EQ(a.jwks_url, "https://idp.example/keys");
  ASSERT_TRUE(a.ca_config_map);
  EXPECT_EQ(a.ca_config_map->name, "idp-ca");
  EXPECT_EQ(a.ca_config_map->key, "ca.crt");
  EXPECT_EQ(a.audience, "https://mcp.example/mcp");
  EXPECT_EQ(a.required_scopes, (std::vector<std::string>{"mcp:tools", "openid"}));
  EXPECT_EQ(api::validate(*oidc), "");

  auto sa = api::parse_mcpserver(object("MCPServer", stdio("auth: {mode: ServiceAccount}")));
  ASSERT_TRUE(sa.has_value());
  EXPECT_EQ(sa->spec.auth->mode, api::auth_mode::service_account);
  EXPECT_FALSE(sa->spec.auth->audience) << "unset audience: the renderer uses the in-cluster URL";
  EXPECT_EQ(api::validate(*sa), "");

  auto st = api::parse_mcppool(
      object("MCPPool", "members: [{name: a}]\nauth: {mode: StaticToken, tokenSecretRef: {name: t, key: token}}"));
  ASSERT_TRUE(st.has_value()) << st.error().message;
  EXPECT_EQ(st->spec.auth->mode, api::auth_mode::static_token);
  EXPECT_EQ(st->spec.auth->token_secret->name, "t");
  EXPECT_EQ(api::validate(*st), "");
  EXPECT_EQ(api::to_string(api::auth_mode::service_account), "ServiceAccount");

  auto none = api::parse_mcpserver(object("MCPServer", stdio("")));
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->spec.auth) << "no spec.auth: the endpoint stays open, as before";
}

TEST(Auth, ParseRefusesAMissingOrUnknownMode) {
  auto p = api::parse_mcpserver(object("MCPServer", stdio("auth: {issuer: 'https://i/'}")));
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message, "spec.auth.mode is required: OIDC, ServiceAccount or StaticToken");
  p = api::parse_mcpserver(object("MCPServer", stdio("auth: {mode: Anonymous}")));
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message, "spec.auth.mode must be OIDC, ServiceAccount or StaticToken, not \"Anonymous\"");
  p = api::parse_mcpserver(object("MCPServer", stdio("auth: {mode: StaticToken, tokenSecretRef: {name: t}}")));
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message, "spec.auth.tokenSecretRef needs name and key");
}

TEST(Auth, ValidateRefusesWhatTheCelRulesRefuseWithTheFix) {
  struct bad {
    std::string spec;
    std::string says;
  };
  const bad cases[] = {
      {stdio("auth: {mode: OIDC}"), "spec.auth.issuer is required with mode OIDC"},
      {stdio("auth: {mode: ServiceAccount, issuer: 'https://i/'}"), "are for mode OIDC only"},
      {stdio("auth: {mode: StaticToken, caConfigMap: {name: c, key: k}, tokenSecretRef: {name: t, key: k}}"),
       "are for mode OIDC only"},
      {stdio("auth: {mode: StaticToken}"), "spec.auth.tokenSecretRef is required with mode StaticToken"},
      {stdio("auth: {mode: ServiceAccount, tokenSecretRef: {name: t, key: k}}"),
       "spec.auth.tokenSecretRef is for mode StaticToken only"},
      {stdio("auth: {mode: StaticToken, tokenSecretRef: {name: t, key: k}, requiredScopes: [a]}"),
       "audience and requiredScopes are for modes OIDC and ServiceAccount"},
      {stdio("auth: {mode: OIDC, issuer: 'ftp://i/'}"), "must be http:// or https:// URLs"},
      {"image: x\nauth: {mode: ServiceAccount}", "spec.auth is enforced by mcp-bridge"},
      {stdio("ingress: {host: mcp.example}\nauth: {mode: ServiceAccount}"), "so it requires TLS"},
      {stdio("ingress: {host: mcp.example, tls: {secretName: s}}"), "so it requires auth"},
  };
  for (const auto& c : cases) {
    EXPECT_NE(validate_server(c.spec).find(c.says), std::string::npos) << c.spec << "\n=> " << validate_server(c.spec);
  }
  EXPECT_EQ(validate_server("image: x\nbridge: {enabled: true}\nauth: {mode: ServiceAccount}"), "")
      << "an http server behind the bridge may have auth";
  EXPECT_EQ(validate_server(stdio("ingress: {host: mcp.example, tls: {secretName: s}}\nauth: {mode: ServiceAccount}")),
            "");
  auto pool = api::parse_mcppool(object("MCPPool", "members: [{name: a}]\ningress: {host: p.example}"));
  ASSERT_TRUE(pool.has_value());
  EXPECT_NE(api::validate(*pool).find("so it requires TLS"), std::string::npos);
}

}  // namespace
