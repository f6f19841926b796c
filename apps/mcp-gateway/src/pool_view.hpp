// The pool as the API describes it, turned into what a gateway replica serves: its members in
// order (controllers::choose_members: listed, then selected), each with its settings and the
// endpoints it is reached at. Pure: the caller passes the objects it watches and a way to read
// a remote member's token, so the rules are unit-tested without an apiserver.
//
// - An MCPServer member is reached at every ready address of its Service's EndpointSlices
//   (label kubernetes.io/service-name = the server's name, port "mcp"), at the server's
//   spec.path. An endpoint whose `ready` condition is false is kept but marked not ready
//   (Kubernetes reads an absent condition as ready): new sessions avoid it, sessions bound to
//   it continue. Each address is an endpoint of its own: sessions are spread over the
//   member's pods and each stays on its pod.
// - A remote member is reached at its url, with its token (from <token dir>/<member>/token)
//   as a bearer token. Only http:// to an IP address is reached for now (the gateway has no
//   TLS client or resolver toward members); any other URL leaves the member without endpoint,
//   with a note saying so.
// - A member with no endpoint carries a note saying why (no such MCPServer, no ready pod, no
//   token), which sessions answer with and status reports.
// A pool that cannot be read (missing, or a spec the CRD would refuse) is an error string.
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pool_options.hpp"

namespace gw {

struct pool_view {
  std::vector<member_config> members;
  gateway::conflict_resolution resolution = gateway::conflict_resolution::prefix;
  std::int64_t generation = 0;
};

struct pool_inputs {
  const boost::json::object* pool = nullptr;                // null: not (yet) found
  std::vector<const boost::json::object*> servers;          // the namespace's MCPServers
  std::vector<const boost::json::object*> endpoint_slices;  // the namespace's EndpointSlices
};

// A remote member's token: the text, nullopt when it cannot be read (the reason in `why`).
using token_reader = std::function<std::optional<std::string>(const std::string& member, std::string& why)>;

// `base` carries the limits every member connection gets (message size, timeouts).
boost::system::result<pool_view, std::string> resolve_pool(const pool_inputs& in, const token_reader& tokens,
                                                           const bridge::http_upstream_config& base);

// Whether two views serve the same shape (members, their names, filters and order, and the
// conflict resolution): then only endpoints differ, and the running directory takes them in
// place; otherwise a new directory is built.
bool same_shape(const pool_view& a, const pool_view& b);

}  // namespace gw
