#include "controllers/mcpserver_render.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "yaml_json.hpp"

namespace {

namespace json = boost::json;

api::mcpserver server(std::string_view spec_yaml, std::string_view name = "demo") {
  json::object o{
      {"metadata", json::object{{"name", name}, {"namespace", "team-a"}, {"uid", "uid-1"}, {"generation", 2}}}};
  o["spec"] = test_support::yaml_to_json(std::string(spec_yaml));
  auto s = api::parse_mcpserver(o);
  EXPECT_TRUE(s.has_value());
  return *s;
}

controllers::render_options options() {
  controllers::render_options o;
  o.bridge_image = "mcp-operator/mcp-bridge:0.1.0";
  return o;
}

const json::object& find(const controllers::rendered& r, std::string_view kind) {
  for (const auto& o : r.objects) {
    if (o.at("kind").as_string() == kind)
      return o;
  }
  static json::object none;
  ADD_FAILURE() << "no " << kind << " rendered";
  return none;
}

bool has(const controllers::rendered& r, std::string_view kind) {
  for (const auto& o : r.objects) {
    if (o.at("kind").as_string() == kind)
      return true;
  }
  return false;
}

TEST(Render, AdrSampleGetsServiceAccountDeploymentAndService) {
  auto docs = test_support::load_yaml_documents(std::string(MCP_SOURCE_DIR) + "/config/samples/mcp_v1_mcpserver.yaml");
  auto s = *api::parse_mcpserver(docs.at(0));
  s.namespace_ = "default";
  s.uid = "uid-9";
  auto r = controllers::render(s, options());
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.objects.size(), 3U);
  EXPECT_EQ(r.objects[0].at("kind").as_string(), "ServiceAccount");
  EXPECT_EQ(r.objects[0].at("automountServiceAccountToken"), false);

  const auto& d = find(r, "Deployment");
  EXPECT_EQ(d.at("apiVersion").as_string(), "apps/v1");
  EXPECT_EQ(d.at("metadata").at("name").as_string(), "example-mcp-server");
  const auto& owner = d.at("metadata").at("ownerReferences").at(0);
  EXPECT_EQ(json::serialize(owner),
            R"({"apiVersion":"mcp.v2dy.io/v1","kind":"MCPServer","name":"example-mcp-server","uid":"uid-9",)"
            R"("controller":true,"blockOwnerDeletion":true})");
  EXPECT_EQ(d.at("metadata").at("labels").at("app.kubernetes.io/managed-by").as_string(), "mcp-operator");
  EXPECT_EQ(d.at("spec").at("replicas"), 1);
  const auto& pod = d.at("spec").at("template").at("spec");
  EXPECT_EQ(pod.at("serviceAccountName").as_string(), "example-mcp-server");
  EXPECT_EQ(pod.at("automountServiceAccountToken"), false);
  EXPECT_EQ(pod.at("securityContext").at("runAsNonRoot"), true);
  EXPECT_EQ(pod.at("securityContext").at("seccompProfile").at("type").as_string(), "RuntimeDefault");
  EXPECT_FALSE(pod.as_object().contains("initContainers"));
  const auto& c = pod.at("containers").at(0);
  EXPECT_EQ(c.at("image").as_string(), "mcp/example-server:latest");
  EXPECT_EQ(json::serialize(c.at("env")),
            R"([{"name":"API_KEY","valueFrom":{"secretKeyRef":{"name":"mcp-secrets","key":"api-key"}}}])");
  EXPECT_EQ(json::serialize(c.at("resources")),
            R"({"requests":{"memory":"64Mi","cpu":"250m"},"limits":{"memory":"128Mi","cpu":"500m"}})");
  EXPECT_EQ(c.at("ports").at(0).at("containerPort"), 3000);
  EXPECT_EQ(c.at("readinessProbe").at("tcpSocket").at("port").as_string(), "mcp");
  const auto& sec = c.at("securityContext");
  EXPECT_EQ(sec.at("allowPrivilegeEscalation"), false);
  EXPECT_EQ(sec.at("readOnlyRootFilesystem"), true);
  EXPECT_EQ(json::serialize(sec.at("capabilities")), R"({"drop":["ALL"]})");
  EXPECT_EQ(c.at("volumeMounts").at(0).at("mountPath").as_string(), "/tmp");

  const auto& svc = find(r, "Service");
  EXPECT_EQ(json::serialize(svc.at("spec").at("ports")),
            R"([{"name":"mcp","port":3000,"targetPort":"mcp","protocol":"TCP","appProtocol":"http"}])");
  EXPECT_EQ(svc.at("spec").at("sessionAffinity").as_string(), "ClientIP");
  EXPECT_EQ(json::serialize(svc.at("spec").at("selector")),
            R"({"app.kubernetes.io/name":"mcp-server","app.kubernetes.io/instance":"example-mcp-server"})");
}

TEST(Render, UnsetReplicasAreLeftToWhoeverScales) {
  auto r = controllers::render(server("image: x/y:1"), options());
  EXPECT_FALSE(find(r, "Deployment").at("spec").as_object().contains("replicas"));
  EXPECT_FALSE(has(r, "PodDisruptionBudget"));
}

TEST(Render, SeveralReplicasGetAPodDisruptionBudget) {
  auto r = controllers::render(server("{image: x/y:1, replicas: 3}"), options());
  const auto& pdb = find(r, "PodDisruptionBudget");
  EXPECT_EQ(pdb.at("spec").at("maxUnavailable"), 1);
}

TEST(Render, StdioRunsTheCommandBehindTheBridge) {
  auto r = controllers::render(server(R"(
image: node:22-alpine
protocol: stdio
port: 8080
command: [npx, -y, "@modelcontextprotocol/server-everything"]
args: [stdio]
bridge: {sessionMode: shared, maxSessions: 5, warmPoolSize: 2}
)"),
                               options());
  ASSERT_EQ(r.error, "");
  const auto& pod = find(r, "Deployment").at("spec").at("template").at("spec");
  const auto& init = pod.at("initContainers").at(0);
  EXPECT_EQ(init.at("image").as_string(), "mcp-operator/mcp-bridge:0.1.0");
  EXPECT_EQ(json::serialize(init.at("command")), R"(["/mcp-bridge","--copy-to","/opt/mcp-bridge/mcp-bridge"])");
  const auto& c = pod.at("containers").at(0);
  EXPECT_EQ(json::serialize(c.at("command")), R"(["/opt/mcp-bridge/mcp-bridge"])");
  EXPECT_EQ(
      json::serialize(c.at("args")),
      R"(["--host","0.0.0.0","--port","8080","--path","/mcp","--session-mode","shared","--max-sessions","5",)"
      R"("--idle-timeout","600","--warm-pool","2","--","npx","-y","@modelcontextprotocol/server-everything","stdio"])");
  EXPECT_EQ(c.at("readinessProbe").at("httpGet").at("path").as_string(), "/readyz");
  EXPECT_EQ(c.at("livenessProbe").at("httpGet").at("path").as_string(), "/healthz");
  EXPECT_EQ(pod.at("volumes").at(1).at("name").as_string(), "mcp-bridge");
}

std::string bridge_args_of(const controllers::rendered& r, std::size_t container = 0) {
  return json::serialize(
      find(r, "Deployment").at("spec").at("template").at("spec").at("containers").at(container).at("args"));
}

TEST(Render, BridgesTraceToTheOperatorsEndpointUnlessTheSpecSaysOtherwise) {
  const std::string_view stdio = "image: i\nprotocol: stdio\ncommand: [srv]\n";
  // No endpoint anywhere: no tracing flags at all.
  EXPECT_EQ(bridge_args_of(controllers::render(server(stdio), options())).find("--otlp-endpoint"), std::string::npos);
  auto o = options();
  o.tracing.endpoint = "http://10.96.0.40:4318/v1/traces";
  o.tracing.sample_ratio = 0.5;
  // The operator's default, before the command (everything after "--" is the server's).
  EXPECT_NE(bridge_args_of(controllers::render(server(stdio), o))
                .find(R"("--otlp-endpoint","http://10.96.0.40:4318/v1/traces","--trace-sample-ratio","0.5",)"
                      R"("--service-name","demo","--warm-pool")"),
            std::string::npos);
  // The spec's endpoint and ratio win; disabled drops the flags.
  auto own_server = server(
      "image: i\nprotocol: stdio\ncommand: [srv]\nobservability:\n  tracing: {endpoint: "
      "'http://10.0.0.9:4318/v1/traces'}\n");
  own_server.spec.tracing->sample_ratio = 0.01;  // the YAML helper reads no floats
  const auto own = bridge_args_of(controllers::render(own_server, o));
  EXPECT_NE(own.find(R"("--otlp-endpoint","http://10.0.0.9:4318/v1/traces","--trace-sample-ratio","0.01")"),
            std::string::npos)
      << own;
  EXPECT_EQ(
      bridge_args_of(
          controllers::render(
              server("image: i\nprotocol: stdio\ncommand: [srv]\nobservability: {tracing: {enabled: false}}\n"), o))
          .find("--otlp-endpoint"),
      std::string::npos);
  // A bridge in front of an http server traces too (its own container).
  EXPECT_NE(
      bridge_args_of(controllers::render(server("image: i\nbridge: {enabled: true}\n"), o), 1).find("--otlp-endpoint"),
      std::string::npos);
}

TEST(Render, StdioWithoutABridgeImageIsAnError) {
  controllers::render_options o;
  auto r = controllers::render(server("{image: x, protocol: stdio, command: [srv]}"), o);
  EXPECT_NE(r.error.find("--bridge-image"), std::string::npos);
  EXPECT_TRUE(r.objects.empty());
}

TEST(Render, AnHttpServerCanBeFrontedByTheBridgeInASecondContainer) {
  auto r = controllers::render(server(R"(
image: mcp/http-server:1
protocol: http
port: 3001
path: /mcp
bridge: {enabled: true, sessionMode: per-session, maxSessions: 7}
networkPolicy: {allowFrom: [{podSelector: {matchLabels: {role: agent}}}]}
)"),
                               options());
  ASSERT_EQ(r.error, "");
  const auto& pod = find(r, "Deployment").at("spec").at("template").at("spec");
  EXPECT_FALSE(pod.as_object().contains("initContainers"));  // the bridge image runs as it is
  ASSERT_EQ(pod.at("containers").as_array().size(), 2u);
  const auto& server_c = pod.at("containers").at(0);
  EXPECT_EQ(server_c.at("image").as_string(), "mcp/http-server:1");
  EXPECT_FALSE(server_c.as_object().contains("command"));
  EXPECT_EQ(json::serialize(server_c.at("ports")), R"([{"name":"upstream","containerPort":3001,"protocol":"TCP"}])");
  EXPECT_EQ(server_c.at("readinessProbe").at("tcpSocket").at("port").as_string(), "upstream");
  const auto& b = pod.at("containers").at(1);
  EXPECT_EQ(b.at("name").as_string(), "mcp-bridge");
  EXPECT_EQ(b.at("image").as_string(), "mcp-operator/mcp-bridge:0.1.0");
  EXPECT_EQ(json::serialize(b.at("command")), R"(["/mcp-bridge"])");
  EXPECT_EQ(json::serialize(b.at("args")),
            R"(["--host","0.0.0.0","--port","8099","--path","/mcp","--session-mode","per-session",)"
            R"("--max-sessions","7","--idle-timeout","600","--upstream","http://127.0.0.1:3001/mcp"])");
  EXPECT_EQ(json::serialize(b.at("ports")), R"([{"name":"mcp","containerPort":8099,"protocol":"TCP"}])");
  EXPECT_EQ(b.at("readinessProbe").at("httpGet").at("path").as_string(), "/readyz");
  EXPECT_EQ(b.at("livenessProbe").at("httpGet").at("path").as_string(), "/healthz");
  EXPECT_EQ(b.at("securityContext").at("readOnlyRootFilesystem"), true);
  EXPECT_EQ(b.at("securityContext").at("runAsNonRoot"), true);
  // Clients reach the bridge: the Service keeps spec.port and targets the bridge's named port,
  // and the NetworkPolicy opens the bridge's port, not the server's.
  const auto& port = find(r, "Service").at("spec").at("ports").at(0);
  EXPECT_EQ(port.at("port"), 3001);
  EXPECT_EQ(port.at("targetPort").as_string(), "mcp");
  EXPECT_EQ(find(r, "NetworkPolicy").at("spec").at("ingress").at(0).at("ports").at(0).at("port"), 8099);
  EXPECT_EQ(controllers::service_url(server("{image: x, port: 3001, bridge: {enabled: true}}"), options()),
            "http://demo.team-a.svc.cluster.local:3001/mcp");
}

TEST(Render, AFrontingBridgeOnTheServersOwnPortOrWithoutAnImageIsAnError) {
  auto same = controllers::render(server("{image: x, port: 8099, bridge: {enabled: true}}"), options());
  EXPECT_NE(same.error.find("spec.bridge.port"), std::string::npos) << same.error;
  EXPECT_TRUE(same.objects.empty());
  controllers::render_options no_image;
  auto r = controllers::render(server("{image: x, bridge: {enabled: true}}"), no_image);
  EXPECT_NE(r.error.find("--bridge-image"), std::string::npos) << r.error;
  // Without enabled the http server runs as before: one container, its own port named mcp.
  auto plain = controllers::render(server("{image: x}"), options());
  const auto& pod = find(plain, "Deployment").at("spec").at("template").at("spec");
  EXPECT_EQ(pod.at("containers").as_array().size(), 1u);
  EXPECT_EQ(pod.at("containers").at(0).at("ports").at(0).at("name").as_string(), "mcp");
}

TEST(Render, StatelessServersAreNotPinned) {
  auto r = controllers::render(server("{image: x, stateless: true}"), options());
  EXPECT_EQ(find(r, "Service").at("spec").at("sessionAffinity").as_string(), "None");
}

TEST(Render, OwnServiceAccountIsNotCreated) {
  auto r = controllers::render(server("{image: x, serviceAccountName: robot}"), options());
  EXPECT_FALSE(has(r, "ServiceAccount"));
  EXPECT_EQ(find(r, "Deployment").at("spec").at("template").at("spec").at("serviceAccountName").as_string(), "robot");
}

TEST(Render, IngressAndNetworkPolicyWhenAsked) {
  auto r = controllers::render(server(R"(
image: x
ingress: {host: mcp.example.com, className: nginx, tls: {secretName: mcp-tls}}
protocol: stdio
command: [srv]
auth: {mode: ServiceAccount}
networkPolicy: {allowFrom: [{podSelector: {matchLabels: {role: agent}}}]}
)"),
                               options());
  const auto& ing = find(r, "Ingress");
  EXPECT_EQ(ing.at("spec").at("ingressClassName").as_string(), "nginx");
  EXPECT_EQ(ing.at("spec").at("rules").at(0).at("http").at("paths").at(0).at("path").as_string(), "/mcp");
  EXPECT_EQ(ing.at("spec").at("tls").at(0).at("secretName").as_string(), "mcp-tls");
  const auto& np = find(r, "NetworkPolicy");
  EXPECT_EQ(json::serialize(np.at("spec").at("ingress").at(0).at("from")),
            R"([{"podSelector":{"matchLabels":{"role":"agent"}}}])");
  EXPECT_EQ(np.at("spec").at("ingress").at(0).at("ports").at(0).at("port"), 3000);
}

TEST(Render, OperatorLabelsWinOverPodLabels) {
  auto r =
      controllers::render(server("{image: x, podLabels: {app.kubernetes.io/instance: other, team: a}}"), options());
  const auto& labels = find(r, "Deployment").at("spec").at("template").at("metadata").at("labels");
  EXPECT_EQ(labels.at("app.kubernetes.io/instance").as_string(), "demo");
  EXPECT_EQ(labels.at("team").as_string(), "a");
}

TEST(Render, UrlIsTheServiceDnsName) {
  EXPECT_EQ(controllers::service_url(server("{image: x, port: 3001, path: /v1/mcp}"), options()),
            "http://demo.team-a.svc.cluster.local:3001/v1/mcp");
}

TEST(Render, IsDeterministic) {
  auto s = server("{image: x, replicas: 2, env: [{name: A, value: b}]}");
  auto a = controllers::render(s, options());
  auto b = controllers::render(s, options());
  ASSERT_EQ(a.objects.size(), b.objects.size());
  for (std::size_t i = 0; i < a.objects.size(); ++i) {
    EXPECT_EQ(json::serialize(a.objects[i]), json::serialize(b.objects[i]));
  }
}

}  // namespace
