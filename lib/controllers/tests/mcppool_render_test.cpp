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
  EXPECT_EQ(json::serialize(c.at("args")),
            R"(["--host","0.0.0.0","--port","8080","--path","/mcp","--pool","tools","--namespace","team-a",)"
            R"("--keyring-dir","/var/run/mcp-gateway/keyring","--member-token-dir","/var/run/mcp-gateway/members"])");
  const auto& sec = c.at("securityContext");
  EXPECT_FALSE(sec.at("allowPrivilegeEscalation").as_bool());
  EXPECT_TRUE(sec.at("readOnlyRootFilesystem").as_bool());
  EXPECT_EQ(sec.at("capabilities").at("drop").at(0).as_string(), "ALL");
  EXPECT_TRUE(pod.at("securityContext").at("runAsNonRoot").as_bool());
  EXPECT_EQ(c.at("resources").at("limits").at("memory").as_string(), "64Mi");
}

// The gateway may read its own pool, the namespace's MCPServers and EndpointSlices: nothing
// cluster-wide, no writes, and no Secrets at all (they are mounted).
TEST(RenderPool, TheGatewayTracesWhereTheOperatorOrThePoolSays) {
  const std::string_view spec = "members: [{name: a}]\n";
  auto args = [](const controllers::pool_rendered& r) {
    return json::serialize(
        find(r, "Deployment").at("spec").at("template").at("spec").at("containers").at(0).at("args"));
  };
  EXPECT_EQ(args(controllers::render(pool(spec), options())).find("--otlp-endpoint"), std::string::npos);
  auto o = options();
  o.tracing.endpoint = "http://10.96.0.40:4318/v1/traces";
  EXPECT_NE(args(controllers::render(pool(spec), o))
                .find(R"("--otlp-endpoint","http://10.96.0.40:4318/v1/traces","--trace-sample-ratio","1",)"
                      R"("--service-name","tools")"),
            std::string::npos);
  EXPECT_EQ(args(controllers::render(pool("members: [{name: a}]\nobservability: {tracing: {enabled: false}}\n"), o))
                .find("--otlp-endpoint"),
            std::string::npos);
}

TEST(RenderPool, RoleIsReadOnlyAndGrantsNoSecrets) {
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
  std::vector<std::string> resources;
  for (const auto& rule : rules) {
    EXPECT_EQ(json::serialize(rule.at("verbs")), R"(["get","list","watch"])");
    for (const auto& res : rule.at("resources").as_array())
      resources.emplace_back(res.as_string());
    if (rule.at("resources").at(0).as_string() == "mcppools") {
      EXPECT_EQ(json::serialize(rule.at("resourceNames")), R"(["tools"])");
    }
  }
  EXPECT_EQ(resources, (std::vector<std::string>{"mcppools", "mcpservers", "endpointslices"}));
  const auto& binding = find(r, "RoleBinding");
  EXPECT_EQ(binding.at("subjects").at(0).at("name").as_string(), "tools-gateway");
  EXPECT_EQ(binding.at("roleRef").at("name").as_string(), "tools-gateway");
}

// The keyring and each remote member's token reach the gateway as read-only files: the keyring
// Secret whole, a token Secret only by the referenced key, as <member dir>/<member>/token.
TEST(RenderPool, KeyringAndMemberTokensAreMountedReadOnly) {
  auto r = controllers::render(pool(R"(
members:
- name: a
- name: remote
  url: https://mcp.example.com/mcp
  bearerTokenSecretRef: {name: remote-token, key: api-key}
- name: off
  url: https://off.example.com/mcp
  enabled: false
  bearerTokenSecretRef: {name: off-token, key: token}
)"),
                               options());
  ASSERT_EQ(r.error, "");
  const auto& pod = find(r, "Deployment").at("spec").at("template").at("spec");
  EXPECT_EQ(
      json::serialize(pod.at("volumes")),
      R"([{"name":"keyring","secret":{"secretName":"tools-keyring"}},)"
      R"({"name":"token-remote","secret":{"secretName":"remote-token","items":[{"key":"api-key","path":"token"}],)"
      R"("optional":true}},)"
      R"({"name":"token-off","secret":{"secretName":"off-token","items":[{"key":"token","path":"token"}],)"
      R"("optional":true}}])");
  EXPECT_EQ(json::serialize(pod.at("containers").at(0).at("volumeMounts")),
            R"([{"name":"keyring","mountPath":"/var/run/mcp-gateway/keyring","readOnly":true},)"
            R"({"name":"token-remote","mountPath":"/var/run/mcp-gateway/members/remote","readOnly":true},)"
            R"({"name":"token-off","mountPath":"/var/run/mcp-gateway/members/off","readOnly":true}])");
}

// Volume names are DNS-1123 labels of at most 63 characters, whatever the member's name.
TEST(RenderPool, LongMemberNamesGetDistinctShortVolumes) {
  const std::string a(63, 'a');
  const std::string b = std::string(62, 'a') + "b";
  auto r = controllers::render(pool("members:\n- {name: " + a +
                                    ", url: https://a.example.com/mcp, bearerTokenSecretRef: {name: s, key: k}}\n"
                                    "- {name: " +
                                    b + ", url: https://b.example.com/mcp, bearerTokenSecretRef: {name: s, key: k}}\n"),
                               options());
  ASSERT_EQ(r.error, "");
  const auto& volumes = find(r, "Deployment").at("spec").at("template").at("spec").at("volumes").as_array();
  ASSERT_EQ(volumes.size(), 3U);
  const auto va = std::string(volumes.at(1).at("name").as_string());
  const auto vb = std::string(volumes.at(2).at("name").as_string());
  EXPECT_LE(va.size(), 63U);
  EXPECT_LE(vb.size(), 63U);
  EXPECT_NE(va, vb);
}

TEST(RenderPool, OptionalObjectsAndSettings) {
  auto r = controllers::render(pool(R"(
members: [{name: a}]
replicas: 2
port: 9000
resources: {limits: {memory: 128Mi}}
service: {type: NodePort, annotations: {x: y}}
ingress: {host: tools.example.com, tls: {secretName: tools-tls}}
auth: {mode: ServiceAccount}
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
  EXPECT_EQ(np.at("spec").at("podSelector").at("matchLabels").at("app.kubernetes.io/name").as_string(), "mcp-gateway");
}

TEST(RenderPool, SpecsThatCannotBeRealisedSayWhy) {
  EXPECT_NE(controllers::render(pool("port: 80"), options()).error.find("needs members"), std::string::npos);
  EXPECT_NE(controllers::render(pool("members: [{name: a}]"), {}).error.find("--gateway-image"), std::string::npos);
}

}  // namespace

namespace {

TEST(RenderPool, SampleParsesAndRenders) {
  auto docs = test_support::load_yaml_documents(std::string(MCP_SOURCE_DIR) + "/config/samples/mcp_v1_mcppool.yaml");
  ASSERT_EQ(docs.size(), 1U);
  auto p = api::parse_mcppool(docs[0]);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  p->namespace_ = "default";
  p->uid = "uid-s";
  auto r = controllers::render(*p, options());
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.objects.size(), 5U);
}

}  // namespace
