// One downstream session of the gateway, as the front end sees it: a bridge::server_link
// (so the bridge's sessions, streams, limits and revisions serve it unchanged) that drives a
// gateway::pool_session in front of one upstream session per enabled member.
//
// A new session: the client's initialize is held while every enabled member gets an
// upstream session on the endpoint the directory picks (initialize, then
// notifications/initialized), at most --member-timeout; then it goes to the core, which
// answers it with the union of the members up. Members that failed are answered for by the
// core (each call to them an error naming them). The session's id is then sealed: the
// negotiated revision, the lifetime, and per member up its endpoint and upstream session id.
//
// A continued session (an id this replica did not issue, or one it swept as idle): the id
// opens with the keyring; each bound member's upstream session is resumed as it is (no
// initialize; capabilities from the directory's probe), a member the id does not name (one
// added since) gets a fresh upstream session, and an id bound to an endpoint the pool no
// longer has does not open (404: the client initializes again, as the spec says).
//
// Members speak the newest handshake revision to the gateway whatever the client speaks,
// so a replica continuing a session knows each member's revision from its probe.
//
// Ending: the client's DELETE terminates (the upstream sessions are deleted); the idle sweep
// and a shutdown release (the upstream sessions stay for another replica to continue).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/pool_session.hpp"
#include "gateway/session_record.hpp"
#include "http_link.hpp"
#include "link.hpp"
#include "pool_directory.hpp"

namespace gw {


class pool_link final : public bridge::server_link, public std::enable_shared_from_this<pool_link> {
 public:
  explicit pool_link(std::shared_ptr<pool_directory> dir);
  ~pool_link() override;
  pool_link(const pool_link&) = delete;
  pool_link& operator=(const pool_link&) = delete;

  // Continues the session `r` describes (see above); false if it cannot be continued here.
  bool resume(const gateway::session_record& r);

  void send(std::string json) override;
  void terminate() override;
  void release() override;
  void on_started(std::function<void()> fn, std::chrono::milliseconds limit) override;
  [[nodiscard]] pid_t pid() const override { return -1; }
  [[nodiscard]] bool alive() const override { return !ended_; }
  [[nodiscard]] std::uint64_t serial() const override { return serial_; }

  // The sealed session id, once the members settled (nullopt if the session ended first or
  // sealing failed: the front end's random id stays, and the session lives on this replica).
  boost::asio::awaitable<std::optional<std::string>> sealed_id();
  // The directory's catalog changed list `k`.
  void catalog_changed(gateway::list_kind k);

 private:
  enum class member_state { none, initializing, up, down };
  struct member {
    std::shared_ptr<bridge::http_link> link;
    pool_directory::endpoint_ptr endpoint;
    member_state state = member_state::none;
    std::size_t open = 0;  // requests sent, not answered yet
  };

  void client_message(mcp::message m);
  void open_member(std::size_t i, const boost::json::object& client_capabilities);
  void attach(std::size_t i);
  void member_message(std::size_t i, mcp::message m);
  void member_gone(std::size_t i, const std::string& why);
  void settle_if_done();
  void settle();
  void pump();
  void end_links(bool terminate);

  std::shared_ptr<pool_directory> dir_;
  boost::asio::any_io_executor ex_;
  std::uint64_t serial_;
  gateway::pool_session core_;
  std::vector<member> members_;
  std::optional<mcp::message> held_initialize_;
  std::deque<mcp::message> held_;  // what the client sent after initialize, until settled
  std::string revision_;           // negotiated with the client
  bool is_settled_ = false;
  bool ended_ = false;
  bool pumping_ = false;
  boost::asio::steady_timer settle_timer_;  // --member-timeout for the members' initialize
  boost::asio::steady_timer settled_;       // never expires: cancelled at settle, wakes sealed_id()
  boost::asio::steady_timer wake_timer_;    // the core's wake_at
};

}  // namespace gw
