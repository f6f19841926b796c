// The text of `describe`, laid out like kubectl describe: the object's identity, a spec
// summary (scalar fields as they are, lists and maps by size), status and verification
// (serverInfo, tools, last verified), conditions, a pool's members and conflicts, the pods
// behind it and its recent events (newest last, at most max_events). Pure.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "resources.hpp"

namespace kubectl_mcp {

inline constexpr std::size_t max_events = 15;

std::string render_describe(const resource_ref& r, const std::vector<boost::json::object>& pods,
                            std::vector<boost::json::object> events, std::int64_t now);

// "2/2", "Running", restarts and age of a pod, as kubectl get pods shows them.
std::vector<std::string> pod_row(const boost::json::object& pod, std::int64_t now);

}  // namespace kubectl_mcp
