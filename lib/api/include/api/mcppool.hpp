// The MCPPool kind of mcp.v2dy.io/v1 as the operator and mcp-gateway read it: the spec parsed
// from the object's JSON with the CRD's defaults applied, and the cross-field checks its CEL
// rules also make. As for MCPServer, the CRD in config/crd/bases is the source of truth and a
// unit test keeps known_pool_spec_fields() / known_pool_status_fields() in step with it.
// Which MCPServers a selector chooses is not decided here (lib/api has no selector logic):
// see controllers/mcppool_members.hpp.
#pragma once

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/mcpserver.hpp"

namespace api {

inline constexpr std::string_view pool_kind = "MCPPool";
inline constexpr std::string_view pool_plural = "mcppools";

enum class conflict_resolution { prefix, priority };

// One entry of spec.members: an MCPServer of the pool's namespace, or a remote endpoint.
struct pool_member {
  std::string name;
  std::optional<std::string> server;  // unset and no url: the member's name
  std::optional<std::string> url;     // a remote member
  std::optional<secret_key_ref> bearer_token;
  std::optional<std::string> tool_prefix;  // unset: name + "_"
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool enabled = true;

  [[nodiscard]] bool remote() const { return url.has_value(); }
  // The MCPServer behind a server member (meaningless for a remote one).
  [[nodiscard]] const std::string& server_name() const { return server ? *server : name; }
  [[nodiscard]] std::string prefix() const { return tool_prefix ? *tool_prefix : name + "_"; }
};

struct mcppool_spec {
  std::optional<boost::json::object> selector;  // a metav1.LabelSelector, as written
  std::vector<pool_member> members;
  enum conflict_resolution conflict_resolution = conflict_resolution::prefix;
  std::optional<std::int32_t> replicas;  // unset: whoever scales owns it
  std::int32_t port = 8080;
  service_settings service;
  std::optional<ingress_settings> ingress;
  std::optional<boost::json::array> network_policy_allow_from;
  std::optional<tracing_settings> tracing;  // spec.observability.tracing
  std::optional<auth_settings> auth;
  boost::json::value resources;             // passed through to the gateway container
};

struct mcppool {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::int64_t generation = 0;
  mcppool_spec spec;
};

// Reads an MCPPool object. Fails only on what the CRD schema would have refused (or an
// object stored under an older CRD); such a pool gets phase Failed, never a crash.
boost::system::result<mcppool, spec_error> parse_mcppool(const boost::json::value& object);

// The CRD's cross-field rules, checked again. Empty string: valid.
std::string validate(const mcppool& pool);

const std::vector<std::string_view>& known_pool_spec_fields();
const std::vector<std::string_view>& known_pool_status_fields();

std::string_view to_string(conflict_resolution c);

}  // namespace api
