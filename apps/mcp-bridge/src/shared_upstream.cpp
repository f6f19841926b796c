#include "shared_upstream.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "log.hpp"
#include "mcp/protocol.hpp"
#include "session.hpp"

namespace bridge {
namespace json = boost::json;

namespace {

constexpr std::string_view init_id = "mcp-bridge-initialize";

json::object* meta_of(json::object& body) {
  auto* params = body.if_contains("params");
  auto* p = params ? params->if_object() : nullptr;
  auto* meta = p ? p->if_contains("_meta") : nullptr;
  return meta ? meta->if_object() : nullptr;
}

}  // namespace

shared_upstream::shared_upstream(const boost::asio::any_io_executor& ex, child_config config, reaper& r, metrics& m)
    : ex_(ex), config_(std::move(config)), reaper_(r), metrics_(m), restart_timer_(ex) {}

shared_upstream::~shared_upstream() {
  stop();
}

void shared_upstream::start() {
  if (child_ || stopped_) {
    return;
  }
  auto c = child_process::spawn(ex_, config_, reaper_, metrics_);
  if (!c) {
    log::error("cannot start the shared MCP server", {{"error", c.error().message()}});
    for (auto& [number, msg] : waiting_) {
      if (auto it = sessions_.find(number); it != sessions_.end() && msg.is_request()) {
        mcp::message err;
        err.kind = mcp::message_kind::error_response;
        err.body =
            json::parse(mcp::error_response(msg.id(), -32603, "the MCP server could not be started")).as_object();
        it->second->from_server(err);
      }
    }
    waiting_.clear();
    return;
  }
  child_ = *c;
  ready_ = false;
  child_->on_message([this](mcp::message m) { from_child(std::move(m)); });
  child_->on_exit([this](int status) { child_exited(status); });
  json::object init{{"jsonrpc", "2.0"}, {"id", init_id}, {"method", "initialize"}};
  init["params"] = json::object{{"protocolVersion", mcp::to_string(mcp::revision::v2025_11_25)},
                                {"capabilities", json::object{}},
                                {"clientInfo", json::object{{"name", "mcp-bridge"}, {"version", "1"}}}};
  child_->send(json::serialize(init));
}

void shared_upstream::stop() {
  stopped_ = true;
  restart_timer_.cancel();
  if (child_) {
    child_->on_message(nullptr);
    child_->on_exit(nullptr);
    child_->terminate();
    child_.reset();
  }
  ready_ = false;
}

void shared_upstream::attach(session& s) {
  sessions_[s.number()] = &s;
}

void shared_upstream::detach(session& s) {
  sessions_.erase(s.number());
  for (auto child_id : ids_.drop_session(s.number())) {
    progress_.erase(child_id);
    if (child_) {
      json::object cancel{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}};
      cancel["params"] = json::object{{"requestId", child_id}, {"reason", "session ended"}};
      child_->send(json::serialize(cancel));
    }
  }
  std::erase_if(waiting_, [&](const auto& w) { return w.first == s.number(); });
}

void shared_upstream::send(session& s, mcp::message m) {
  if (m.is_request() && m.method() == "initialize") {
    if (!ready_) {
      waiting_.emplace_back(s.number(), std::move(m));
      start();
      return;
    }
    answer_initialize(s, m);
    return;
  }
  if (!ready_) {
    waiting_.emplace_back(s.number(), std::move(m));
    start();
    return;
  }
  forward(s.number(), std::move(m));
}

void shared_upstream::answer_initialize(session& s, const mcp::message& request) {
  json::object result = init_result_;
  // Agree to the client's revision when the child speaks it or newer; otherwise the child's.
  const auto child_rev =
      mcp::parse_revision(result.contains("protocolVersion") && result.at("protocolVersion").is_string()
                              ? std::string_view(result.at("protocolVersion").get_string())
                              : std::string_view());
  const auto* params = request.body.if_contains("params");
  const auto* asked = params && params->is_object() ? params->as_object().if_contains("protocolVersion") : nullptr;
  if (asked && asked->is_string()) {
    auto r = mcp::parse_revision(asked->get_string());
    if (r && child_rev && *r <= *child_rev && mcp::transport_of(*r) != mcp::transport_kind::stateless_http) {
      result["protocolVersion"] = asked->get_string();
    }
  }
  mcp::message response;
  response.kind = mcp::message_kind::response;
  response.body = json::object{{"jsonrpc", "2.0"}, {"id", request.id()}, {"result", std::move(result)}};
  s.from_server(response);
}

void shared_upstream::forward(std::uint64_t session_number, mcp::message m) {
  if (m.is_response()) {
    return;  // the child never sent this session a request: shared children ask nobody
  }
  if (m.method() == "notifications/initialized") {
    return;  // the bridge initialized the child once already
  }
  if (m.method() == "notifications/cancelled") {
    auto* params = m.body.if_contains("params");
    auto* rid = params && params->is_object() ? params->as_object().if_contains("requestId") : nullptr;
    if (!rid) {
      return;
    }
    auto child_id = ids_.find(session_number, *rid);
    if (!child_id) {
      return;
    }
    *rid = *child_id;
    ids_.take(json::value(*child_id));
    progress_.erase(*child_id);
  } else if (m.is_request()) {
    const std::int64_t child_id = ids_.map(session_number, m.id());
    m.body["id"] = child_id;
    if (auto* meta = meta_of(m.body); meta && meta->contains("progressToken")) {
      progress_[child_id] = progress_route{session_number, meta->at("progressToken")};
      (*meta)["progressToken"] = child_id;  // tokens are client-chosen: two clients may pick the same
    }
  }
  child_->send(mcp::serialize(m));
}

void shared_upstream::from_child(mcp::message m) {
  if (m.is_response()) {
    if (m.id().is_string() && m.id().get_string() == init_id) {
      if (const auto* r = m.body.if_contains("result"); r && r->is_object()) {
        init_result_ = r->as_object();
      }
      ready_ = true;
      child_->send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
      auto waiting = std::move(waiting_);
      waiting_.clear();
      for (auto& [number, msg] : waiting) {
        if (auto it = sessions_.find(number); it != sessions_.end()) {
          send(*it->second, std::move(msg));
        }
      }
      return;
    }
    auto origin = ids_.take(m.id());
    if (!origin) {
      return;
    }
    if (m.id().is_int64()) {
      progress_.erase(m.id().get_int64());
    }
    m.body["id"] = origin->id;
    if (auto it = sessions_.find(origin->session); it != sessions_.end()) {
      it->second->from_server(m);
    }
    return;
  }
  if (m.is_request()) {
    if (m.method() == "ping") {
      child_->send(json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", m.id()}, {"result", json::object{}}}));
    } else {
      child_->send(mcp::error_response(m.id(), -32601, "a shared MCP server cannot send requests to its clients"));
    }
    return;
  }
  if (m.method() == "notifications/progress") {
    auto* params = m.body.if_contains("params");
    auto* token = params && params->is_object() ? params->as_object().if_contains("progressToken") : nullptr;
    if (token && token->is_int64()) {
      auto it = progress_.find(token->get_int64());
      if (it == progress_.end()) {
        return;
      }
      auto s = sessions_.find(it->second.session);
      if (s != sessions_.end()) {
        *token = it->second.token;
        s->second->from_server(m);
      }
    }
    return;
  }
  // Logging, list changes, resource updates: the shared state changed for everyone.
  std::vector<session*> all;
  for (auto& [n, s] : sessions_) {
    all.push_back(s);
  }
  for (auto* s : all) {
    s->from_server(m);
  }
}

void shared_upstream::child_exited(int) {
  log::warn("the shared MCP server exited; ending every session");
  metrics_.child_crashed();
  child_.reset();
  ready_ = false;
  std::vector<session*> all;
  for (auto& [n, s] : sessions_) {
    all.push_back(s);
  }
  for (auto* s : all) {
    s->upstream_gone("MCP server process exited");
  }
  sessions_.clear();
  waiting_.clear();
  restart_timer_.expires_after(std::chrono::seconds(1));
  restart_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      start();
    }
  });
}

}  // namespace bridge
