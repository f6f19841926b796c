// Where the apiserver is and how to authenticate to it: from a kubeconfig file (current
// context or a named one) or from inside a pod (service-account token, CA, and
// KUBERNETES_SERVICE_HOST/PORT). Credentials are held in memory as PEM or token text and never
// logged. Token files are re-read by the client at least every 60 s, so projected
// service-account tokens rotate without a restart. exec and auth-provider plugins are not
// supported and are reported as config errors rather than silently ignored.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "kube/core/error.hpp"

namespace kube {

struct config {
  std::string host;  // "127.0.0.1" or "kubernetes.default.svc"
  std::string port = "443";
  std::string base_path;  // a path prefix of the server URL, usually empty
  std::string ca_pem;     // empty: the system trust store
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;       // bearer token, if given inline
  std::string token_file;  // bearer token file, re-read periodically
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // overrides the name checked in the server certificate (and SNI)
  std::string default_namespace = "default";
  // controller-runtime's defaults for its clients (client-go's own are 5/10, too slow for a
  // controller that owns hundreds of objects).
  double qps = 20;
  double burst = 30;
  std::chrono::milliseconds request_timeout{30'000};
  std::string user_agent = "mcp-operator";
};

// Parses kubeconfig YAML. `base_dir` resolves relative file paths; `context` "" = current-context.
result<config> parse_kubeconfig(const std::string& yaml, const std::string& base_dir, const std::string& context = {});
result<config> load_kubeconfig(const std::string& path, const std::string& context = {});

using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

// In-cluster config from the environment and the service-account directory
// (/var/run/secrets/kubernetes.io/serviceaccount by default).
result<config> in_cluster_config(const env_lookup& env = {},
                                 const std::string& sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// client-go's order: $KUBECONFIG (first file), ~/.kube/config, then in-cluster.
result<config> default_config(const std::string& context = {});

// Standard base64 (with or without padding); nullopt on invalid input.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace kube
