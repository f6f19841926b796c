#include "mcp/upstream_mux.hpp"

#include <boost/json/serialize.hpp>

#include "mcp/protocol.hpp"

namespace mcp {
namespace json = boost::json;

namespace {

json::object* meta_of(json::object& body) {
  auto* params = body.if_contains("params");
  auto* p = params ? params->if_object() : nullptr;
  auto* meta = p ? p->if_contains("_meta") : nullptr;
  return meta ? meta->if_object() : nullptr;
}

json::value* param(json::object& body, std::string_view key) {
  auto* params = body.if_contains("params");
  auto* p = params ? params->if_object() : nullptr;
  return p ? p->if_contains(key) : nullptr;
}

message make_response(const json::value& id, json::object result) {
  message m;
  m.kind = message_kind::response;
  m.body = json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
  return m;
}

}  // namespace

void upstream_mux::attach(session_key s) {
  sessions_.insert(s);
}

void upstream_mux::detach(session_key s) {
  sessions_.erase(s);
  for (auto upstream_id : ids_.drop_session(s)) {
    progress_.erase(upstream_id);
    if (ready_) {
      json::object cancel{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}};
      cancel["params"] = json::object{{"requestId", upstream_id}, {"reason", "session ended"}};
      to_upstream(json::serialize(cancel));
    }
  }
  std::erase_if(waiting_, [&](const auto& w) { return w.first == s; });
}

void upstream_mux::from_session(session_key s, message m) {
  if (!sessions_.contains(s)) {
    return;
  }
  if (ready_) {
    dispatch(s, std::move(m));
    return;
  }
  if (m.method() == "notifications/cancelled") {
    // Cancelling a request the upstream has not seen yet: neither ever reaches it.
    if (const auto* rid = param(m.body, "requestId")) {
      const auto n = std::erase_if(
          waiting_, [&](const auto& w) { return w.first == s && w.second.is_request() && w.second.id() == *rid; });
      if (n > 0) {
        return;
      }
    }
  }
  if (waiting_.size() >= opts_.max_waiting) {
    if (m.is_request()) {
      fail(s, m.id(), -32603, "too many requests waiting for the MCP server to start");
    }
    return;
  }
  waiting_.emplace_back(s, std::move(m));
  if (!starting_) {
    starting_ = true;
    push({.what = mux_action::kind::need_upstream});
  }
}

void upstream_mux::dispatch(session_key s, message m) {
  if (m.is_request() && m.method() == "initialize" && !opts_.stateless) {
    answer_initialize(s, m);
  } else if (m.is_request() && m.method() == "server/discover" && opts_.stateless) {
    answer_discover(s, m);
  } else {
    forward(s, std::move(m));
  }
}

void upstream_mux::answer_initialize(session_key s, const message& request) {
  json::object result = init_result_;
  // Agree to the client's revision when the upstream speaks it or newer; otherwise the upstream's.
  const auto* ours = result.if_contains("protocolVersion");
  const auto upstream_rev = parse_revision(ours && ours->is_string() ? std::string_view(ours->get_string()) : "");
  const auto* params = request.body.if_contains("params");
  const auto* asked = params && params->is_object() ? params->as_object().if_contains("protocolVersion") : nullptr;
  if (asked && asked->is_string()) {
    auto r = parse_revision(asked->get_string());
    if (r && upstream_rev && *r <= *upstream_rev && transport_of(*r) != transport_kind::stateless_http) {
      result["protocolVersion"] = asked->get_string();
    }
  }
  push({.what = mux_action::kind::to_session, .session = s, .msg = make_response(request.id(), std::move(result))});
}

void upstream_mux::answer_discover(session_key s, const message& request) {
  // Everything a 2026-07-28 client learns up front, from the upstream's own initialize result.
  json::object result{{"supportedVersions", json::array{}}};
  for (auto r : all_revisions) {
    result["supportedVersions"].as_array().emplace_back(to_string(r));
  }
  for (const char* key : {"capabilities", "serverInfo", "instructions"}) {
    if (const auto* v = init_result_.if_contains(key)) {
      result[key] = *v;
    }
  }
  auto response = make_response(request.id(), std::move(result));
  to_stateless_result("server/discover", response.body);
  push({.what = mux_action::kind::to_session, .session = s, .msg = std::move(response)});
}

void upstream_mux::forward(session_key s, message m) {
  if (m.is_response()) {
    return;  // the upstream never asked this session anything: it asks nobody
  }
  if (m.method() == "notifications/initialized") {
    return;  // the mux initialized the upstream once already
  }
  if (m.method() == "notifications/cancelled") {
    auto* rid = param(m.body, "requestId");
    auto upstream_id = rid ? ids_.find(s, *rid) : std::nullopt;
    if (!upstream_id) {
      return;
    }
    *rid = *upstream_id;
    ids_.take(json::value(*upstream_id));
    progress_.erase(*upstream_id);
  } else if (m.is_request()) {
    const std::int64_t upstream_id = ids_.map(s, m.id());
    m.body["id"] = upstream_id;
    if (auto* meta = meta_of(m.body); meta && meta->contains("progressToken")) {
      // Tokens are client-chosen: two clients may pick the same one.
      progress_[upstream_id] = progress_route{s, meta->at("progressToken")};
      (*meta)["progressToken"] = upstream_id;
    }
  }
  to_upstream(serialize(m));
}

void upstream_mux::fail(session_key s, const json::value& id, int code, std::string_view text) {
  message err;
  err.kind = message_kind::error_response;
  err.body = json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", json::object{{"code", code}, {"message", text}}}};
  push({.what = mux_action::kind::to_session, .session = s, .msg = std::move(err)});
}

void upstream_mux::upstream_started() {
  ready_ = false;
  starting_ = true;
  // The upstream speaks a handshake revision and the mux is its one client. No client
  // capabilities: no single client could answer the upstream's requests.
  json::object init{{"jsonrpc", "2.0"}, {"id", init_id}, {"method", "initialize"}};
  init["params"] = json::object{{"protocolVersion", to_string(revision::v2025_11_25)},
                                {"capabilities", json::object{}},
                                {"clientInfo", json::object{{"name", "mcp-bridge"}, {"version", "1"}}}};
  to_upstream(json::serialize(init));
}

void upstream_mux::upstream_failed(std::string_view reason) {
  starting_ = false;
  ready_ = false;
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& [s, m] : waiting) {
    if (m.is_request()) {
      fail(s, m.id(), -32603, reason);
    }
  }
}

void upstream_mux::upstream_exited(std::string_view reason) {
  ready_ = false;
  starting_ = false;
  std::set<session_key> gone;
  if (opts_.stateless) {
    for (auto s : sessions_) {
      if (!ids_.drop_session(s).empty()) {
        gone.insert(s);
      }
    }
  } else {
    gone = sessions_;
    waiting_.clear();
  }
  for (auto s : gone) {
    ids_.drop_session(s);
    sessions_.erase(s);
    push({.what = mux_action::kind::end_session, .session = s, .text = std::string(reason)});
  }
  std::erase_if(progress_, [&](const auto& p) { return gone.contains(p.second.session); });
  if (!waiting_.empty()) {
    starting_ = true;
    push({.what = mux_action::kind::need_upstream});
  }
}

void upstream_mux::initialized(const message& response) {
  if (const auto* r = response.body.if_contains("result"); r && r->is_object()) {
    init_result_ = r->as_object();
  }
  ready_ = true;
  starting_ = false;
  to_upstream(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& [s, m] : waiting) {
    if (sessions_.contains(s)) {
      dispatch(s, std::move(m));
    }
  }
}

void upstream_mux::from_upstream(message m) {
  if (m.is_response()) {
    if (m.id().is_string() && m.id().get_string() == init_id) {
      if (!ready_) {
        initialized(m);
      }
      return;
    }
    const json::value upstream_id = m.id();
    auto origin = ids_.take(upstream_id);
    if (!origin) {
      return;  // cancelled, its session gone, or an id we never issued
    }
    if (upstream_id.is_int64()) {
      progress_.erase(upstream_id.get_int64());
    }
    m.body["id"] = origin->id;
    if (sessions_.contains(origin->session)) {
      push({.what = mux_action::kind::to_session, .session = origin->session, .msg = std::move(m)});
    }
    return;
  }
  if (m.is_request()) {
    if (m.method() == "ping") {
      to_upstream(json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", m.id()}, {"result", json::object{}}}));
    } else {
      to_upstream(error_response(m.id(), -32601,
                                 opts_.stateless ? "stateless (2026-07-28) clients cannot be sent requests"
                                                 : "a shared MCP server cannot send requests to its clients"));
    }
    return;
  }
  if (m.method() == "notifications/progress") {
    auto* token = param(m.body, "progressToken");
    if (token && token->is_int64()) {
      auto it = progress_.find(token->get_int64());
      if (it != progress_.end() && sessions_.contains(it->second.session)) {
        *token = it->second.token;
        push({.what = mux_action::kind::to_session, .session = it->second.session, .msg = std::move(m)});
      }
    }
    return;
  }
  if (opts_.stateless) {
    return;  // 2026-07-28 has no session-wide stream for logging or list changes
  }
  // Logging, list changes, resource updates: the shared state changed for everyone.
  for (auto s : sessions_) {
    push({.what = mux_action::kind::to_session, .session = s, .msg = m});
  }
}

bool upstream_mux::next(mux_action& out) {
  if (actions_.empty()) {
    return false;
  }
  out = std::move(actions_.front());
  actions_.pop_front();
  return true;
}

}  // namespace mcp
