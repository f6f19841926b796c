#include "controllers/mcppool_render.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "yaml_json.hpp"

namespace {

namespace json = boost::json;

api::mcppool pool(std::string_view spec_yaml, std::string_view name = "tools") {
  json::object o{
      {"metadata", json::object{{"name", name}, {"namespace", "team-a"}, {"uid", "uid-p"}, {"generation", 1}}}};
  o["spec"] = test_support::yaml_to_json(std::string(spec_yaml));
  auto p = api::parse_mcppool(o);
  EXPECT_TRUE(p.has_value());
  return *p;
}

controllers::pool_render_options options() {
  controllers::pool_render_options o;
  o.gateway_image = "mcp-operator/mcp-gateway:0.1.0";
  return o;
}

const json::object& find(const controllers::pool_rendered& r, std::string_view kind) {
  for (const auto& o : r.objects) {
    if (o.at("kind").as_string() == kind)
      return o;
  }
  static json::object none;
  ADD_FAILURE() << "no " << kind << " rendered";
  return none;
}

TEST(RenderPool, GatewayWorkloadIdentityAndEndpoint) {
  auto r = controllers::render(pool("members: [{name: everything}]"), options());
  ASSERT_EQ(r.error, "");
  std::vector<std::string> kinds;
  for (const auto& o : r.objects) {
    kinds.emplace_back(o.at("kind").as_string());
    const auto& owner = o.at("metadata").at("ownerReferences").at(0);
    EXPECT_EQ(owner.at("kind").as_string(), "MCPPool");
    EXPECT_EQ(owner.at("uid").as_string(), "uid-p");
    EXPECT_TRUE(owner.at("controller").as_bool());
    EXPECT_EQ(o.at("metadata").at("namespace").as_string(), "team-a");
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"ServiceAccount", "Role", "RoleBinding", "Deployment", "Service"}));

  const auto& svc = find(r, "Service");
  EXPECT_EQ(svc.at("metadata").at("name").as_string(), "tools") << "the URL carries the pool's name";
  EXPECT_EQ(svc.at("spec").at("sessionAffinity").as_string(), "None") << "any replica serves any session";
  EXPECT_EQ(svc.at("spec").at("ports").at(0).at("port").as_int64(), 8080);
  EXPECT_EQ(controllers::pool_url(pool("members: [{name: a}]"), options()),
            "http://tools.team-a.svc.cluster.local:8080/mcp");

  const auto& d = find(r, "Deployment");
  EXPECT_EQ(d.at("metadata").at("name").as_string(), "tools-gateway");
  EXPECT_FALSE(d.at("spec").as_object().contains("replicas")) << "unset replicas belong to a scaler";
  const auto& pod = d.at("spec").at("template").at("spec");
  EXPECT_EQ(pod.at("serviceAccountName").as_string(), "tools-gateway");
  const auto& c = pod.at("containers").at(0);
  EXPECT_EQ(c.at("image").as_string(), "mcp-operator/mcp-gateway:0.1.0");
  const auto args = json::serialize(c.at("args"));
  for (const char* want : {R"("--pool","tools")", R"("--namespace","team-a")", R"("--keyring-secret","tools-keyring")",
                           R"("--port","8080")"}) {
    EXPECT_NE(args.find(want), std::string::npos) << args;
  }
  const auto& sec = c.at("securityContext");
  EXPECT_FALSE(sec.at("allowPrivilegeEscalation").as_bool());
  EXPECT_TRUE(sec.at("readOnlyRootFilesystem").as_bool());
  EXPECT_EQ(sec.at("capabilities").at("drop").at(0).as_string(), "ALL");
  EXPECT_TRUE(pod.at("securityContext").at("runAsNonRoot").as_bool());
  EXPECT_EQ(c.at("resources").at("limits").at("memory").as_string(), "64Mi");
}

// The gateway may read its own pool, the namespace's MCPServers and EndpointSlices, and by name
// only the Secrets it needs: nothing cluster-wide, no writes.
TEST(RenderPool, RoleIsReadOnlyAndNamesItsSecrets) {
  auto r = controllers::render(pool(R"(
members:
- name: a
- name: remote
  url: https://mcp.example.com/mcp
  bearerTokenSecretRef: {name: remote-token, key: token}
)"),
                               options());
  ASSERT_EQ(r.error, "");
  const auto& rules = find(r, "Role").at("rules").as_array();
  bool secrets_seen = false;
  for (const auto& rule : rules) {
    EXPECT_EQ(json::serialize(rule.at("verbs")), R"(["get","list","watch"])");
    if (rule.at("resources").at(0).as_string() == "secrets") {
      secrets_seen = true;
      EXPECT_EQ(json::serialize(rule.at("resourceNames")), R"(["remote-token","tools-keyring"])");
    }
    if (rule.at("resources").at(0).as_string() == "mcppools") {
      EXPECT_EQ(json::serialize(rule.at("resourceNames")), R"(["tools"])");
    }
  }
  EXPECT_TRUE(secrets_seen);
  const auto& binding = find(r, "RoleBinding");
  EXPECT_EQ(binding.at("subjects").at(0).at("name").as_string(), "tools-gateway");
  EXPECT_EQ(binding.at("roleRef").at("name").as_string(), "tools-gateway");
}

TEST(RenderPool, OptionalObjectsAndSettings) {
  auto r = controllers::render(pool(R"(
members: [{name: a}]
replicas: 2
port: 9000
resources: {limits: {memory: 128Mi}}
service: {type: NodePort, annotations: {x: y}}
ingress: {host: tools.example.com, tls: {secretName: tools-tls}}
networkPolicy: {allowFrom: [{podSelector: {matchLabels: {role: agent}}}]}
)"),
                               options());
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(find(r, "Deployment").at("spec").at("replicas").as_int64(), 2);
  EXPECT_EQ(find(r, "Deployment").at("spec").at("template").at("spec").at("containers").at(0).at("resources"),
            json::parse(R"({"limits":{"memory":"128Mi"}})"));
  EXPECT_EQ(find(r, "Service").at("spec").at("type").as_string(), "NodePort");
  const auto& in = find(r, "Ingress");
  EXPECT_EQ(in.at("spec").at("rules").at(0).at("http").at("paths").at(0).at("path").as_string(), "/mcp");
  EXPECT_EQ(in.at("spec").at("rules").at(0).at("http").at("paths").at(0).at("backend").at("service").at("name"),
            "tools");
  EXPECT_EQ(in.at("spec").at("tls").at(0).at("secretName").as_string(), "tools-tls");
  const auto& np = find(r, "NetworkPolicy");
  EXPECT_EQ(np.at("spec").at("ingress").at(0).at("ports").at(0).at("port").as_int64(), 9000);
  EXPECT_EQ(np.at("spec").at("podSelector").at("matchLabels").at("app.kubernetes.io/name").as_string(),
            "mcp-gateway");
}

TEST(RenderPool, SpecsThatCannotBeRealisedSayWhy) {
  EXPECT_NE(controllers::render(pool("port: 80"), options()).error.find("needs members"), std::string::npos);
  EXPECT_NE(controllers::render(pool("members: [{name: a}]"), {}).error.find("--gateway-image"), std::string::npos);
}

}  // namespace
