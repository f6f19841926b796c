// pool_session: the members' side (their answers, requests and notifications, coming up and
// failing) and the debounced list_changed notifications to the client.
#include "gateway/pool_session.hpp"

#include <algorithm>
#include <string>

#include "pool_json.hpp"

namespace gateway {
namespace json = boost::json;

namespace {

std::optional<std::int64_t> int_id(const json::value& v) {
  if (v.is_int64()) {
    return v.get_int64();
  }
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  return std::nullopt;
}

// The client-side notification kind of a list: templates change with resources.
std::size_t notify_index(list_kind k) {
  return k == list_kind::resource_templates ? 2 : static_cast<std::size_t>(k);
}

constexpr std::array<std::string_view, 3> list_changed_method{
    "notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed"};

}  // namespace

void pool_session::member_up(std::size_t i, const json::object& initialize_result) {
  if (i >= members_.size()) {
    return;
  }
  auto& m = members_[i];
  m.st = status::up;
  m.reason.clear();
  const auto* caps = initialize_result.if_contains("capabilities");
  m.capabilities = caps && caps->is_object() ? caps->as_object() : json::object{};
  auto waiting = std::move(m.waiting);
  m.waiting.clear();
  for (auto& [id, msg] : waiting) {
    push({.what = pool_action::kind::to_member, .member = i, .msg = std::move(msg)});
  }
  relist(i, m.capabilities);
}

void pool_session::relist(std::size_t i, const json::object& capabilities) {
  auto ask = [&](list_kind k) { push({.what = pool_action::kind::relist_member, .member = i, .list = k}); };
  if (capabilities.contains("tools")) {
    ask(list_kind::tools);
  }
  if (capabilities.contains("prompts")) {
    ask(list_kind::prompts);
  }
  if (capabilities.contains("resources")) {
    ask(list_kind::resources);
    ask(list_kind::resource_templates);
  }
}

void pool_session::member_failed(std::size_t i, std::string_view reason) {
  if (i >= members_.size()) {
    return;
  }
  members_[i].st = status::down;
  members_[i].reason = std::string(reason);
  members_[i].waiting.clear();
  const std::string text = member_down_text(i);
  std::vector<std::string> failed;
  for (const auto& [id, u] : upstream_) {
    if (u.member == i) {
      failed.push_back(u.request);
    }
  }
  for (const auto& key : failed) {
    fail_request(key, code_member_gone, text);
  }
  // Its questions to the client have nobody to answer to any more.
  for (auto it = server_requests_.begin(); it != server_requests_.end();) {
    if (it->second.member != i) {
      ++it;
      continue;
    }
    to_client(
        detail::notification("notifications/cancelled", json::object{{"requestId", it->first}, {"reason", text}}));
    it = server_requests_.erase(it);
  }
}

std::optional<json::value> pool_session::forget(const std::string& key) {
  const auto it = requests_.find(key);
  if (it == requests_.end()) {
    return std::nullopt;  // a fan-out that failed already through another of its members
  }
  for (const auto id : it->second.upstream) {
    upstream_.erase(id);
    retire(id);  // its answer may still be on the way
  }
  auto id = std::move(it->second.id);
  requests_.erase(it);
  return id;
}

void pool_session::fail_request(const std::string& key, int code, std::string_view text) {
  if (auto id = forget(key)) {
    error(*id, code, text);
  }
}

void pool_session::retire(std::int64_t upstream_id) {
  if (retired_.insert(upstream_id).second) {
    retired_order_.push_back(upstream_id);
  }
  while (retired_order_.size() > max_retired) {
    retired_.erase(retired_order_.front());
    retired_order_.pop_front();
  }
}

void pool_session::drop(std::size_t i) {
  ++members_[i].dropped;
}

void pool_session::from_member(std::size_t i, mcp::message m) {
  if (i >= members_.size()) {
    return;
  }
  if (m.is_response()) {
    member_response(i, std::move(m));
  } else if (m.is_request()) {
    member_request(i, std::move(m));
  } else {
    member_notification(i, std::move(m));
  }
}

void pool_session::member_response(std::size_t i, mcp::message m) {
  const auto id = int_id(m.id());
  const auto it = id ? upstream_.find(*id) : upstream_.end();
  if (it == upstream_.end() || it->second.member != i) {
    if (!id || !retired_.contains(*id) || it != upstream_.end()) {
      drop(i);  // an id we never sent it: forged, duplicated, or another member's
    }
    return;
  }
  const std::string key = it->second.request;
  upstream_.erase(it);
  auto& r = requests_.at(key);
  std::erase(r.upstream, *id);
  if (r.fan_out && m.kind == mcp::message_kind::error_response) {
    m.body["id"] = r.id;
    to_client(std::move(m));
    forget(key);  // the first error answers it: its other members' answers are late now
    return;
  }
  if (r.fan_out) {
    if (r.upstream.empty()) {
      answer(r.id, {});
      requests_.erase(key);
    }
    return;
  }
  m.body["id"] = r.id;
  requests_.erase(key);
  to_client(std::move(m));
}

void pool_session::member_request(std::size_t i, mcp::message m) {
  const std::string_view method = m.method();
  auto reply = [&](mcp::message r) { push({.what = pool_action::kind::to_member, .member = i, .msg = std::move(r)}); };
  if (method == "ping") {
    reply(mcp::message{.kind = mcp::message_kind::response,
                       .body = json::object{{"jsonrpc", "2.0"}, {"id", m.id()}, {"result", json::object{}}}});
    return;
  }
  if (method != "sampling/createMessage" && method != "elicitation/create" && method != "roots/list") {
    reply(detail::error_message(m.id(), code_method_not_found, "method not found: " + std::string(method)));
    return;
  }
  if (server_requests_.size() >= opts_.max_client_requests) {
    reply(detail::error_message(m.id(), code_too_many, "too many requests waiting for the client"));
    return;
  }
  // Members choose their ids and tokens independently: the client sees ours.
  const std::int64_t id = next_client_id_++;
  server_request s{.member = i, .id = m.id(), .progress_token = std::nullopt};
  if (auto* token = detail::progress_token(m)) {
    s.progress_token = *token;
    *token = id;
  }
  server_requests_.emplace(id, std::move(s));
  m.body["id"] = id;
  to_client(std::move(m));
}

void pool_session::member_notification(std::size_t i, mcp::message m) {
  const std::string_view method = m.method();
  if (method == "notifications/progress") {
    auto* p = detail::mutable_params_of(m);
    auto* token = p ? p->if_contains("progressToken") : nullptr;
    const auto id = token ? int_id(*token) : std::nullopt;
    const auto it = id ? upstream_.find(*id) : upstream_.end();
    if (it == upstream_.end() || it->second.member != i) {
      if (!id || !retired_.contains(*id) || it != upstream_.end()) {
        drop(i);
      }
      return;
    }
    const auto& r = requests_.at(it->second.request);
    if (!r.progress_token) {
      drop(i);  // progress for a request that asked for none
      return;
    }
    *token = *r.progress_token;
    to_client(std::move(m));
  } else if (method == "notifications/tools/list_changed") {
    push({.what = pool_action::kind::relist_member, .member = i, .list = list_kind::tools, .changed = true});
  } else if (method == "notifications/prompts/list_changed") {
    push({.what = pool_action::kind::relist_member, .member = i, .list = list_kind::prompts, .changed = true});
  } else if (method == "notifications/resources/list_changed") {
    push({.what = pool_action::kind::relist_member, .member = i, .list = list_kind::resources, .changed = true});
    push({.what = pool_action::kind::relist_member, .member = i, .list = list_kind::resource_templates, .changed = true});
  } else if (method == "notifications/cancelled") {
    // The member withdraws one of its questions to the client.
    auto* p = detail::mutable_params_of(m);
    auto* rid = p ? p->if_contains("requestId") : nullptr;
    for (auto it = server_requests_.begin(); rid && it != server_requests_.end(); ++it) {
      if (it->second.member == i && it->second.id == *rid) {
        *rid = it->first;
        server_requests_.erase(it);
        to_client(std::move(m));
        return;
      }
    }
  } else if (method == "notifications/message" || method == "notifications/resources/updated") {
    to_client(std::move(m));  // logging, and updates of a URI this client subscribed to
  }
  // Anything else concerns the member's session only.
}

// --- list_changed, debounced -----------------------------------------------------------------

void pool_session::catalog_changed(list_kind k, clock_time now) {
  if (!initialized_) {
    return;  // the client has not listed anything yet
  }
  auto& d = list_changed_[notify_index(k)];
  d.due = true;
  flush_list_changed(now);
}

void pool_session::tick(clock_time now) {
  wake_.reset();
  flush_list_changed(now);
}

void pool_session::flush_list_changed(clock_time now) {
  std::optional<clock_time> earliest;
  for (std::size_t n = 0; n < notify_kinds; ++n) {
    auto& d = list_changed_[n];
    if (!d.due) {
      continue;
    }
    if (!d.last_sent || now >= *d.last_sent + opts_.list_changed_debounce) {
      d.due = false;
      d.last_sent = now;
      to_client(detail::notification(list_changed_method[n], json::object{}));
      continue;
    }
    const clock_time at = *d.last_sent + opts_.list_changed_debounce;
    earliest = earliest ? std::min(*earliest, at) : at;
  }
  if (earliest && (!wake_ || *earliest < *wake_)) {
    wake_ = earliest;
    push({.what = pool_action::kind::wake_at, .at = *earliest});
  }
}

}  // namespace gateway
