// Pieces of rendered objects that every kind the operator owns objects for shares (MCPServer,
// MCPPool): the owner's metadata, the restricted security contexts, Ingress and NetworkPolicy
// bodies. Pure functions returning complete server-side-apply fragments.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/mcpserver.hpp"

namespace controllers::parts {

// A non-root uid present in distroless-style images, for every pod the operator runs.
inline constexpr std::int64_t pod_uid = 65532;

// Who owns an object: the controller owner reference of everything rendered for it.
struct owner {
  std::string_view kind;  // MCPServer, MCPPool
  std::string_view name;
  std::string_view namespace_;
  std::string_view uid;
};

// The labels every owned object carries: its selector labels (app.kubernetes.io/name and
// instance) plus component, part-of and managed-by.
boost::json::object common_labels(boost::json::object selector, std::string_view component);
// "k=v,k=v": a status.selector for the scale subresource.
std::string selector_string(const boost::json::object& labels);

// metadata with name, namespace, labels and the controller owner reference.
boost::json::object metadata(const owner& o, std::string_view name, const boost::json::object& labels);
// {apiVersion, kind, metadata}.
boost::json::object object(std::string_view api_version, std::string_view kind, boost::json::object meta);
void set_if(boost::json::object& o, std::string_view key, const boost::json::value& v);

boost::json::object restricted_container_security();
boost::json::object restricted_pod_security();

// An Ingress routing `path` on the settings' host to the Service `service`'s port `port_name`.
boost::json::object ingress(boost::json::object meta, const api::ingress_settings& in, std::string_view path,
                            std::string_view service, std::string_view port_name);
// A NetworkPolicy letting only `allow_from` reach `port` of the pods `selector` matches.
boost::json::object network_policy(boost::json::object meta, const boost::json::object& selector,
                                   const boost::json::array& allow_from, std::int32_t port);

// The operator's tracing defaults (--otlp-endpoint, --trace-sample-ratio): unset endpoint, no
// traces unless an object's spec.observability.tracing names one.
struct tracing_defaults {
  std::optional<std::string> endpoint;
  double sample_ratio = 1.0;
};

// The tracing flags of an mcp-bridge or mcp-gateway (docs/observability.md, "Traces"):
// --otlp-endpoint, --trace-sample-ratio and --service-name, the spec's fields over the
// operator's defaults; nothing when neither names an endpoint or the spec disables tracing.
void append_tracing_args(boost::json::array& args, const std::optional<api::tracing_settings>& spec,
                         const tracing_defaults& defaults, std::string_view service_name);

}  // namespace controllers::parts
