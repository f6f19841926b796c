// MCPPool status as a pure function of what the controller observed: the gateway's
// Deployment, each member's MCPServer, the gateway's own report of its members (GET /pool, when
// verification is on) and the last MCP check through the pool's URL.
//
// Members: a server member is as ready as its MCPServer (missing: "MCPServer <name> not found";
// not Running: its phase and why). A remote member's readiness is known only from the gateway.
// When the gateway answered /pool, its view of each member (ready, toolCount, lastError, url)
// overrides the operator's, and its tools, toolCount and conflicts are the pool's; without it
// the last reported ones are kept. Disabled members are not listed (the gateway has none).
//
// Bounded like MCPServer's status: the gateway's report is parsed as hostile input (sizes of
// arrays and strings capped, wrong types ignored), members are only those the spec chose.
// Conditions keep their lastTransitionTime while their status does not change.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/mcppool.hpp"
#include "controllers/mcppool_render.hpp"
#include "controllers/mcpserver_status.hpp"

namespace controllers {

// Bytes of a member's lastError (the CRD's description says 512).
inline constexpr std::size_t max_member_error = 512;
// Conflicts listed (the CRD's maxItems), and members named as dropped per conflict.
inline constexpr std::size_t max_status_conflicts = 32;
inline constexpr std::size_t max_conflict_dropped = 16;

struct member_state {
  std::string name;
  std::string server;  // server members
  std::string url;     // the member's endpoint, when known
  std::optional<bool> ready;
  std::optional<std::int64_t> tool_count;
  std::string last_error;
};

// What GET /pool on the gateway answered, after bounds.
struct pool_report {
  std::int64_t generation = 0;
  std::vector<member_state> members;
  std::int64_t tool_count = 0;
  std::vector<std::string> tools;
  boost::json::array conflicts;
};

// Parses the gateway's /pool body. Nothing when it is not a JSON object of that shape; any
// field of a wrong type is skipped, arrays and strings are cut to the status's bounds.
std::optional<pool_report> parse_pool_report(std::string_view body);

// A member as the operator sees it without the gateway: `server` is the member's MCPServer
// object (nullptr: not found; unused for a remote member).
member_state member_from_server(const api::pool_member& m, const boost::json::object* server);

struct pool_observed {
  const boost::json::object* deployment = nullptr;  // null: not created yet
  std::vector<member_state> members;                // the enabled members, in pool order
  std::optional<pool_report> report;                // the gateway's view, when fetched
  std::optional<verification> verified;             // the check through the pool's URL
  bool verification_off = false;
  std::string render_error;    // non-empty: phase Failed
  std::string failure_reason;  // the conditions' reason then; empty: InvalidSpec
};

boost::json::object compute_pool_status(const api::mcppool& pool, const pool_render_options& options,
                                        const pool_observed& obs, const boost::json::object& previous,
                                        const std::string& now);

}  // namespace controllers
