// Serves 2026-07-28 (stateless) requests from a child the bridge initializes itself: the
// child speaks a handshake-era revision over stdio. The protocol is the session core's: each
// request is a stateless mcp::session_core of its own (its stream, its deadline, its progress;
// closing the stream cancels it, the 2026-07-28 way), and all of them share the child through
// one stateless mcp::upstream_mux (initialize performed once, `server/discover` answered from
// its result, ids and progress tokens remapped so concurrent clients never see each other's
// answers, the child's requests refused: that revision has no server-to-client requests).
// This driver owns the child, the timers and the streams. The child is started on first use
// and restarted after it dies; requests pending at its death get a JSON-RPC error.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>

#include "link.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/session_core.hpp"
#include "mcp/upstream_mux.hpp"
#include "metrics.hpp"
#include "outbound.hpp"

namespace bridge {

class stateless_backend {
 public:
  stateless_backend(const boost::asio::any_io_executor& ex, link_factory make_link, metrics& m,
                    std::chrono::milliseconds request_timeout);
  ~stateless_backend();
  stateless_backend(const stateless_backend&) = delete;
  stateless_backend& operator=(const stateless_backend&) = delete;

  // Serves with this child (already spawned, maybe warm) instead of starting one, and never
  // restarts it: per-session mode gives every 2026-07-28 request a backend of its own.
  void adopt(std::shared_ptr<server_link> child);
  // Answers one request on `o` (which ends after the answer). A request that waits for the
  // child to start gets the request timeout too.
  void submit(mcp::message request, std::shared_ptr<outbound> o);
  // The client closed `o` early: cancel its request in the child.
  void detach(outbound& o);
  void stop();
  [[nodiscard]] std::size_t pending() const { return requests_.size(); }

 private:
  struct request_slot {
    request_slot(const boost::asio::any_io_executor& ex, mcp::session_core c, std::shared_ptr<outbound> o)
        : core(std::move(c)), stream(std::move(o)), deadline(ex) {}
    mcp::session_core core;
    std::shared_ptr<outbound> stream;
    mcp::stream_id stream_id = 0;
    boost::asio::steady_timer deadline;
    bool done = false;
  };

  void ensure_child();
  void start_child(std::shared_ptr<server_link> c);
  // Performs the actions of every request's core and of the mux until none is left.
  void pump();
  void perform(std::uint64_t key, request_slot& r, mcp::action& a);
  void perform(mcp::mux_action& a);
  static void deliver(outbound& o, const std::string& json);

  boost::asio::any_io_executor ex_;
  link_factory make_link_;
  metrics& metrics_;
  std::chrono::milliseconds request_timeout_;
  std::shared_ptr<server_link> child_;
  bool stopped_ = false;
  bool single_child_ = false;
  bool pumping_ = false;
  mcp::upstream_mux mux_{mcp::mux_options{.stateless = true}};
  std::map<std::uint64_t, std::unique_ptr<request_slot>> requests_;  // by mux session key
  std::uint64_t next_key_ = 1;
};

}  // namespace bridge
