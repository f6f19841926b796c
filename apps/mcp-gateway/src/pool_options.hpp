// Command-line options of mcp-gateway. The front end's (listen address, limits, token,
// Origin checks: bridge::options) plus the pool: its members, where each is reached, how
// names are exposed, and the keyring that seals session ids.
//
// Members (static configuration; the operator renders these flags from the MCPPool):
//   --member NAME=URL          a member reached at URL (http://address:port/path); the same NAME
//                              again adds another replica of that member (sessions are spread
//                              over them by least outstanding requests)
//   --tool-prefix NAME=PREFIX  default NAME_ ; --include / --exclude NAME=GLOB (repeatable)
//   --disable NAME             declared, contributes nothing
//   --member-token NAME=FILE   bearer token sent to that member (a remote endpoint)
// Order of first appearance of each NAME is the members' declared order (priority mode).
//
// Or from the API (what the operator runs): --pool NAME --namespace NS reads the MCPPool, the
// namespace's MCPServers and their EndpointSlices and follows their changes (pool_source.hpp);
// --member-token-dir holds each remote member's token as <dir>/<member>/token. --member and
// the per-member flags are then refused.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "gateway/catalog.hpp"
#include "gateway/session_record.hpp"
#include "http_link.hpp"
#include "options.hpp"

namespace gw {

struct member_endpoint {
  std::string id;  // "address:port" as the session record stores it
  bridge::http_upstream_config http;
  // Ready for new sessions. An endpoint that is known but not ready (a pod whose readiness
  // failed, or that is terminating) still continues the sessions bound to it.
  bool ready = true;
};

struct member_config {
  gateway::member_spec spec;
  std::vector<member_endpoint> endpoints;
  std::string server;  // the MCPServer behind it (from the API), for status
  std::string url;     // a remote member's URL, for status
  std::string note;    // why it has no endpoint (a missing MCPServer, no ready pod)
};

struct api_source {
  std::string pool;
  std::string ns;
  std::optional<std::string> member_token_dir;
};

struct pool_options {
  bridge::options front;
  std::vector<member_config> members;
  std::optional<api_source> api;  // --pool: members come from the API, not from flags
  gateway::conflict_resolution resolution = gateway::conflict_resolution::prefix;
  std::optional<std::string> keyring_dir;         // a mounted keyring Secret (k<N>, current)
  std::chrono::seconds session_lifetime{86400};   // a sealed session id opens this long
  std::chrono::seconds member_timeout{10};        // a member's initialize, when a session opens
  std::string server_name = "mcp-gateway";        // serverInfo.name toward clients
};

struct pool_parse_outcome {
  std::optional<pool_options> opts;
  int exit_code = 0;
};
pool_parse_outcome parse_pool_options(int argc, char** argv);

}  // namespace gw
