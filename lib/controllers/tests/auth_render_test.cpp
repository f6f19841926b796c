// spec.auth rendered into the front's flags, volumes and env: mcp-bridge (stdio, or in front of
// an http server) and mcp-gateway. Nothing reaches the server's own container unless the
// bridge runs in it (stdio), and the pod's automountServiceAccountToken is never turned on.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>

#include "controllers/mcppool_render.hpp"
#include "controllers/mcpserver_render.hpp"
#include "yaml_json.hpp"

namespace {

namespace json = boost::json;

json::object meta(std::string_view name) {
  return json::object{{"metadata", json::object{{"name", name}, {"namespace", "team-a"}, {"uid", "uid-1"}}}};
}

api::mcpserver server(std::string_view spec_yaml) {
  auto o = meta("demo");
  o["spec"] = test_support::yaml_to_json(std::string(spec_yaml));
  auto s = api::parse_mcpserver(o);
  EXPECT_TRUE(s.has_value()) << s.error().message;
  return *s;
}

json::object pod_spec(const std::vector<json::object>& objects) {
  for (const auto& o : objects) {
    if (o.at("kind").as_string() == "Deployment")
      return o.at("spec").at("template").at("spec").as_object();
  }
  ADD_FAILURE() << "no Deployment";
  return {};
}

const json::object& container(const json::object& pod, std::string_view name) {
  for (const auto& c : pod.at("containers").as_array()) {
    if (c.at("name").as_string() == name)
      return c.as_object();
  }
  static json::object none;
  ADD_FAILURE() << "no container " << name;
  return none;
}

std::vector<std::string> args_of(const json::object& c) {
  std::vector<std::string> out;
  for (const auto& a : c.at("args").as_array())
    out.emplace_back(a.as_string());
  return out;
}

// The value after `flag`, or "" when the flag is absent.
std::string flag(const std::vector<std::string>& args, std::string_view f) {
  auto it = std::find(args.begin(), args.end(), f);
  return it == args.end() || it + 1 == args.end() ? std::string() : *(it + 1);
}

std::string mounts(const json::object& c) {
  return c.contains("volumeMounts") ? json::serialize(c.at("volumeMounts")) : "";
}

TEST(AuthRender, OidcOnAStdioServerGoesToTheBridgeBeforeTheCommand) {
  controllers::render_options o;
  o.bridge_image = "mcp-bridge:1";
  auto r = controllers::render(server(R"(
image: x
protocol: stdio
command: [srv]
auth:
  mode: OIDC
  issuer: https://idp.example/
  jwksURL: https://idp.example/jwks
  caConfigMap: {name: idp-ca, key: bundle.pem}
  requiredScopes: [mcp:tools, mcp:read]
)"),
                               o);
  ASSERT_EQ(r.error, "");
  const auto pod = pod_spec(r.objects);
  const auto& c = container(pod, "mcp-server");
  const auto args = args_of(c);
  EXPECT_EQ(flag(args, "--auth-issuer"), "https://idp.example/");
  EXPECT_EQ(flag(args, "--auth-audience"), "http://demo.team-a.svc.cluster.local:3000/mcp")
      << "no audience: the in-cluster URL, as status.url says";
  EXPECT_EQ(flag(args, "--auth-jwks-url"), "https://idp.example/jwks");
  EXPECT_EQ(flag(args, "--auth-ca-file"), "/var/run/mcp/auth-ca/bundle.pem");
  EXPECT_EQ(std::count(args.begin(), args.end(), "--auth-scope"), 2);
  EXPECT_LT(std::find(args.begin(), args.end(), "--auth-issuer"), std::find(args.begin(), args.end(), "--"))
      << "bridge flags go before the server's command";
  EXPECT_NE(mounts(c).find(R"({"name":"mcp-auth-ca","mountPath":"/var/run/mcp/auth-ca","readOnly":true})"),
            std::string::npos)
      << mounts(c);
  EXPECT_NE(
      json::serialize(pod.at("volumes"))
          .find(
              R"({"name":"mcp-auth-ca","configMap":{"name":"idp-ca","items":[{"key":"bundle.pem","path":"bundle.pem"}]}})"),
      std::string::npos);
  EXPECT_EQ(flag(args, "--auth-fetch-token-file"), "");
}

TEST(AuthRender, ServiceAccountModeUsesTheClusterIssuerAndAProjectedTokenOnlyInTheBridge) {
  controllers::render_options o;
  o.bridge_image = "mcp-bridge:1";
  o.auth.service_account_issuer = "https://issuer.test";
  auto r = controllers::render(
      server("image: x\nbridge: {enabled: true}\nauth: {mode: ServiceAccount, audience: 'https://mcp.example/mcp'}"),
      o);
  ASSERT_EQ(r.error, "");
  const auto pod = pod_spec(r.objects);
  const auto args = args_of(container(pod, "mcp-bridge"));
  EXPECT_EQ(flag(args, "--auth-issuer"), "https://issuer.test");
  EXPECT_EQ(flag(args, "--auth-audience"), "https://mcp.example/mcp");
  EXPECT_EQ(flag(args, "--auth-jwks-url"),
            "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)/openid/v1/jwks");
  EXPECT_EQ(flag(args, "--auth-ca-file"), "/var/run/mcp/auth-sa/ca.crt");
  EXPECT_EQ(flag(args, "--auth-fetch-token-file"), "/var/run/mcp/auth-sa/token");
  EXPECT_NE(mounts(container(pod, "mcp-bridge")).find("/var/run/mcp/auth-sa"), std::string::npos);
  EXPECT_EQ(mounts(container(pod, "mcp-server")).find("mcp-auth"), std::string::npos)
      << "the server's own container gets no token: " << mounts(container(pod, "mcp-server"));
  EXPECT_FALSE(pod.at("automountServiceAccountToken").as_bool());
  const std::string volumes = json::serialize(pod.at("volumes"));
  EXPECT_NE(volumes.find(R"({"serviceAccountToken":{"path":"token","expirationSeconds":3600}})"), std::string::npos)
      << volumes;
  EXPECT_NE(volumes.find(R"("name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}])"), std::string::npos);

  controllers::render_options d;
  d.bridge_image = "mcp-bridge:1";
  auto def = controllers::render(server("image: x\nprotocol: stdio\ncommand: [s]\nauth: {mode: ServiceAccount}"), d);
  const auto def_pod = pod_spec(def.objects);
  EXPECT_EQ(flag(args_of(container(def_pod, "mcp-server")), "--auth-issuer"),
            "https://kubernetes.default.svc.cluster.local");
}

TEST(AuthRender, StaticTokenReachesTheGatewayAsEnvFromTheSecret) {
  auto o = meta("tools");
  o["spec"] = test_support::yaml_to_json(
      "members: [{name: a}]\nauth: {mode: StaticToken, tokenSecretRef: {name: tok, key: t}}");
  auto p = api::parse_mcppool(o);
  ASSERT_TRUE(p.has_value());
  controllers::pool_render_options po;
  po.gateway_image = "mcp-gateway:1";
  auto r = controllers::render(*p, po);
  ASSERT_EQ(r.error, "");
  const auto pod = pod_spec(r.objects);
  const auto& c = container(pod, "mcp-gateway");
  const auto args = args_of(c);
  EXPECT_EQ(flag(args, "--token-env"), "MCP_AUTH_TOKEN");
  EXPECT_EQ(flag(args, "--auth-issuer"), "");
  EXPECT_EQ(json::serialize(c.at("env")),
            R"([{"name":"MCP_AUTH_TOKEN","valueFrom":{"secretKeyRef":{"name":"tok","key":"t"}}}])");
  EXPECT_EQ(args.end(), std::find_if(args.begin(), args.end(), [](const std::string& a) { return a == "tok"; }))
      << "the token's Secret is referenced, never copied into args";
}

TEST(AuthRender, NoAuthRendersNoFlags) {
  controllers::render_options o;
  o.bridge_image = "mcp-bridge:1";
  auto r = controllers::render(server("image: x\nprotocol: stdio\ncommand: [s]"), o);
  const auto pod = pod_spec(r.objects);
  const auto& c = container(pod, "mcp-server");
  EXPECT_EQ(flag(args_of(c), "--auth-issuer"), "");
  EXPECT_EQ(flag(args_of(c), "--token-env"), "");
  EXPECT_FALSE(c.contains("env"));
}

TEST(AuthRender, MetadataUrlFollowsTheAudience) {
  api::auth_settings a;
  a.mode = api::auth_mode::service_account;
  EXPECT_EQ(controllers::parts::auth_metadata_url(a, "http://demo.ns.svc.cluster.local:3000/mcp"),
            "http://demo.ns.svc.cluster.local:3000/.well-known/oauth-protected-resource/mcp");
  a.audience = "https://mcp.example/v1/mcp";
  EXPECT_EQ(controllers::parts::auth_metadata_url(a, "http://x/mcp"),
            "https://mcp.example/.well-known/oauth-protected-resource/v1/mcp");
  a.mode = api::auth_mode::static_token;
  EXPECT_EQ(controllers::parts::auth_metadata_url(a, "http://x/mcp"), "");
}

}  // namespace
