// The MCPServer kind of mcp.v2dy.io/v1 as the operator reads it: the spec parsed from the
// object's JSON with the CRD's defaults applied (so objects stored before a default existed
// read the same), and the spec checks that the CRD's CEL rules also make. The CRD in
// config/crd/bases is the source of truth; a unit test keeps known_spec_fields() and
// known_status_fields() in step with it. Fields the operator only passes through to the pod
// (resources, env, affinity, ...) stay JSON, already validated by the apiserver.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace api {

inline constexpr std::string_view group = "mcp.v2dy.io";
inline constexpr std::string_view version = "v1";
inline constexpr std::string_view api_version = "mcp.v2dy.io/v1";
inline constexpr std::string_view kind = "MCPServer";
inline constexpr std::string_view plural = "mcpservers";

enum class protocol { http, stdio };
enum class session_mode { per_session, shared };

struct bridge_settings {
  bool enabled = false;      // protocol http: front the server with mcp-bridge (stdio: always)
  std::int32_t port = 8099;  // protocol http with enabled: the bridge's container port
  session_mode mode = session_mode::per_session;
  std::int32_t max_sessions = 100;
  std::int32_t idle_timeout_seconds = 600;
  std::int32_t warm_pool_size = 1;
};

struct service_settings {
  std::string type = "ClusterIP";
  std::optional<std::string> session_affinity;  // unset: derived from `stateless`
  boost::json::object annotations;
};

struct ingress_settings {
  std::string host;
  std::optional<std::string> class_name;
  std::optional<std::string> path;  // unset: the MCP path
  std::optional<std::string> tls_secret;
  boost::json::object annotations;
};

// spec.observability.tracing: where the pods' mcp-bridge or mcp-gateway send traces
// (docs/observability.md, "Traces"). A field left out takes the operator's --otlp-endpoint /
// --trace-sample-ratio; enabled: false turns traces off whatever the operator's default.
struct tracing_settings {
  bool enabled = true;
  std::optional<std::string> endpoint;  // http://IP:port/v1/traces
  std::optional<double> sample_ratio;   // 0..1
};

// A key of a Secret or ConfigMap in the object's namespace.
struct object_key_ref {
  std::string name;
  std::string key;
};
using secret_key_ref = object_key_ref;

enum class auth_mode { oidc, service_account, static_token };

// spec.auth: which callers the endpoint accepts (docs/security.md, "Turning auth on for an
// MCPServer or MCPPool"). The front (mcp-bridge, mcp-gateway) enforces it; the operator only
// renders its flags. Which fields a mode takes is checked by validate(), as by the CRD's CEL.
struct auth_settings {
  auth_mode mode = auth_mode::oidc;
  std::optional<std::string> issuer;            // OIDC: the issuer's exact iss
  std::optional<std::string> jwks_url;          // OIDC: unset = discovery
  std::optional<object_key_ref> ca_config_map;  // OIDC: CA bundle for the issuer's TLS
  std::optional<std::string> audience;          // unset: the object's in-cluster URL
  std::vector<std::string> required_scopes;     // OIDC, ServiceAccount
  std::optional<object_key_ref> token_secret;   // StaticToken: the token clients send
};

struct mcpserver_spec {
  std::string image;
  std::int32_t port = 3000;
  enum protocol protocol = protocol::http;
  std::string path = "/mcp";
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::optional<std::int32_t> replicas;  // unset: whoever scales owns it
  std::optional<std::string> image_pull_policy;
  std::optional<std::string> service_account_name;
  bool automount_service_account_token = false;
  std::optional<std::string> priority_class_name;
  bool stateless = false;
  bridge_settings bridge;
  service_settings service;
  std::optional<ingress_settings> ingress;
  std::optional<boost::json::array> network_policy_allow_from;
  std::optional<tracing_settings> tracing;  // spec.observability.tracing
  std::optional<auth_settings> auth;
  // Passed through to the pod as written (validated by the apiserver's schema).
  boost::json::value resources, env, env_from, image_pull_secrets, node_selector, tolerations, affinity, pod_labels,
      pod_annotations, volumes, volume_mounts, readiness_probe, liveness_probe;
};

struct mcpserver {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::int64_t generation = 0;
  mcpserver_spec spec;
};

// Why an object could not be read: names the field and what it should be.
struct spec_error {
  std::string message;
};
[[noreturn]] void throw_exception_from_error(const spec_error& e, const boost::source_location& loc);

// Reads an MCPServer object. Fails only on what the CRD schema would have refused (or an
// object stored under an older CRD); such an object gets phase Failed, never a crash.
boost::system::result<mcpserver, spec_error> parse_mcpserver(const boost::json::value& object);

// The cross-field rules of the CRD's CEL validations, checked again in case an object was
// stored under an older CRD. Empty string: valid.
std::string validate(const mcpserver& server);

// JSON field names under .spec / .status that the operator understands.
const std::vector<std::string_view>& known_spec_fields();
const std::vector<std::string_view>& known_status_fields();

// Whether mcp-bridge runs in front of an http server (a second container, --upstream).
inline bool bridge_fronts_http(const mcpserver_spec& s) {
  return s.protocol == protocol::http && s.bridge.enabled;
}

std::string_view to_string(protocol p);
std::string_view to_string(session_mode m);
std::string_view to_string(auth_mode m);  // OIDC, ServiceAccount, StaticToken

}  // namespace api
