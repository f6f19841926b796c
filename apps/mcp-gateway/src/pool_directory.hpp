// What one gateway replica knows about its pool, shared by every session it serves: the
// members and their endpoints (each replica of a member is its own upstream), the shared
// catalog of their tools, prompts and resources, and the keyring that seals session ids.
//
// Each enabled member has a probe: an upstream MCP session of the replica's own on one of
// the member's endpoints. It initializes (the member's capabilities and revision, which
// sessions continued on this replica reuse), lists every list the member announces (all
// pages), lists again when the member says a list changed, and pings every 5 s. A probe
// that fails (no answer to initialize within --member-timeout, a failed ping, its session
// ended) takes the member's entries out of the catalog, ejects that endpoint for 5 s, and
// starts again on the next endpoint after 1 s, 2 s, 4 s ... at most 10 s. Every change of
// the aggregate reaches the sessions (pool_link::catalog_changed), which tell their clients.
//
// Endpoints are picked for new upstream sessions by least outstanding requests (ties
// rotate), skipping ejected ones unless all are; a session's pick is sealed into its id.
// A member's endpoints change in place (set_endpoints: pods come, go, turn unready): an
// endpoint is a shared object, so a session keeps the one it was given while the directory
// forgets it. New sessions go to ready endpoints only; a session id bound to an endpoint that
// is known but not ready (its readiness probe failing for a while) still opens, one bound to
// an endpoint the member no longer has does not (404: the client initializes again).
// What the directory cannot change in place (the members, their names and filters, the
// conflict resolution) makes a new directory (pool_runtime.hpp); this one is then retired:
// its probes stop, and the sessions opened on it keep its catalog until they end.
//
// The keyring: --keyring-dir (a mounted Secret: files k<N> and current) is read at start and
// again every 5 s, so a rotation the operator makes reaches the replica without a restart;
// a ring that stops parsing keeps the last good one (and says so in the log). Without
// --keyring-dir the replica makes a random key of its own: its session ids open only on it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/catalog.hpp"
#include "gateway/keyring.hpp"
#include "gateway/least_outstanding.hpp"
#include "http_link.hpp"
#include "pool_options.hpp"

namespace gw {

class pool_link;

class pool_directory : public std::enable_shared_from_this<pool_directory> {
 public:
  // One upstream endpoint of a member (a pod, or a remote URL).
  struct endpoint {
    std::string id;  // "address:port", as the session record stores it
    std::shared_ptr<bridge::http_pool> http;
    std::size_t outstanding = 0;
    std::chrono::steady_clock::time_point ejected_until{};
    bool serving = true;  // false: the member no longer has it (sessions on it may finish)
    bool ready = true;    // false: known (sessions bound to it continue) but new ones avoid it
  };
  using endpoint_ptr = std::shared_ptr<endpoint>;

  pool_directory(const boost::asio::any_io_executor& ex, pool_options o);
  pool_directory(const pool_directory&) = delete;
  pool_directory& operator=(const pool_directory&) = delete;

  // Loads the keyring (false: it cannot be read; the error is logged) and starts the probes.
  bool start();
  // Whether --keyring-dir holds a valid ring: empty, or why not (before serving anything).
  static std::string check_keyring(const pool_options& o);
  // Stops the probes and the keyring's reload; sessions opened here go on (a newer directory
  // serves new sessions).
  void retire();
  // retire(), and closes the idle connections to every endpoint (shutdown).
  void stop();

  // /readyz: every enabled member's probe has failed, or come up and listed, at least once.
  [[nodiscard]] bool ready() const;
  [[nodiscard]] const gateway::catalog& catalog() const { return catalog_; }
  [[nodiscard]] const gateway::keyring& keyring() const { return *ring_; }
  [[nodiscard]] const pool_options& options() const { return opts_; }
  [[nodiscard]] boost::asio::any_io_executor executor() const { return ex_; }
  [[nodiscard]] std::size_t member_count() const { return members_.size(); }
  // The member's initialize result as its probe got it, or nullptr while the probe is not up.
  [[nodiscard]] const boost::json::object* member_hello(std::size_t member) const;

  // The ready endpoint a new upstream session of `member` goes to; null when it has none.
  endpoint_ptr pick(std::size_t member);
  // The member's endpoint of that id, ready or not, if the member still has it.
  [[nodiscard]] endpoint_ptr find_endpoint(std::size_t member, std::string_view id) const;
  // A new link to that endpoint (nothing sent yet).
  std::shared_ptr<bridge::http_link> open_link(const endpoint_ptr& ep);
  static void requests_started(endpoint& ep, std::size_t n = 1) { ep.outstanding += n; }
  static void requests_ended(endpoint& ep, std::size_t n = 1) { ep.outstanding = ep.outstanding > n ? ep.outstanding - n : 0; }
  // The endpoint could not be reached: no new session picks it for 5 s.
  static void eject(endpoint& ep);

  // The member's endpoints are now these (same ids keep their state and sessions; a probe
  // whose endpoint left or turned unready moves to a ready one). `note` says why a member has none (a missing
  // MCPServer, no ready pod), for sessions' errors and status.
  void set_endpoints(std::size_t member, const std::vector<member_endpoint>& eps, std::string note);
  // Why the member has no session: its note, or its probe's last failure ("" when it is up).
  [[nodiscard]] std::string member_error(std::size_t member) const;
  // GET /pool: the replica's view of its members, tools and conflicts (MCPPool status).
  [[nodiscard]] std::string status_json(std::string_view pool, std::int64_t generation) const;
  // The samples of mcp_gateway_member_up and mcp_gateway_member_tools for /metrics, one per
  // enabled member (a disabled one is left out, not down).
  [[nodiscard]] std::string member_samples() const;

  // A session asks for a member's list again: `changed` (the member said so) lists it now
  // (or after the listing in flight); otherwise only if the probe has not listed it yet.
  void relist(std::size_t member, gateway::list_kind k, bool changed);
  // Sessions that hear of catalog changes (held weakly).
  void add_session(const std::shared_ptr<pool_link>& s);

 private:
  struct listing {
    gateway::list_kind kind = gateway::list_kind::tools;
    boost::json::array items;
    std::size_t pages = 0;
  };
  struct member_state {
    std::vector<endpoint_ptr> endpoints;  // every known one, ready or not
    gateway::round_robin_cursor cursor;
    std::string note;        // why it has no endpoint
    std::string last_error;  // the probe's last failure
    // the probe
    std::shared_ptr<bridge::http_link> probe;
    endpoint_ptr probe_endpoint;
    std::uint64_t probe_generation = 0;  // a new probe ignores the old one's late callbacks
    std::optional<boost::json::object> hello;
    bool attempted = false;  // failed, or came up and listed, at least once
    unsigned failures = 0;
    std::array<bool, gateway::list_kinds> listed{};
    std::array<bool, gateway::list_kinds> listing_now{};
    std::array<bool, gateway::list_kinds> again{};
    std::array<std::string, gateway::list_kinds> last_text{};  // the list as last stored
    std::map<std::int64_t, listing> pending;                    // list requests in flight
    std::optional<std::int64_t> ping_in_flight;
    std::int64_t next_id = 1;
    std::unique_ptr<boost::asio::steady_timer> timer;  // init deadline, ping, restart
  };

  void start_probe(std::size_t i);
  void drop_probe(std::size_t i);
  [[nodiscard]] bool any_ready(std::size_t i) const;
  void forget_member_lists(std::size_t i);
  void probe_message(std::size_t i, std::uint64_t gen, const mcp::message& m);
  void probe_failed(std::size_t i, std::uint64_t gen, const std::string& why);
  void probe_up(std::size_t i, const boost::json::object& result);
  void list(std::size_t i, gateway::list_kind k, std::optional<std::string> cursor, listing acc);
  void listed(std::size_t i, listing acc);
  void schedule_ping(std::size_t i, std::uint64_t gen);
  void changed(gateway::list_kind k);
  bool load_keyring(bool first);
  void watch_keyring();

  boost::asio::any_io_executor ex_;
  const pool_options opts_;
  gateway::catalog catalog_;
  std::vector<member_state> members_;
  std::optional<gateway::keyring> ring_;
  std::map<std::string, std::string> ring_files_;  // what the ring was last loaded from
  boost::asio::steady_timer keyring_timer_;
  std::vector<std::weak_ptr<pool_link>> sessions_;
  bool stopped_ = false;
};

}  // namespace gw
