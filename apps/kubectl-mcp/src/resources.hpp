// What kubectl-mcp reads from MCPServer and MCPPool objects: the columns of `get`, whether a
// server can be called now, and the apiserver service-proxy path of its MCP endpoint. Only
// status fields the operator writes are read (phase, ready, readyReplicas, url, toolCount,
// conditions), so the plugin agrees with `kubectl get mcps`. Pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "cli.hpp"
#include "format.hpp"

namespace kubectl_mcp {

enum class kind { server, pool };

struct resource_ref {
  kind k = kind::server;
  boost::json::object obj;
};

// "mcpserver" / "mcppool": how the plugin names a kind in messages and `-o name`.
std::string kind_word(kind k);

// The status.conditions entry of `type`, or null.
const boost::json::object* condition(const boost::json::object& obj, std::string_view type);
// Its status ("True", "False", "Unknown"), or "" when absent.
std::string condition_status(const boost::json::object& obj, std::string_view type);

// The table of `get` (wide adds PROTOCOL, SERVER and MEMBERS; all_namespaces adds NAMESPACE).
std::string render_get_table(const std::vector<resource_ref>& items, output_format fmt, bool all_namespaces,
                             std::int64_t now);
// `-o name`: "mcpserver.mcp.v2dy.io/echo" lines.
std::string render_get_names(const std::vector<resource_ref>& items);
// `-o json|yaml`: one object when `single`, else a v1 List of them.
boost::json::value get_document(const std::vector<resource_ref>& items, bool single);

// Empty when the server (or pool) has a ready replica behind its Service; otherwise why not,
// as one line: `mcpserver "echo" is not Ready (phase Pending, ready 0/1): ...`.
std::string not_ready_reason(const resource_ref& r);

// The apiserver path that proxies to the MCP endpoint named by status.url
// (http://NAME.NS.svc.DOMAIN:PORT/PATH): /api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH.
// Fails (with the reason) when status.url is missing or not such a URL.
boost::system::result<std::string> proxy_path(const resource_ref& r, std::string& why);

}  // namespace kubectl_mcp
