// The objects an MCPPool asks for, as a pure function of its spec: the gateway's
// ServiceAccount, Role and RoleBinding (what mcp-gateway reads from the API, in the pool's
// namespace only), Deployment and Service, and when asked an Ingress and a NetworkPolicy. As
// for MCPServer, each is a complete server-side-apply body holding only the fields the
// operator owns, and the pods meet the `restricted` Pod Security Standard.
//
// Names: the Service is the pool's name (so the URL is http://<pool>.<ns>.svc...), the
// workload and its identity are "<pool>-gateway", the keyring Secret "<pool>-keyring" (not
// rendered here: its keys are random, so the controller creates it once and rotates it).
//
// The gateway's contract (its arguments): --pool, --namespace, --port, --path, --keyring-dir,
// --member-token-dir. It reads no Secret through the API (its Role grants none): the keyring
// Secret is mounted at gateway_keyring_dir, and each member with a bearerTokenSecretRef gets
// that one key of its Secret mounted as <gateway_member_token_dir>/<member>/token. The
// kubelet refreshes mounted Secrets (within a minute or two), and the gateway re-reads them, so
// a rotation or a new token needs no restart. The token volumes are optional (a missing Secret
// or key leaves the file out and fails only that member); the keyring's is not (the operator
// creates it before the Deployment). Everything else (members, their EndpointSlices) the
// gateway watches itself.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "api/mcppool.hpp"
#include "controllers/render_auth.hpp"
#include "controllers/render_parts.hpp"

namespace controllers {

struct pool_render_options {
  std::string gateway_image;  // the mcp-gateway image
  std::string cluster_domain = "cluster.local";
  std::int32_t progress_deadline_seconds = 600;
  parts::tracing_defaults tracing;  // --otlp-endpoint, --trace-sample-ratio
  parts::auth_defaults auth;        // --service-account-issuer
};

inline constexpr std::string_view pool_path = "/mcp";  // the gateway's MCP path
// Where the gateway's pods find the keyring Secret's entries (files k<N> and current).
inline constexpr std::string_view gateway_keyring_dir = "/var/run/mcp-gateway/keyring";
// Where they find the members' bearer tokens: <dir>/<member name>/<member_token_file>.
inline constexpr std::string_view gateway_member_token_dir = "/var/run/mcp-gateway/members";
inline constexpr std::string_view member_token_file = "token";

std::string gateway_name(const api::mcppool& pool);  // "<pool>-gateway"
std::string keyring_name(const api::mcppool& pool);  // "<pool>-keyring"

boost::json::object pool_selector_labels(const api::mcppool& pool);
boost::json::object pool_common_labels(const api::mcppool& pool);
std::string pool_selector_string(const api::mcppool& pool);  // "k=v,k=v" for status.selector

// The in-cluster URL of the pool's MCP endpoint.
std::string pool_url(const api::mcppool& pool, const pool_render_options& options);

struct pool_rendered {
  std::vector<boost::json::object> objects;  // to apply
  std::string error;                         // non-empty: the spec cannot be realised (phase Failed)
};

pool_rendered render(const api::mcppool& pool, const pool_render_options& options);

}  // namespace controllers
