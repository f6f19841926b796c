#include "api/mcpserver.hpp"

#include "reader.hpp"

#include <boost/json.hpp>

#include <regex>
#include <stdexcept>

namespace api {

namespace json = boost::json;

void throw_exception_from_error(const spec_error& e, const boost::source_location&) {
  throw std::invalid_argument(e.message);
}

namespace {

using detail::reader;

bool read_bridge(const json::object& o, bridge_settings& b, std::string& error) {
  reader r{o, "spec.bridge.", {}};
  std::string mode = "per-session";
  bool ok = r.boolean("enabled", b.enabled) && r.i32("port", b.port) && r.str("sessionMode", mode) &&
            r.i32("maxSessions", b.max_sessions) && r.i32("idleTimeoutSeconds", b.idle_timeout_seconds) &&
            r.i32("warmPoolSize", b.warm_pool_size);
  if (ok && mode != "per-session" && mode != "shared") {
    ok = r.fail("sessionMode", "per-session or shared");
  }
  b.mode = mode == "shared" ? session_mode::shared : session_mode::per_session;
  error = r.error;
  return ok;
}

bool read_service(const json::object& o, service_settings& s, std::string& error) {
  reader r{o, "spec.service.", {}};
  bool ok =
      r.str("type", s.type) && r.str("sessionAffinity", s.session_affinity) && r.object("annotations", s.annotations);
  error = r.error;
  return ok;
}

bool read_ingress(const json::object& o, ingress_settings& in, std::string& error) {
  reader r{o, "spec.ingress.", {}};
  json::object tls;
  bool ok = r.str("host", in.host) && r.str("className", in.class_name) && r.str("path", in.path) &&
            r.object("annotations", in.annotations) && r.object("tls", tls);
  if (ok && in.host.empty()) {
    ok = r.fail("host", "set: the host name the Ingress answers for");
  }
  if (ok) {
    if (auto it = tls.find("secretName"); it != tls.end() && it->value().is_string()) {
      in.tls_secret = std::string(it->value().get_string());
    }
  }
  error = r.error;
  return ok;
}

}  // namespace

namespace detail {

bool read_metadata(const json::object& obj, std::string& name, std::string& ns, std::string& uid,
                   std::int64_t& generation, std::string& error) {
  const json::value* meta = obj.if_contains("metadata");
  if (meta == nullptr || !meta->is_object()) {
    error = "metadata is missing";
    return false;
  }
  reader m{meta->get_object(), "metadata.", {}};
  if (!m.str("name", name) || !m.str("namespace", ns) || !m.str("uid", uid)) {
    error = m.error;
    return false;
  }
  if (const json::value* g = m.find("generation"); g != nullptr && g->is_number()) {
    generation = g->to_number<std::int64_t>();
  }
  return true;
}

bool read_exposure(reader& r, service_settings& service, std::optional<ingress_settings>& ingress,
                   std::optional<json::array>& allow_from, std::string& error) {
  json::object sub;
  if (!r.object("service", sub)) {
    error = r.error;
    return false;
  }
  if (!sub.empty() && !read_service(sub, service, error))
    return false;
  if (r.find("ingress") != nullptr) {
    sub.clear();
    if (!r.object("ingress", sub)) {
      error = r.error;
      return false;
    }
    ingress_settings in;
    if (!read_ingress(sub, in, error))
      return false;
    ingress = std::move(in);
  }
  if (const json::value* np = r.find("networkPolicy")) {
    const json::value* from = np->is_object() ? np->get_object().if_contains("allowFrom") : nullptr;
    if (from == nullptr || !from->is_array()) {
      error = "spec.networkPolicy.allowFrom must be a list of peers";
      return false;
    }
    allow_from = from->get_array();
  }
  return true;
}

bool read_observability(reader& r, std::optional<tracing_settings>& tracing, std::string& error) {
  json::object obs;
  if (!r.object("observability", obs)) {
    error = r.error;
    return false;
  }
  reader o{obs, "spec.observability.", {}};
  json::object sub;
  if (!o.object("tracing", sub)) {
    error = o.error;
    return false;
  }
  if (o.find("tracing") == nullptr) {
    return true;
  }
  reader t{sub, "spec.observability.tracing.", {}};
  tracing_settings out;
  if (!t.boolean("enabled", out.enabled) || !t.str("endpoint", out.endpoint) ||
      !t.number("sampleRatio", out.sample_ratio)) {
    error = t.error;
    return false;
  }
  if (out.endpoint && out.endpoint->rfind("http://", 0) != 0) {
    error =
        "spec.observability.tracing.endpoint must be an http:// URL (OTLP/HTTP, e.g. http://10.0.0.7:4318/v1/traces)";
    return false;
  }
  if (out.sample_ratio && !(*out.sample_ratio >= 0.0 && *out.sample_ratio <= 1.0)) {
    error = "spec.observability.tracing.sampleRatio must be between 0 and 1";
    return false;
  }
  tracing = std::move(out);
  return true;
}

namespace {

bool read_key_ref(reader& r, std::string_view key, std::optional<object_key_ref>& out) {
  json::object o;
  if (r.find(key) == nullptr)
    return true;
  if (!r.object(key, o))
    return false;
  reader k{o, r.prefix + std::string(key) + ".", {}};
  object_key_ref ref;
  if (!k.str("name", ref.name) || !k.str("key", ref.key)) {
    r.error = k.error;
    return false;
  }
  if (ref.name.empty() || ref.key.empty()) {
    r.error = r.prefix + std::string(key) + " needs name and key";
    return false;
  }
  out = std::move(ref);
  return true;
}

}  // namespace

bool read_auth(reader& r, std::optional<auth_settings>& auth, std::string& error) {
  if (r.find("auth") == nullptr)
    return true;
  json::object o;
  if (!r.object("auth", o)) {
    error = r.error;
    return false;
  }
  reader a{o, "spec.auth.", {}};
  auth_settings out;
  std::optional<std::string> mode;
  if (!a.str("mode", mode) || !a.str("issuer", out.issuer) || !a.str("jwksURL", out.jwks_url) ||
      !a.str("audience", out.audience) || !a.strings("requiredScopes", out.required_scopes) ||
      !read_key_ref(a, "caConfigMap", out.ca_config_map) || !read_key_ref(a, "tokenSecretRef", out.token_secret)) {
    error = a.error;
    return false;
  }
  if (!mode) {
    error = "spec.auth.mode is required: OIDC, ServiceAccount or StaticToken";
    return false;
  }
  if (*mode == "OIDC") {
    out.mode = auth_mode::oidc;
  } else if (*mode == "ServiceAccount") {
    out.mode = auth_mode::service_account;
  } else if (*mode == "StaticToken") {
    out.mode = auth_mode::static_token;
  } else {
    error = "spec.auth.mode must be OIDC, ServiceAccount or StaticToken, not \"" + *mode + "\"";
    return false;
  }
  auth = std::move(out);
  return true;
}

std::string validate_auth(const std::optional<auth_settings>& auth, const std::optional<ingress_settings>& ingress) {
  static const std::regex url("^https?://[^\\s?#]+$");
  if (ingress && !ingress->tls_secret) {
    return "spec.ingress exposes the endpoint outside the cluster, so it requires TLS: set spec.ingress.tls.secretName "
           "(a kubernetes.io/tls Secret for spec.ingress.host), or remove spec.ingress";
  }
  if (ingress && !auth) {
    return "spec.ingress exposes the endpoint outside the cluster, so it requires auth: set spec.auth (mode OIDC, "
           "ServiceAccount or StaticToken; docs/security.md), or remove spec.ingress";
  }
  if (!auth)
    return {};
  const auth_settings& a = *auth;
  if (a.mode == auth_mode::oidc && !a.issuer) {
    return "spec.auth.issuer is required with mode OIDC: the issuer's exact iss, e.g. https://idp.example/";
  }
  if (a.mode != auth_mode::oidc && (a.issuer || a.jwks_url || a.ca_config_map)) {
    return "spec.auth.issuer, jwksURL and caConfigMap are for mode OIDC only (mode ServiceAccount uses the "
           "cluster's own issuer, the operator's --service-account-issuer); remove them";
  }
  if (a.mode == auth_mode::static_token && !a.token_secret) {
    return "spec.auth.tokenSecretRef is required with mode StaticToken: the Secret key holding the token clients "
           "must send, e.g. {name: mcp-token, key: token}";
  }
  if (a.mode != auth_mode::static_token && a.token_secret) {
    return "spec.auth.tokenSecretRef is for mode StaticToken only; remove it";
  }
  if (a.mode == auth_mode::static_token && (a.audience || !a.required_scopes.empty())) {
    return "spec.auth.audience and requiredScopes are for modes OIDC and ServiceAccount (a static token names "
           "neither); remove them";
  }
  for (const auto* u : {&a.issuer, &a.jwks_url, &a.audience}) {
    if (*u && !std::regex_match(**u, url)) {
      return "spec.auth.issuer, jwksURL and audience must be http:// or https:// URLs without query or fragment";
    }
  }
  return {};
}

}  // namespace detail

boost::system::result<mcpserver, spec_error> parse_mcpserver(const json::value& object) {
  if (!object.is_object()) {
    return spec_error{"object is not a JSON object"};
  }
  const json::object& obj = object.get_object();
  mcpserver out;
  if (std::string error; !detail::read_metadata(obj, out.name, out.namespace_, out.uid, out.generation, error)) {
    return spec_error{error};
  }
  const json::value* specv = obj.if_contains("spec");
  if (specv == nullptr || !specv->is_object()) {
    return spec_error{"spec is missing: set at least spec.image"};
  }
  detail::reader r{specv->get_object(), "spec.", {}};
  mcpserver_spec& s = out.spec;
  std::string proto = "http";
  bool ok = r.str("image", s.image) && r.i32("port", s.port) && r.str("protocol", proto) && r.str("path", s.path) &&
            r.strings("command", s.command) && r.strings("args", s.args) && r.i32("replicas", s.replicas) &&
            r.str("imagePullPolicy", s.image_pull_policy) && r.str("serviceAccountName", s.service_account_name) &&
            r.boolean("automountServiceAccountToken", s.automount_service_account_token) &&
            r.str("priorityClassName", s.priority_class_name) && r.boolean("stateless", s.stateless);
  if (!ok) {
    return spec_error{r.error};
  }
  if (proto != "http" && proto != "stdio") {
    return spec_error{"spec.protocol must be http or stdio, not \"" + proto + "\""};
  }
  s.protocol = proto == "stdio" ? protocol::stdio : protocol::http;
  std::string sub_error;
  json::object sub;
  if (!r.object("bridge", sub))
    return spec_error{r.error};
  if (!sub.empty() && !read_bridge(sub, s.bridge, sub_error))
    return spec_error{sub_error};
  if (!detail::read_exposure(r, s.service, s.ingress, s.network_policy_allow_from, sub_error))
    return spec_error{sub_error};
  if (!detail::read_observability(r, s.tracing, sub_error))
    return spec_error{sub_error};
  if (!detail::read_auth(r, s.auth, sub_error))
    return spec_error{sub_error};
  r.raw("resources", s.resources);
  r.raw("env", s.env);
  r.raw("envFrom", s.env_from);
  r.raw("imagePullSecrets", s.image_pull_secrets);
  r.raw("nodeSelector", s.node_selector);
  r.raw("tolerations", s.tolerations);
  r.raw("affinity", s.affinity);
  r.raw("podLabels", s.pod_labels);
  r.raw("podAnnotations", s.pod_annotations);
  r.raw("volumes", s.volumes);
  r.raw("volumeMounts", s.volume_mounts);
  r.raw("readinessProbe", s.readiness_probe);
  r.raw("livenessProbe", s.liveness_probe);
  return out;
}

std::string validate(const mcpserver& server) {
  static const std::regex dns1035("^[a-z]([-a-z0-9]*[a-z0-9])?$");
  const mcpserver_spec& s = server.spec;
  if (server.name.size() > 63 || !std::regex_match(server.name, dns1035)) {
    return "metadata.name must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, at "
           "most 63 characters) because it also names the server's Service";
  }
  if (s.image.empty()) {
    return "spec.image is required";
  }
  if (s.port < 1 || s.port > 65535) {
    return "spec.port must be between 1 and 65535";
  }
  if (s.path.empty() || s.path.front() != '/') {
    return "spec.path must start with /";
  }
  if (s.protocol == protocol::stdio && s.command.empty()) {
    return "spec.command is required when spec.protocol is stdio: mcp-bridge starts it as the server's child process";
  }
  if (bridge_fronts_http(s) && (s.bridge.port < 1 || s.bridge.port > 65535 || s.bridge.port == s.port)) {
    return "spec.bridge.port must be between 1 and 65535 and differ from spec.port";
  }
  if (s.replicas && *s.replicas < 0) {
    return "spec.replicas must not be negative";
  }
  if (s.auth && s.protocol != protocol::stdio && !s.bridge.enabled) {
    return "spec.auth is enforced by mcp-bridge: with protocol: http set spec.bridge.enabled: true (the bridge then "
           "fronts the server), or remove spec.auth";
  }
  return detail::validate_auth(s.auth, s.ingress);
}

const std::vector<std::string_view>& known_spec_fields() {
  static const std::vector<std::string_view> fields = {"image",
                                                       "port",
                                                       "protocol",
                                                       "path",
                                                       "command",
                                                       "args",
                                                       "replicas",
                                                       "resources",
                                                       "env",
                                                       "envFrom",
                                                       "imagePullPolicy",
                                                       "imagePullSecrets",
                                                       "serviceAccountName",
                                                       "automountServiceAccountToken",
                                                       "nodeSelector",
                                                       "tolerations",
                                                       "affinity",
                                                       "priorityClassName",
                                                       "podLabels",
                                                       "podAnnotations",
                                                       "volumes",
                                                       "volumeMounts",
                                                       "readinessProbe",
                                                       "livenessProbe",
                                                       "service",
                                                       "ingress",
                                                       "networkPolicy",
                                                       "stateless",
                                                       "bridge",
                                                       "observability",
                                                       "auth"};
  return fields;
}

const std::vector<std::string_view>& known_status_fields() {
  static const std::vector<std::string_view> fields = {
      "phase",    "conditions", "observedGeneration", "replicas", "readyReplicas", "ready",
      "selector", "url",        "serverInfo",         "tools",    "toolCount",     "lastVerifiedTime"};
  return fields;
}

std::string_view to_string(protocol p) {
  return p == protocol::stdio ? "stdio" : "http";
}
std::string_view to_string(session_mode m) {
  return m == session_mode::shared ? "shared" : "per-session";
}
std::string_view to_string(auth_mode m) {
  switch (m) {
    case auth_mode::service_account:
      return "ServiceAccount";
    case auth_mode::static_token:
      return "StaticToken";
    case auth_mode::oidc:
      break;
  }
  return "OIDC";
}

}  // namespace api
