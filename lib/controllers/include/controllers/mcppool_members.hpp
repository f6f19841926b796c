// Which members an MCPPool has: its listed members (spec.members, in order) followed by the
// MCPServers of its namespace that spec.selector matches (in name order). A server both listed
// and selected is a member once, at its listed place with its listed settings; a selected
// server whose name is already a listed member's name (a remote member "docs" and an MCPServer
// "docs") is left out, because member names must be unique in the pool (they name the member's
// status entry and its default tool prefix). Pure: the caller passes the namespace's MCPServers.
//
// The selector is a metav1.LabelSelector as written in the spec (matchLabels and
// matchExpressions with In, NotIn, Exists, DoesNotExist), with the apiserver's semantics: every
// requirement must hold, an empty selector matches every server, an absent one none. A
// selector the CRD schema let through but that cannot be evaluated (an unknown operator, In
// without values) is an error naming the fix; the pool then selects nothing.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "api/mcppool.hpp"

namespace controllers {

struct pool_members {
  std::vector<api::pool_member> members;  // listed first, then selected (default settings)
  std::string selector_error;             // non-empty: spec.selector cannot be evaluated
};

// Whether `selector` (a metav1.LabelSelector) matches `labels`. Sets `error` and returns false
// when the selector cannot be evaluated.
bool selector_matches(const boost::json::object& selector, const boost::json::object& labels, std::string& error);

// The pool's members, given the MCPServers of its namespace (whole objects; only
// metadata.name and metadata.labels are read; order does not matter).
pool_members choose_members(const api::mcppool& pool, const std::vector<const boost::json::object*>& servers);

// Whether the MCPServer `server` (an object) is listed by `pool` or matched by its selector:
// the pools an MCPServer's change must reconcile.
bool pool_wants(const api::mcppool& pool, const boost::json::object& server);

}  // namespace controllers
