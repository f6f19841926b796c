// Serves 2026-07-28 (stateless) requests from a child the bridge initializes itself: the
// child speaks a handshake-era revision over stdio, so the bridge performs `initialize`
// once, answers `server/discover` from the child's initialize result, and forwards every
// other request with a fresh child-side id (mcp::id_remapper), so concurrent clients never
// see each other's answers. Each request's progress notifications follow it on its own
// stream; closing that stream cancels the request (the 2026-07-28 way to cancel). The
// child cannot ask a stateless client anything (no sampling, elicitation or roots: that
// revision has no server-to-client requests), so such requests are refused to the child
// at once instead of leaving it waiting. The child is started on first use and restarted
// after it dies; requests pending at its death get a JSON-RPC error.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>

#include "child.hpp"
#include "mcp/id_remap.hpp"
#include "mcp/jsonrpc.hpp"
#include "outbound.hpp"

namespace bridge {

class stateless_backend {
 public:
  stateless_backend(const boost::asio::any_io_executor& ex, child_config config, reaper& r, metrics& m,
                    std::chrono::milliseconds request_timeout);
  ~stateless_backend();
  stateless_backend(const stateless_backend&) = delete;
  stateless_backend& operator=(const stateless_backend&) = delete;

  // Serves with this child (already spawned, maybe warm) instead of starting one, and never
  // restarts it: per-session mode gives every 2026-07-28 request a backend of its own.
  void adopt(std::shared_ptr<child_process> child);
  // Answers one request on `o` (which ends after the answer). A request that waits for the
  // child to start gets the request timeout too.
  void submit(mcp::message request, std::shared_ptr<outbound> o);
  // The client closed `o` early: cancel its request in the child.
  void detach(outbound& o);
  void stop();
  [[nodiscard]] std::size_t pending() const { return inflight_.size() + waiting_.size(); }

 private:
  struct inflight {
    std::shared_ptr<outbound> stream;
    boost::json::value client_id;
    std::string method;
    std::optional<std::string> progress_token;
    std::chrono::steady_clock::time_point started;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  void ensure_child();
  void start_child(std::shared_ptr<child_process> c);
  void fail_waiting(std::string_view why);
  void dispatch(mcp::message request, const std::shared_ptr<outbound>& o);
  void from_child(mcp::message m);
  void child_exited();
  void finish(std::int64_t child_id, const std::string& json);
  static void deliver(outbound& o, const std::string& json);

  boost::asio::any_io_executor ex_;
  child_config config_;
  reaper& reaper_;
  metrics& metrics_;
  std::chrono::milliseconds request_timeout_;
  std::shared_ptr<child_process> child_;
  bool ready_ = false;
  bool stopped_ = false;
  boost::json::object init_result_;
  struct waiting_request {
    mcp::message request;
    std::shared_ptr<outbound> stream;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  std::map<std::uint64_t, waiting_request> waiting_;  // by arrival
  std::uint64_t next_waiting_ = 1;
  bool single_child_ = false;
  mcp::id_remapper ids_;
  std::map<std::int64_t, inflight> inflight_;
  std::uint64_t next_serial_ = 1;
};

}  // namespace bridge
