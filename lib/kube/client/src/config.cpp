#include "kube/client/config.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/url/parse.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kube {

namespace {

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(error_kind::config, "cannot read " + path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || base_dir.empty() || std::filesystem::path(path).is_absolute()) {
    return path;
  }
  return (std::filesystem::path(base_dir) / path).string();
}

std::string scalar(const YAML::Node& n, const char* key) {
  auto v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string{};
}

YAML::Node find_named(const YAML::Node& list, const std::string& name, const char* inner) {
  if (!list || !list.IsSequence()) {
    return {};
  }
  for (const auto& item : list) {
    if (scalar(item, "name") == name) {
      return item[inner];
    }
  }
  return {};
}

// "<key>-data" (base64) wins over "<key>" (a file path), as in client-go.
result<std::string> pem_from(const YAML::Node& n, const char* file_key, const char* data_key,
                             const std::string& base_dir) {
  if (auto data = scalar(n, data_key); !data.empty()) {
    auto decoded = base64_decode(data);
    if (!decoded) {
      return make_error(error_kind::config, std::string(data_key) + " is not valid base64");
    }
    return *decoded;
  }
  if (auto file = scalar(n, file_key); !file.empty()) {
    return read_file(resolve(base_dir, file));
  }
  return std::string{};
}

result<void> set_server(config& c, const std::string& server) {
  auto u = boost::urls::parse_absolute_uri(server);
  if (!u) {
    return make_error(error_kind::config, "server '" + server + "' is not a URL");
  }
  if (u->scheme() != "https") {
    return make_error(error_kind::config, "server '" + server + "' must use https");
  }
  c.host = std::string(u->host_address());
  c.port = u->has_port() ? std::string(u->port()) : "443";
  c.base_path = std::string(u->encoded_path());
  if (c.base_path == "/") {
    c.base_path.clear();
  }
  return {};
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return c - 'a' + 26;
    if (c >= '0' && c <= '9')
      return c - '0' + 52;
    if (c == '+')
      return 62;
    if (c == '/')
      return 63;
    return -1;
  };
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  bool padding = false;
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == ' ') {
      continue;
    }
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = value(c);
    if (v < 0 || padding) {
      return std::nullopt;
    }
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xFF));
    }
  }
  return out;
}

result<config> parse_kubeconfig(const std::string& yaml, const std::string& base_dir, const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return make_error(error_kind::config, std::string("kubeconfig is not valid YAML: ") + e.what());
  }
  std::string ctx_name = context.empty() ? scalar(root, "current-context") : context;
  if (ctx_name.empty()) {
    return make_error(error_kind::config, "kubeconfig has no current-context and none was given");
  }
  auto ctx = find_named(root["contexts"], ctx_name, "context");
  if (!ctx) {
    return make_error(error_kind::config, "context '" + ctx_name + "' not found in kubeconfig");
  }
  auto cluster = find_named(root["clusters"], scalar(ctx, "cluster"), "cluster");
  if (!cluster) {
    return make_error(error_kind::config, "cluster '" + scalar(ctx, "cluster") + "' not found in kubeconfig");
  }
  auto user = find_named(root["users"], scalar(ctx, "user"), "user");

  config c;
  if (auto r = set_server(c, scalar(cluster, "server")); !r) {
    return r.error();
  }
  auto ca = pem_from(cluster, "certificate-authority", "certificate-authority-data", base_dir);
  if (!ca) {
    return ca.error();
  }
  c.ca_pem = std::move(*ca);
  c.insecure_skip_tls_verify = scalar(cluster, "insecure-skip-tls-verify") == "true";
  c.tls_server_name = scalar(cluster, "tls-server-name");
  if (auto ns = scalar(ctx, "namespace"); !ns.empty()) {
    c.default_namespace = ns;
  }
  if (user) {
    if (user["exec"] || user["auth-provider"]) {
      return make_error(error_kind::config, "kubeconfig user uses an exec/auth-provider plugin, which is unsupported");
    }
    auto cert = pem_from(user, "client-certificate", "client-certificate-data", base_dir);
    auto key = pem_from(user, "client-key", "client-key-data", base_dir);
    if (!cert) {
      return cert.error();
    }
    if (!key) {
      return key.error();
    }
    c.client_cert_pem = std::move(*cert);
    c.client_key_pem = std::move(*key);
    c.token = scalar(user, "token");
    c.token_file = resolve(base_dir, scalar(user, "tokenFile"));
  }
  return c;
}

result<config> load_kubeconfig(const std::string& path, const std::string& context) {
  auto text = read_file(path);
  if (!text) {
    return text.error();
  }
  return parse_kubeconfig(*text, std::filesystem::path(path).parent_path().string(), context);
}

result<config> in_cluster_config(const env_lookup& env_in, const std::string& sa_dir) {
  env_lookup env = env_in ? env_in : [](const std::string& k) -> std::optional<std::string> {
    const char* v = std::getenv(k.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  auto host = env("KUBERNETES_SERVICE_HOST");
  auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || !port || host->empty() || port->empty()) {
    return make_error(error_kind::config, "not in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set");
  }
  config c;
  c.host = *host;
  c.port = *port;
  c.token_file = sa_dir + "/token";
  auto ca = read_file(sa_dir + "/ca.crt");
  if (!ca) {
    return ca.error();
  }
  c.ca_pem = std::move(*ca);
  if (auto ns = read_file(sa_dir + "/namespace"); ns && !ns->empty()) {
    c.default_namespace = *ns;
  }
  // Fail now, not at the first request, when the token is missing.
  if (auto t = read_file(c.token_file); !t) {
    return t.error();
  }
  return c;
}

result<config> default_config(const std::string& context) {
  if (const char* kc = std::getenv("KUBECONFIG"); kc && *kc) {
    std::string first(kc);
    first = first.substr(0, first.find(':'));
    return load_kubeconfig(first, context);
  }
  if (const char* home = std::getenv("HOME")) {
    std::string path = std::string(home) + "/.kube/config";
    if (std::filesystem::exists(path)) {
      return load_kubeconfig(path, context);
    }
  }
  return in_cluster_config();
}

}  // namespace kube
