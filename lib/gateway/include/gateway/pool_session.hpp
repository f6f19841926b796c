// The MCPPool gateway's fan-out core: ONE downstream session in front of the pool's members,
// each reached through one upstream MCP session the driver opens and initializes itself. A
// sans-I/O state machine like mcp::upstream_mux, the other way round (one client, many
// upstreams): inputs are the client's messages (what the driver's session_core forwards),
// each member's messages, member up / failed events, catalog changes and the timer; every
// decision comes back as an action drained with next(). No I/O, no clock: time is an argument.
//
// Guarantees:
// - The client's initialize, ping and the four */list methods are answered by the core (the
//   lists from the shared catalog's pages); everything else is routed through the catalog to
//   the one member that serves it (tools/call and prompts/get with the member's own name), or
//   to every member that can take it (logging/setLevel, notifications/roots/list_changed).
// - Every request to a member gets a fresh id and, if it has one, a fresh progress token (the
//   same number), unique across all members of the session, so answers, progress and
//   cancellations reach the client with the client's own id and token and never the wrong
//   member. A member's requests to the client (sampling, elicitation, roots) get a fresh
//   gateway id; the client's answer goes back to that member with the member's own id.
// - A client request is answered exactly once: by the member, by the core at once (unknown
//   name, member down, too many in flight), or when its member fails. After a cancellation,
//   nothing.
// - A request for a member that is not up yet waits for it (member_up sends it, member_failed
//   answers it). At most max_in_flight client requests are open at once, at most
//   max_client_requests of the members' requests wait for the client; beyond: an error.
// - Whatever a member (or the client) sends, it is never a crash: a response with an id we
//   did not issue to that member, progress with an unknown token, an answer to no question is
//   dropped and counted (dropped_from_member, dropped_from_client). Late answers to cancelled
//   requests are dropped without being counted (the last max_retired ids are remembered).
// - notifications/<kind>/list_changed reaches the client at most once per kind per
//   list_changed_debounce, and never before the client's initialize was answered.
//
// Caveats:
// - The catalog is shared by every session of a gateway replica and owned by the driver; the
//   core only reads it, and must not outlive it.
// - Capabilities are fixed by the initialize answer. They are the union of the members up at
//   that moment; while an enabled member is still coming up, tools, prompts and resources are
//   announced anyway (with listChanged), since the client cannot learn of them later. A
//   capability only a late member has (logging, completions, subscribe) is not announced.
// - The driver initializes the members (and may pass the client's capabilities on:
//   client_capabilities()); the core never sends a member initialize.
// - logging/setLevel goes to the members up that announce logging (no member up with it:
//   answered {} at once); a member coming up later keeps its own level. Members' logging
//   (notifications/message) and notifications/resources/updated reach the client unchanged.
// - Handshake revisions only: a 2026-07-28 client's server/discover is method-not-found here.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/catalog.hpp"
#include "mcp/jsonrpc.hpp"

namespace gateway {

using clock_time = std::chrono::steady_clock::time_point;

// JSON-RPC codes the core answers with.
inline constexpr int code_invalid_params = -32602;  // unknown tool / prompt, bad cursor
inline constexpr int code_method_not_found = -32601;
inline constexpr int code_member_gone = -32603;         // = mcp::code_upstream_gone
inline constexpr int code_too_many = -32000;            // = mcp::code_too_many_pending
inline constexpr int code_resource_not_found = -32002;  // MCP's code for an unknown resource
inline constexpr int code_duplicate_id = -32600;        // = mcp::code_duplicate_id

struct pool_session_options {
  std::string server_name = "mcp-gateway";  // serverInfo.name
  std::string server_version = "0";         // serverInfo.version
  std::optional<std::string> instructions{};
  std::size_t page_size = 100;           // entries per */list page
  std::size_t max_in_flight = 1024;      // client requests open at once
  std::size_t max_client_requests = 64;  // members' requests waiting for the client
  std::chrono::milliseconds list_changed_debounce{std::chrono::seconds(1)};
};

struct pool_action {
  enum class kind {
    to_member,      // member, msg: send it on that member's upstream session
    to_client,      // msg: to the downstream client (the session_core's from_upstream)
    relist_member,  // member, list: that member's list may have changed; refresh the shared
                    // catalog if needed, then call catalog_changed(list) on every session
    wake_at,        // at: call tick() then (replaces any earlier wake_at of this session)
  };
  kind what = kind::to_client;
  std::size_t member = 0;
  list_kind list = list_kind::tools;
  bool changed = false;  // relist_member: the member said the list changed (else: it came up)
  mcp::message msg{};
  clock_time at{};
};

class pool_session {
 public:
  // One state per member the catalog declares (catalog.members(), in order).
  pool_session(const catalog& c, pool_session_options o);

  // --- inputs ---------------------------------------------------------------------------
  // A client message: request, notification, or response to a member's request.
  void from_client(mcp::message m);
  // The driver initialized member `i`: its initialize result. Requests waiting for it go out,
  // and a relist_member follows for each list it announces (the driver skips the lists its
  // shared catalog holds fresh; if one changes, catalog_changed tells the client).
  void member_up(std::size_t i, const boost::json::object& initialize_result);
  // Member `i` could not be reached or its session ended: its requests in flight are answered
  // with an error naming it, and so is every request routed to it until it is up again.
  void member_failed(std::size_t i, std::string_view reason);
  // A message from member `i`'s upstream session.
  void from_member(std::size_t i, mcp::message m);
  // The driver rebuilt the shared catalog and list `k` changed.
  void catalog_changed(list_kind k, clock_time now);
  // The time a wake_at named has come.
  void tick(clock_time now);
  // Continues a session whose initialize another gateway replica answered (a sealed session
  // id opened here): the client is initialized; list_changed reaches it from now on.
  void resume() { initialized_ = true; }

  // The revision the core answers a client's initialize with: the one asked for if it is a
  // handshake revision this build knows, else the newest handshake revision.
  [[nodiscard]] static std::string_view negotiate(const mcp::message& initialize);

  // --- actions ---------------------------------------------------------------------------
  bool next(pool_action& out);

  // --- state ------------------------------------------------------------------------------
  [[nodiscard]] bool initialized() const { return initialized_; }
  [[nodiscard]] const boost::json::object& client_capabilities() const { return client_caps_; }
  [[nodiscard]] bool member_is_up(std::size_t i) const;
  [[nodiscard]] std::size_t in_flight() const { return requests_.size(); }
  [[nodiscard]] std::size_t client_requests() const { return server_requests_.size(); }
  [[nodiscard]] std::size_t dropped_from_member(std::size_t i) const;
  [[nodiscard]] std::size_t dropped_from_members() const;
  [[nodiscard]] std::size_t dropped_from_client() const { return dropped_client_; }

  // Late answers remembered per session (see the guarantees).
  static constexpr std::size_t max_retired = 256;

 private:
  enum class status { pending, up, down };
  struct member_state {
    status st = status::pending;
    boost::json::object capabilities{};
    std::string reason{};
    std::deque<std::pair<std::int64_t, mcp::message>> waiting{};  // until it is up
    std::size_t dropped = 0;
  };
  struct client_request {  // a client request the core has not answered yet
    boost::json::value id;
    std::optional<boost::json::value> progress_token;
    std::vector<std::int64_t> upstream;  // its requests to members, still unanswered
    bool fan_out = false;                // answered {} once every member answered
  };
  struct upstream_request {
    std::size_t member = 0;
    std::string request;  // key of requests_
  };
  struct server_request {  // a member's request waiting for the client
    std::size_t member = 0;
    boost::json::value id;                             // the member's own id
    std::optional<boost::json::value> progress_token;  // the member's own token
  };
  static constexpr std::size_t notify_kinds = 3;  // tools, prompts, resources (+ templates)
  struct debounce {
    std::optional<clock_time> last_sent;
    bool due = false;
  };

  // client side (pool_session.cpp)
  void client_request_in(mcp::message m);
  void client_notification(const mcp::message& m);
  void client_response(mcp::message m);
  void answer_initialize(const mcp::message& m);
  void answer_list(const mcp::message& m, list_kind k);
  void route_named(mcp::message m, bool tool);
  void route_uri(mcp::message m);
  void route_completion(mcp::message m);
  void fan_out(const mcp::message& m);
  void dispatch(std::size_t member, mcp::message m);
  bool open_request(const mcp::message& m, bool fan_out);
  void send(std::size_t member, const std::string& key, mcp::message m);
  void cancel(const mcp::message& m);
  // member side (pool_member.cpp)
  void member_response(std::size_t i, mcp::message m);
  void member_request(std::size_t i, mcp::message m);
  void member_notification(std::size_t i, mcp::message m);
  void relist(std::size_t i, const boost::json::object& capabilities);
  std::optional<boost::json::value> forget(const std::string& key);  // returns the client's id
  void fail_request(const std::string& key, int code, std::string_view text);
  void retire(std::int64_t upstream_id);
  void drop(std::size_t i);
  void flush_list_changed(clock_time now);
  // both
  void to_client(mcp::message m) { push({.what = pool_action::kind::to_client, .msg = std::move(m)}); }
  void answer(const boost::json::value& id, boost::json::object result);
  void error(const boost::json::value& id, int code, std::string_view text);
  [[nodiscard]] std::string member_down_text(std::size_t i) const;
  // The member a name the catalog does not know would belong to, if that member is down: the
  // one with the longest prefix the name starts with (with priority, the first one down).
  [[nodiscard]] std::optional<std::size_t> down_member_for(std::string_view name) const;
  void push(pool_action a) { actions_.push_back(std::move(a)); }

  const catalog* catalog_;
  pool_session_options opts_;
  std::vector<member_state> members_;
  bool initialized_ = false;
  boost::json::object client_caps_;
  std::map<std::string, client_request> requests_;          // by id_key of the client's id
  std::map<std::int64_t, upstream_request> upstream_;       // by the id a member was sent
  std::map<std::int64_t, server_request> server_requests_;  // by the id the client was sent
  std::set<std::int64_t> retired_;
  std::deque<std::int64_t> retired_order_;
  std::int64_t next_upstream_id_ = 1;
  std::int64_t next_client_id_ = 1;
  std::size_t dropped_client_ = 0;
  std::array<debounce, notify_kinds> list_changed_{};
  std::optional<clock_time> wake_{};
  std::deque<pool_action> actions_;
};

}  // namespace gateway
