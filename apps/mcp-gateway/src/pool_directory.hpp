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
  pool_directory(const boost::asio::any_io_executor& ex, const pool_options& o);
  pool_directory(const pool_directory&) = delete;
  pool_directory& operator=(const pool_directory&) = delete;

  // Loads the keyring (false: it cannot be read; the error is logged) and starts the probes.
  bool start();
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

  // The endpoint a new upstream session of `member` goes to; none when it has no endpoint.
  std::optional<std::size_t> pick(std::size_t member);
  [[nodiscard]] std::optional<std::size_t> endpoint_index(std::size_t member, std::string_view id) const;
  [[nodiscard]] const std::string& endpoint_id(std::size_t member, std::size_t endpoint) const;
  // A new link to that endpoint (nothing sent yet).
  std::shared_ptr<bridge::http_link> open_link(std::size_t member, std::size_t endpoint);
  void requests_started(std::size_t member, std::size_t endpoint, std::size_t n = 1);
  void requests_ended(std::size_t member, std::size_t endpoint, std::size_t n = 1);
  // The endpoint could not be reached: no new session picks it for 5 s.
  void eject(std::size_t member, std::size_t endpoint);

  // A session asks for a member's list again: `changed` (the member said so) lists it now
  // (or after the listing in flight); otherwise only if the probe has not listed it yet.
  void relist(std::size_t member, gateway::list_kind k, bool changed);
  // Sessions that hear of catalog changes (held weakly).
  void add_session(const std::shared_ptr<pool_link>& s);

 private:
  struct endpoint_state {
    std::string id;
    std::shared_ptr<bridge::http_pool> http;
    std::size_t outstanding = 0;
    std::chrono::steady_clock::time_point ejected_until{};
  };
  struct listing {
    gateway::list_kind kind = gateway::list_kind::tools;
    boost::json::array items;
    std::size_t pages = 0;
  };
  struct member_state {
    std::vector<endpoint_state> endpoints;
    gateway::round_robin_cursor cursor;
    // the probe
    std::shared_ptr<bridge::http_link> probe;
    std::size_t probe_endpoint = 0;
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
  const pool_options& opts_;
  gateway::catalog catalog_;
  std::vector<member_state> members_;
  std::optional<gateway::keyring> ring_;
  std::map<std::string, std::string> ring_files_;  // what the ring was last loaded from
  boost::asio::steady_timer keyring_timer_;
  std::vector<std::weak_ptr<pool_link>> sessions_;
  bool stopped_ = false;
};

}  // namespace gw
