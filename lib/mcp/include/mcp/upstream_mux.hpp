// One upstream (a stdio child) shared by many downstream sessions, as a sans-I/O state
// machine: the bridge's shared mode and its 2026-07-28 (stateless) backend. The mux performs
// the upstream's initialize itself, once, and answers each session's `initialize` (shared
// mode) or `server/discover` (stateless) from that result; every request gets a fresh
// upstream id and progress token (mcp::id_remapper), so sessions never see each other's
// answers or progress; the upstream's requests are refused at once (which client would
// answer?), except ping; its other notifications go to every session (shared) or nowhere
// (stateless: that revision has no session-wide stream). Messages that arrive before the
// upstream is ready wait, at most max_waiting of them.
// Inputs: attach/detach of sessions, a session's upstream-bound messages (what a
// session_core emitted as send_upstream), the upstream's messages, its start, failure and
// exit. Actions: write to the upstream, hand a message to one session's core, end a session,
// ask for an upstream. No clock: deadlines are the sessions' (session_core).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "mcp/id_remap.hpp"
#include "mcp/jsonrpc.hpp"

namespace mcp {

using session_key = std::uint64_t;

struct mux_options {
  bool stateless = false;  // 2026-07-28 clients: server/discover, no broadcasts
  std::size_t max_waiting = 1024;
};

struct mux_action {
  enum class kind {
    to_upstream,    // text: one line for the upstream's stdin
    to_session,     // session, msg: feed it to that session's core (from_upstream)
    end_session,    // session, text = reason: the upstream is gone for it (core.close)
    need_upstream,  // messages wait and no upstream is starting: start one
  };
  kind what = kind::to_upstream;
  session_key session = 0;
  message msg{};
  std::string text{};
};

class upstream_mux {
 public:
  explicit upstream_mux(mux_options o) : opts_(o) {}

  // Sessions the upstream's messages may go to.
  void attach(session_key s);
  // The session ended: its requests in flight are cancelled upstream, its waiting ones dropped.
  void detach(session_key s);
  // A message a session sends upstream (its ids are the client's).
  void from_session(session_key s, message m);

  // A fresh upstream: the mux initializes it (the driver spawned it after need_upstream).
  void upstream_started();
  // No upstream could be started: waiting requests fail with `reason`.
  void upstream_failed(std::string_view reason);
  // The upstream exited. Shared: every session ends. Stateless: requests in flight end,
  // waiting ones stay for the next upstream.
  void upstream_exited(std::string_view reason);
  void from_upstream(message m);

  bool next(mux_action& out);

  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] bool starting() const { return starting_; }
  [[nodiscard]] std::size_t in_flight() const { return ids_.in_flight(); }
  [[nodiscard]] std::size_t waiting() const { return waiting_.size(); }
  [[nodiscard]] std::size_t sessions() const { return sessions_.size(); }
  [[nodiscard]] bool attached(session_key s) const { return sessions_.contains(s); }
  [[nodiscard]] const boost::json::object& initialize_result() const { return init_result_; }

  // The id of the mux's own initialize request.
  static constexpr std::string_view init_id = "mcp-bridge-initialize";

 private:
  void dispatch(session_key s, message m);
  void forward(session_key s, message m);
  void answer_initialize(session_key s, const message& request);
  void answer_discover(session_key s, const message& request);
  void fail(session_key s, const boost::json::value& id, int code, std::string_view text);
  void initialized(const message& response);
  void to_upstream(std::string line) { push({.what = mux_action::kind::to_upstream, .text = std::move(line)}); }
  void push(mux_action a) { actions_.push_back(std::move(a)); }

  mux_options opts_;
  bool ready_ = false;
  bool starting_ = false;
  boost::json::object init_result_;
  std::set<session_key> sessions_;
  std::deque<std::pair<session_key, message>> waiting_;
  id_remapper ids_;
  struct progress_route {
    session_key session = 0;
    boost::json::value token;  // as the session's client chose it
  };
  std::map<std::int64_t, progress_route> progress_;  // by upstream request id (= upstream token)
  std::deque<mux_action> actions_;
};

}  // namespace mcp
