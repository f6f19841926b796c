// The objects an MCPServer asks for, as a pure function of its spec: ServiceAccount,
// Deployment, Service, and when asked an Ingress, a NetworkPolicy and a PodDisruptionBudget.
// Each is a complete server-side-apply body (apiVersion, kind, metadata with labels and a
// controller owner reference) holding only the fields the operator owns, so applying it
// twice changes nothing and a field set by someone else (an HPA's replicas) is left alone.
// Pods meet the `restricted` Pod Security Standard unless the spec overrides a probe or adds
// volumes that need more.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "api/mcpserver.hpp"
#include "controllers/render_auth.hpp"
#include "controllers/render_parts.hpp"

namespace controllers {

struct render_options {
  std::string bridge_image;  // image holding /mcp-bridge, for protocol stdio
  std::string cluster_domain = "cluster.local";
  std::int32_t progress_deadline_seconds = 600;
  parts::tracing_defaults tracing;  // --otlp-endpoint, --trace-sample-ratio
  parts::auth_defaults auth;        // --service-account-issuer
};

// The kinds the controller owns, in the order they are applied.
struct owned_kind {
  std::string_view api_version;
  std::string_view kind;
  std::string_view plural;
};
const std::vector<owned_kind>& owned_kinds();

// Labels every owned object carries; the first two select the server's pods.
boost::json::object selector_labels(const api::mcpserver& server);
boost::json::object common_labels(const api::mcpserver& server);
std::string selector_string(const api::mcpserver& server);  // "k=v,k=v" for status.selector

// The in-cluster URL of the MCP endpoint.
std::string service_url(const api::mcpserver& server, const render_options& options);

struct rendered {
  std::vector<boost::json::object> objects;  // to apply
  std::string error;                         // non-empty: the spec cannot be realised (phase Failed)
};

rendered render(const api::mcpserver& server, const render_options& options);

}  // namespace controllers
