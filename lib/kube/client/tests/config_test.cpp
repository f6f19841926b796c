#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "kube/client/config.hpp"

namespace kube {
namespace {

const char* kubeconfig = R"(apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: Q0EtUEVN
- name: remote
  cluster:
    server: https://api.example.test:8443/prefix
    insecure-skip-tls-verify: true
    tls-server-name: kubernetes
users:
- name: admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: robot
  user:
    token: s3cret
- name: plugin
  user:
    exec: {command: get-token}
contexts:
- name: admin@local
  context: {cluster: local, user: admin}
- name: robot@remote
  context: {cluster: remote, user: robot, namespace: team-a}
- name: plugin@local
  context: {cluster: local, user: plugin}
current-context: admin@local
)";

TEST(Kubeconfig, CurrentContextGivesServerAndInlineCredentials) {
  auto c = parse_kubeconfig(kubeconfig, "");
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, "6443");
  EXPECT_EQ(c->ca_pem, "CA-PEM");
  EXPECT_EQ(c->client_cert_pem, "CERT");
  EXPECT_EQ(c->client_key_pem, "KEY");
  EXPECT_FALSE(c->insecure_skip_tls_verify);
  EXPECT_EQ(c->default_namespace, "default");
}

TEST(Kubeconfig, NamedContextSelectsClusterUserAndNamespace) {
  auto c = parse_kubeconfig(kubeconfig, "", "robot@remote");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "api.example.test");
  EXPECT_EQ(c->port, "8443");
  EXPECT_EQ(c->base_path, "/prefix");
  EXPECT_EQ(c->token, "s3cret");
  EXPECT_TRUE(c->insecure_skip_tls_verify);
  EXPECT_EQ(c->tls_server_name, "kubernetes");
  EXPECT_EQ(c->default_namespace, "team-a");
}

TEST(Kubeconfig, UnknownContextAndExecPluginsAreConfigErrors) {
  auto missing = parse_kubeconfig(kubeconfig, "", "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, error_kind::config);
  auto exec = parse_kubeconfig(kubeconfig, "", "plugin@local");
  ASSERT_FALSE(exec);
  EXPECT_NE(exec.error().message.find("exec"), std::string::npos);
}

TEST(Kubeconfig, PlainHttpServersAreRefused) {
  auto c = parse_kubeconfig(
      "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:8080'}}]\n"
      "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
      "");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("https"), std::string::npos);
}

TEST(Kubeconfig, RelativeFilePathsResolveAgainstTheKubeconfigDirectory) {
  auto dir = std::filesystem::temp_directory_path() / ("kubeconfig-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "pki");
  std::ofstream(dir / "pki" / "ca.crt") << "FILE-CA";
  std::ofstream(dir / "token") << "file-token\n";
  std::ofstream(dir / "config") << "clusters: [{name: c, cluster: {server: 'https://h', certificate-authority: "
                                   "pki/ca.crt}}]\nusers: [{name: u, user: {tokenFile: token}}]\n"
                                   "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n";
  auto c = load_kubeconfig((dir / "config").string());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->ca_pem, "FILE-CA");
  EXPECT_EQ(c->port, "443");
  EXPECT_EQ(c->token_file, (dir / "token").string());
}

TEST(InClusterConfig, ReadsServiceHostAndServiceAccountFiles) {
  auto dir = std::filesystem::temp_directory_path() / ("sa-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "t";
  std::ofstream(dir / "ca.crt") << "CA";
  std::ofstream(dir / "namespace") << "mcp-system";
  std::map<std::string, std::string> env{{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}};
  auto lookup = [&](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto c = in_cluster_config(lookup, dir.string());
  auto outside = in_cluster_config([](const std::string&) { return std::optional<std::string>(); }, dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->host, "10.96.0.1");
  EXPECT_EQ(c->ca_pem, "CA");
  EXPECT_EQ(c->default_namespace, "mcp-system");
  EXPECT_EQ(c->token_file, (dir / "token").string());
  EXPECT_FALSE(outside);
}

TEST(Base64, DecodesWithAndWithoutPaddingAndRejectsGarbage) {
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode("aGVsbG8"), "hello");
  EXPECT_EQ(base64_decode("aGVs\nbG8="), "hello");
  EXPECT_FALSE(base64_decode("aGV$"));
}

}  // namespace
}  // namespace kube
