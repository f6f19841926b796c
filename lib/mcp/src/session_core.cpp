#include "mcp/session_core.hpp"

#include <boost/json/serialize.hpp>

namespace mcp {
namespace json = boost::json;

namespace {

const json::value* param(const message& m, std::string_view key) {
  const auto* params = m.body.if_contains("params");
  const auto* p = params ? params->if_object() : nullptr;
  return p ? p->if_contains(key) : nullptr;
}

// Moves `from` into `to`, field by field, and a message or string only when either side holds
// one: most actions carry only a kind and a stream, and even moving an empty json::object is an
// out-of-line call. `to` ends up equal to what `from` was, whatever it held before.
void take(action& to, action& from) {
  to.what = from.what;
  to.stream = from.stream;
  if (!from.msg.body.empty() || !to.msg.body.empty()) {
    to.msg = std::move(from.msg);
  } else {
    to.msg.kind = from.msg.kind;
  }
  const auto move_text = [](std::string& t, std::string& f) {
    if (!f.empty() || !t.empty()) {
      t = std::move(f);
    }
  };
  move_text(to.text, from.text);
  to.at = from.at;
  to.elapsed = from.elapsed;
  move_text(to.tool, from.tool);
  move_text(to.outcome, from.outcome);
}
// take() names every field: a new one must be added there too.
static_assert(sizeof(action) == sizeof(action::kind) + 4 + sizeof(stream_id) + sizeof(message) + sizeof(clock_time) +
                                    sizeof(std::chrono::steady_clock::duration) + 3 * sizeof(std::string));

}  // namespace

std::optional<std::string> progress_token_key(const message& m) {
  const auto* meta = param(m, "_meta");
  const auto* mo = meta ? meta->if_object() : nullptr;
  const auto* token = mo ? mo->if_contains("progressToken") : nullptr;
  if (!token) {
    return std::nullopt;
  }
  return id_key(*token);
}

stream_id session_core::new_stream(bool json, bool attached) {
  const stream_id s = next_stream_++;
  streams_[s] = stream_state{json, attached};
  return s;
}

stream_id session_core::open_stream(bool json, clock_time now) {
  last_activity_ = now;
  if (closed_) {
    return 0;
  }
  return new_stream(json, true);
}

std::optional<stream_id> session_core::attach_standalone(clock_time now) {
  last_activity_ = now;
  if (closed_ || opts_.flavor == session_flavor::stateless) {
    return std::nullopt;
  }
  if (!standalone_) {
    standalone_ = new_stream(false, false);
  }
  auto& st = streams_.at(*standalone_);
  if (st.attached) {
    return std::nullopt;
  }
  st.attached = true;
  st.overflowed = false;
  return standalone_;
}

session_core::resume_result session_core::resume(stream_id stream, clock_time now) {
  last_activity_ = now;
  auto it = streams_.find(stream);
  if (closed_ || it == streams_.end()) {
    return resume_result::replay_only;
  }
  if (it->second.attached && standalone_ == stream) {
    return resume_result::refused;
  }
  // The driver requeues what was missed from its replay buffer: the live queue starts empty.
  it->second.attached = true;
  it->second.overflowed = false;
  it->second.queued = 0;
  return resume_result::attached;
}

void session_core::detach(stream_id stream, clock_time now) {
  last_activity_ = now;
  auto it = streams_.find(stream);
  if (it == streams_.end()) {
    return;
  }
  it->second.attached = false;
  it->second.overflowed = false;  // from now on the driver trims it instead
  if (opts_.flavor == session_flavor::stateless && !it->second.done) {
    // 2026-07-28 has no notifications/cancelled from the client: closing the stream is it.
    for (auto p = pending_.begin(); p != pending_.end();) {
      if (p->second.stream == stream) {
        cancel_upstream(p->second.id, "client closed the stream");
        p = pending_.erase(p);
      } else {
        ++p;
      }
    }
    it->second.done = true;
    rearm();
  }
  if (it->second.done && standalone_ != stream) {
    streams_.erase(it);
  }
  // A 2024-11-05 session lives exactly as long as its /sse stream.
  if (opts_.flavor == session_flavor::legacy_sse && standalone_ == stream) {
    close("client closed the SSE stream", now);
  }
}

void session_core::drained(stream_id stream, std::size_t bytes) {
  auto it = streams_.find(stream);
  if (it != streams_.end()) {
    it->second.queued -= std::min(bytes, it->second.queued);
  }
}

void session_core::from_client(std::vector<message> batch, stream_id stream, clock_time now) {
  last_activity_ = now;
  if (closed_) {
    return;
  }
  if (stream != 0 && (!streams_.contains(stream) || streams_.at(stream).done)) {
    stream = 0;  // a stream the core never opened (or already finished) carries nothing
  }
  for (auto& m : batch) {
    client_message(std::move(m), stream, now);
  }
  // Every request of the POST was refused: the stream owes nothing and ends now (else the
  // client would wait for the session to end).
  if (stream != 0 && stream != standalone_ && streams_.contains(stream) && streams_.at(stream).awaiting == 0) {
    finish(stream);
  }
}

void session_core::client_message(message m, stream_id stream, clock_time now) {
  if (m.is_request() && stream != 0) {
    std::string key = id_key(m.id());
    if (pending_.contains(key)) {
      deliver(stream, error_response(m.id(), code_duplicate_id, "a request with this id is already in progress"));
      return;
    }
    if (pending_.size() >= opts_.max_pending) {
      deliver(stream, error_response(m.id(), code_too_many_pending, "too many requests in progress"));
      return;
    }
    client_request(m, std::move(key), stream, now);
  } else if (m.method() == "notifications/cancelled") {
    client_cancel(m);
  }
  send_upstream(std::move(m));
}

void session_core::client_request(message& m, std::string key, stream_id stream, clock_time now) {
  std::string tool;
  if (m.method() == "tools/call") {
    if (const auto* name = param(m, "name"); name != nullptr && name->is_string())
      tool = std::string(name->get_string().subview(0, std::min(name->get_string().size(), max_tool_label)));
  }
  pending_request p{stream,
                    m.id(),
                    std::string(m.method()),
                    std::move(tool),
                    progress_token_key(m),
                    now,
                    now + opts_.request_timeout};
  ++streams_.at(stream).awaiting;
  pending_.emplace(std::move(key), std::move(p));
  rearm();
}

void session_core::client_cancel(const message& m) {
  // The upstream will not answer a cancelled request: stop waiting for it.
  const auto* rid = param(m, "requestId");
  if (!rid) {
    return;
  }
  auto it = pending_.find(id_key(*rid));
  if (it == pending_.end()) {
    return;
  }
  const stream_id s = it->second.stream;
  pending_.erase(it);
  if (auto st = streams_.find(s); st != streams_.end() && st->second.awaiting > 0 && --st->second.awaiting == 0) {
    finish(s);
  }
  rearm();
}

void session_core::from_upstream(const message& m, clock_time now) {
  last_activity_ = now;
  if (closed_) {
    return;
  }
  if (m.is_response()) {
    const std::string key = id_key(m.id());
    auto it = pending_.find(key);
    if (it == pending_.end()) {
      ++unmatched_;  // timed out or cancelled already (the client was answered), or forged
      return;
    }
    if (it->second.method == "initialize" && m.kind == message_kind::response) {
      revision_ = negotiated_revision(m);
    }
    std::string_view outcome = "ok";
    if (m.kind == message_kind::error_response) {
      outcome = "error";
    } else if (const auto* r = m.body.if_contains("result"); r != nullptr && r->is_object()) {
      const auto* e = r->get_object().if_contains("isError");
      if (e != nullptr && e->is_bool() && e->get_bool())
        outcome = "error";  // a tool's own failure
    }
    if (opts_.flavor == session_flavor::stateless) {
      json::object body = m.body;
      to_stateless_result(it->second.method, body);
      answer(key, json::serialize(body), now, outcome);
    } else {
      answer(key, serialize(m), now, outcome);
    }
    return;
  }
  if (auto target = route(m)) {
    deliver(*target, serialize(m));
  }
}

std::optional<stream_id> session_core::route(const message& m) {
  if (opts_.flavor == session_flavor::legacy_sse) {
    return standalone_;
  }
  if (m.method() == "notifications/progress") {
    if (const auto* token = param(m, "progressToken")) {
      const std::string key = id_key(*token);
      for (const auto& [k, p] : pending_) {
        if (p.progress_token == key && !streams_.at(p.stream).json) {
          return p.stream;
        }
      }
    }
  }
  if (opts_.flavor == session_flavor::stateless) {
    return std::nullopt;  // 2026-07-28 has no stream for anything else
  }
  // The upstream's requests and notifications most likely relate to the newest request in
  // progress; a JSON-mode POST cannot carry them, so skip those.
  std::optional<stream_id> newest;
  for (const auto& [k, p] : pending_) {
    const auto& st = streams_.at(p.stream);
    if (!st.json && !st.done && (!newest || p.stream > *newest)) {
      newest = p.stream;
    }
  }
  if (newest) {
    return newest;
  }
  if (!standalone_) {
    standalone_ = new_stream(false, false);
  }
  return standalone_;
}

void session_core::expire(clock_time now) {
  if (closed_) {
    return;
  }
  std::vector<std::string> due;
  for (const auto& [key, p] : pending_) {
    if (p.deadline <= now) {
      due.push_back(key);
    }
  }
  for (const auto& key : due) {
    const auto& p = pending_.at(key);
    cancel_upstream(p.id, "timed out in mcp-bridge");
    answer(key, error_response(p.id, code_request_timeout, "Request timed out"), now, "timeout");
  }
  // The timer fired: arm once for what still waits (a stale wake-up too). While the due ones
  // were answered, armed_ (never later than any deadline) kept rearm() from arming in between.
  armed_.reset();
  rearm();
}

void session_core::close(std::string_view reason, clock_time now) {
  if (closed_) {
    return;
  }
  while (!pending_.empty()) {
    const std::string key = pending_.begin()->first;
    answer(key, error_response(pending_.begin()->second.id, code_upstream_gone, reason), now, "closed");
  }
  for (auto& [s, st] : streams_) {
    if (!st.done) {
      st.done = true;
      push({.what = action::kind::finish_stream, .stream = s});
    }
  }
  closed_ = true;
  rearm();
  push({.what = action::kind::end_session, .text = std::string(reason)});
}

void session_core::answer(const std::string& key, std::string json, clock_time now, std::string_view outcome) {
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    return;
  }
  auto p = std::move(it->second);
  pending_.erase(it);
  push({.what = action::kind::request_done,
        .stream = p.stream,
        .text = std::move(p.method),
        .elapsed = now - p.started,
        .tool = std::move(p.tool),
        .outcome = std::string(outcome)});
  deliver(p.stream, std::move(json));
  auto st = streams_.find(p.stream);
  if (st != streams_.end() && st->second.awaiting > 0 && --st->second.awaiting == 0 && p.stream != standalone_) {
    finish(p.stream);
  }
  rearm();
}

void session_core::deliver(stream_id s, std::string json) {
  auto it = streams_.find(s);
  if (it == streams_.end() || it->second.done) {
    return;  // nothing more goes on a finished stream
  }
  auto& st = it->second;
  st.queued += json.size();
  push({.what = action::kind::deliver, .stream = s, .text = std::move(json)});
  // A JSON answer is bounded by the upstream's message limit and the batch size instead.
  if (!st.json && st.queued > opts_.max_stream_bytes && !st.overflowed) {
    st.overflowed = st.attached;  // attached: the connection goes; detached: trimmed each time
    push({.what = action::kind::overflow, .stream = s});
  }
}

void session_core::finish(stream_id s) {
  auto it = streams_.find(s);
  if (it == streams_.end() || it->second.done) {
    return;
  }
  it->second.done = true;
  push({.what = action::kind::finish_stream, .stream = s});
  if (!it->second.attached && standalone_ != s) {
    streams_.erase(it);  // nobody writes it and nothing more comes: forget it
  }
}

void session_core::send_upstream(message m) {
  push({.what = action::kind::send_upstream, .msg = std::move(m)});
}

void session_core::cancel_upstream(const json::value& id, std::string_view reason) {
  message m;
  m.kind = message_kind::notification;
  m.body = json::object{{"jsonrpc", "2.0"},
                        {"method", "notifications/cancelled"},
                        {"params", json::object{{"requestId", id}, {"reason", reason}}}};
  send_upstream(std::move(m));
}

// The timer is armed lazily: a request answered leaves it armed (its wake-up finds nothing due
// and arms again for what still waits), and a later deadline never moves it. Calls made one
// after another then arm the driver's timer once per request_timeout, not twice per call.
void session_core::rearm() {
  if (closed_) {
    if (armed_) {
      armed_.reset();
      push({.what = action::kind::cancel_timer});  // the driver releases its timer
    }
    return;
  }
  std::optional<clock_time> earliest;
  for (const auto& [k, p] : pending_) {
    if (!earliest || p.deadline < *earliest) {
      earliest = p.deadline;
    }
  }
  if (!earliest || (armed_ && *armed_ <= *earliest)) {
    return;  // nothing waits, or the armed wake-up comes first: expire() arms again then
  }
  armed_ = earliest;
  push({.what = action::kind::arm_timer, .at = *earliest});
}

void session_core::push(action&& a) {
  if (queued_ == actions_.size()) {
    actions_.emplace_back();
  }
  take(actions_[queued_++], a);
}

bool session_core::next(action& out) {
  if (next_action_ == queued_) {
    return false;
  }
  take(out, actions_[next_action_++]);
  if (next_action_ == queued_) {
    next_action_ = 0;  // drained: the slots are reused from the front
    queued_ = 0;
  }
  return true;
}

std::size_t session_core::queued_bytes(stream_id s) const {
  auto it = streams_.find(s);
  return it == streams_.end() ? 0 : it->second.queued;
}

bool session_core::attached(stream_id s) const {
  auto it = streams_.find(s);
  return it != streams_.end() && it->second.attached;
}

bool session_core::busy() const {
  if (!pending_.empty()) {
    return true;
  }
  for (const auto& [s, st] : streams_) {
    if (st.attached && s != standalone_) {
      return true;
    }
  }
  return false;
}

}  // namespace mcp
