// MCPServer status as a pure function of what the controller observed: the server's
// Deployment, its pods, and the last MCP verification. Conditions keep their
// lastTransitionTime while their status does not change, so writing the same observation
// twice yields the same status (and the controller can skip the write).
//
// Bounded: every string the status takes from a server (serverInfo, tool names) or from an
// error (condition messages) is cut to the bounds below, and at most max_status_tools names
// are listed, so one MCPServer's status stays a few KiB (about 16 KiB at the worst) whatever
// its server or its pods say. An unbounded status could exceed what the apiserver accepts in
// one request, and a status write refused for its size would be retried, and refused, forever.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/mcpserver.hpp"
#include "controllers/mcpserver_render.hpp"

namespace controllers {

// Bytes of a condition message (also the note of an Event made from one: events.k8s.io/v1
// refuses notes over 1 KiB).
inline constexpr std::size_t max_condition_message = 1024;
// Bytes of serverInfo.name, serverInfo.version and serverInfo.protocolVersion.
inline constexpr std::size_t max_server_info_field = 256;
// Tool names in status.tools (the CRD's maxItems); toolCount still counts them all.
inline constexpr std::size_t max_status_tools = 64;
// Bytes of one tool name (MCP's own limit on a tool name is 128 characters).
inline constexpr std::size_t max_tool_name = 128;

// `s` cut to at most `max` bytes (max >= 3) at a UTF-8 character boundary, ending in "..."
// when it was cut; `s` itself when it fits.
std::string bounded(std::string_view s, std::size_t max);

// One condition of a status, before merging with the previous status.
struct status_condition {
  std::string type, status, reason, message;
};

// The conditions `next` as status.conditions: messages bounded, observedGeneration set, and
// each keeping its lastTransitionTime from `previous` while its status is unchanged (`now` for
// one that changed or is new). Shared by every kind's status.
boost::json::array merge_conditions(const std::vector<status_condition>& next, const boost::json::object& previous,
                                    std::int64_t generation, const std::string& now);

// The outcome of the operator's MCP initialize + tools/list against the server.
struct verification {
  bool ok = false;
  std::string reason;   // CamelCase, e.g. Verified, Unreachable, NotReady
  std::string message;  // for humans; never holds a secret
  std::string server_name, server_version, protocol_version;
  std::vector<std::string> tools;
  std::string time;              // RFC 3339, when it completed
  std::int64_t tool_count = -1;  // -1: tools.size() (set when tools holds only the first names)
};

// The successful verification a status records (Verified=True for `generation`, with serverInfo
// and lastVerifiedTime), so a restarted operator resumes from it instead of writing
// "NotVerifiedYet" over a converged status. Nothing when the status holds no such result.
std::optional<verification> verification_from_status(const boost::json::object& status, std::int64_t generation);

struct observed {
  const boost::json::object* deployment = nullptr;  // null: not created yet
  std::vector<const boost::json::object*> pods;     // the server's pods that are not terminating
  std::optional<verification> verified;             // unset: not attempted yet
  std::string render_error;                         // non-empty: spec cannot be realised (phase Failed)
  bool verification_off = false;                    // the operator runs with --verify=off
  // The pod-template-hash of the Deployment's current ReplicaSet (the one of the Deployment's
  // revision), once kube-controller-manager has observed the Deployment's generation. Empty:
  // not known yet; readiness then comes from the Deployment's status alone.
  std::string current_hash{};
  // The conditions' reason when render_error is set; empty: InvalidSpec (the spec's own fault).
  std::string failure_reason{};
};

// The reason of a server whose object names are taken: an object of its name exists that
// something else controls (or nothing does), and the operator never takes it over.
inline constexpr const char* name_taken_reason = "NameTaken";
// How often a server whose name is taken looks again (the blocker's removal sends no event).
inline constexpr std::chrono::seconds name_taken_recheck{15};

// The annotation kube-controller-manager keeps on a Deployment and its ReplicaSets.
inline constexpr const char* deployment_revision_annotation = "deployment.kubernetes.io/revision";

// The pod-template-hash of `deployment`'s current ReplicaSet among `replica_sets`: the one it
// controls whose revision annotation equals the Deployment's. Empty when there is none yet.
std::string current_template_hash(const boost::json::object& deployment,
                                  const std::vector<const boost::json::object*>& replica_sets);

// Builds the complete new status. `previous` is the current status (may be empty); `now` is
// the RFC 3339 time used for conditions that change.
boost::json::object compute_status(const api::mcpserver& server, const render_options& options, const observed& obs,
                                   const boost::json::object& previous, const std::string& now);

// Why the server's pods are failing, from their container states, e.g.
// "CrashLoopBackOff: back-off restarting failed container (pod demo-5d8f-x2k)". Empty: none.
std::string pod_failure(const std::vector<const boost::json::object*>& pods);

// "2 container restarts (last: container mcp-server of pod p exited (Error, exit code 137))",
// or "" when no container of `pods` has restarted; noted in the Ready condition's message.
std::string restart_note(const std::vector<const boost::json::object*>& pods);

}  // namespace controllers
