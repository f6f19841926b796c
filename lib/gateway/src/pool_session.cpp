// pool_session: the client's side (its requests, notifications and answers) and what both
// sides share. The members' side is in pool_member.cpp.
#include "gateway/pool_session.hpp"

#include "mcp/protocol.hpp"
#include "pool_json.hpp"

namespace gateway {
namespace json = boost::json;
using detail::params_of;
using detail::string_param;

pool_session::pool_session(const catalog& c, pool_session_options o)
    : catalog_(&c), opts_(std::move(o)), members_(c.members().size()) {}

bool pool_session::member_is_up(std::size_t i) const {
  return i < members_.size() && members_[i].st == status::up;
}

std::size_t pool_session::dropped_from_member(std::size_t i) const {
  return i < members_.size() ? members_[i].dropped : 0;
}

std::size_t pool_session::dropped_from_members() const {
  std::size_t n = 0;
  for (const auto& m : members_) {
    n += m.dropped;
  }
  return n;
}

bool pool_session::next(pool_action& out) {
  if (actions_.empty()) {
    return false;
  }
  out = std::move(actions_.front());
  actions_.pop_front();
  return true;
}

void pool_session::answer(const json::value& id, json::object result) {
  mcp::message m;
  m.kind = mcp::message_kind::response;
  m.body = json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
  to_client(std::move(m));
}

void pool_session::error(const json::value& id, int code, std::string_view text) {
  to_client(detail::error_message(id, code, text));
}

std::string pool_session::member_down_text(std::size_t i) const {
  std::string text = "MCP server " + catalog_->members()[i].name + " is unavailable";
  if (!members_[i].reason.empty()) {
    text += ": " + members_[i].reason;
  }
  return text;
}

std::optional<std::size_t> pool_session::down_member_for(std::string_view name) const {
  std::optional<std::size_t> best;
  std::size_t best_len = 0;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].st != status::down) {
      continue;
    }
    if (catalog_->resolution() == conflict_resolution::priority) {
      return i;  // no prefix tells the members' names apart
    }
    const auto& spec = catalog_->spec(i);
    const std::string prefix = spec.tool_prefix ? *spec.tool_prefix : spec.name + "_";
    if (name.starts_with(prefix) && (!best || prefix.size() > best_len)) {
      best = i;  // the longest matching prefix, as two prefixes may nest
      best_len = prefix.size();
    }
  }
  return best;
}

// --- the client's messages -----------------------------------------------------------------

void pool_session::from_client(mcp::message m) {
  if (m.is_request()) {
    client_request_in(std::move(m));
  } else if (m.is_response()) {
    client_response(std::move(m));
  } else {
    client_notification(m);
  }
}

void pool_session::client_request_in(mcp::message m) {
  const std::string_view method = m.method();
  if (method == "initialize") {
    answer_initialize(m);
  } else if (method == "ping") {
    answer(m.id(), {});
  } else if (method == "tools/list") {
    answer_list(m, list_kind::tools);
  } else if (method == "prompts/list") {
    answer_list(m, list_kind::prompts);
  } else if (method == "resources/list") {
    answer_list(m, list_kind::resources);
  } else if (method == "resources/templates/list") {
    answer_list(m, list_kind::resource_templates);
  } else if (method == "tools/call" || method == "prompts/get") {
    route_named(std::move(m), method == "tools/call");
  } else if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe") {
    route_uri(std::move(m));
  } else if (method == "completion/complete") {
    route_completion(std::move(m));
  } else if (method == "logging/setLevel") {
    fan_out(m);
  } else {
    error(m.id(), code_method_not_found, "method not found: " + std::string(method));
  }
}

std::string_view pool_session::negotiate(const mcp::message& initialize) {
  if (const auto* p = params_of(initialize)) {
    const auto asked = mcp::parse_revision(string_param(p, "protocolVersion").value_or(""));
    if (asked && mcp::transport_of(*asked) != mcp::transport_kind::stateless_http) {
      return mcp::to_string(*asked);
    }
  }
  return mcp::to_string(mcp::revision::v2025_11_25);
}

void pool_session::answer_initialize(const mcp::message& m) {
  const std::string_view version = negotiate(m);
  if (const auto* p = params_of(m)) {
    if (const auto* c = p->if_contains("capabilities"); c && c->is_object()) {
      client_caps_ = c->as_object();
    }
  }
  bool lists = false;  // an enabled member is still coming up: it may bring any list
  bool tools = false, prompts = false, resources = false, subscribe = false, logging = false, completions = false;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (!catalog_->members()[i].enabled) {
      continue;
    }
    lists = lists || members_[i].st == status::pending;
    if (members_[i].st != status::up) {
      continue;
    }
    const auto& c = members_[i].capabilities;
    tools = tools || c.contains("tools");
    prompts = prompts || c.contains("prompts");
    logging = logging || c.contains("logging");
    completions = completions || c.contains("completions");
    if (const auto* r = c.if_contains("resources")) {
      resources = true;
      const auto* s = r->is_object() ? r->as_object().if_contains("subscribe") : nullptr;
      subscribe = subscribe || (s && s->is_bool() && s->get_bool());
    }
  }
  json::object caps;
  if (tools || lists) {
    caps["tools"] = json::object{{"listChanged", true}};
  }
  if (prompts || lists) {
    caps["prompts"] = json::object{{"listChanged", true}};
  }
  if (resources || lists) {
    caps["resources"] = json::object{{"listChanged", true}, {"subscribe", subscribe}};
  }
  if (logging) {
    caps["logging"] = json::object{};
  }
  if (completions) {
    caps["completions"] = json::object{};
  }
  json::object result{{"protocolVersion", version},
                      {"capabilities", std::move(caps)},
                      {"serverInfo", json::object{{"name", opts_.server_name}, {"version", opts_.server_version}}}};
  if (opts_.instructions) {
    result["instructions"] = *opts_.instructions;
  }
  initialized_ = true;
  answer(m.id(), std::move(result));
}

void pool_session::answer_list(const mcp::message& m, list_kind k) {
  std::optional<std::string_view> cursor;
  if (const auto* p = params_of(m); p && p->contains("cursor")) {
    cursor = string_param(p, "cursor");
    if (!cursor) {
      error(m.id(), code_invalid_params, make_error_code(gateway::error::invalid_cursor).message());
      return;
    }
  }
  auto page = catalog_->page(k, cursor, opts_.page_size);
  if (!page) {
    error(m.id(), code_invalid_params, page.error().message());
    return;
  }
  json::object result;
  result[list_key(k)] = std::move(page->items);
  if (page->next_cursor) {
    result["nextCursor"] = *page->next_cursor;
  }
  answer(m.id(), std::move(result));
}

void pool_session::route_named(mcp::message m, bool tool) {
  const std::string what = tool ? "tool" : "prompt";
  auto* p = detail::mutable_params_of(m);
  const auto name = string_param(p, "name");
  if (!name) {
    error(m.id(), code_invalid_params, "missing " + what + " name");
    return;
  }
  const auto r = tool ? catalog_->route_tool(*name) : catalog_->route_prompt(*name);
  if (!r) {
    // A member that went away took its names out of the catalog: a name that would be its
    // (its prefix, or any name with priority) is answered with why it is gone, not as unknown.
    if (auto down = down_member_for(*name)) {
      error(m.id(), code_member_gone, member_down_text(*down));
      return;
    }
    error(m.id(), code_invalid_params, "unknown " + what + ": " + std::string(*name));
    return;
  }
  (*p)["name"] = r->name;
  dispatch(r->member, std::move(m));
}

void pool_session::route_uri(mcp::message m) {
  const auto uri = string_param(params_of(m), "uri");
  if (!uri) {
    error(m.id(), code_invalid_params, "missing resource uri");
    return;
  }
  const auto r = catalog_->route_resource(*uri);
  if (!r) {
    error(m.id(), code_resource_not_found, "unknown resource: " + std::string(*uri));
    return;
  }
  dispatch(r->member, std::move(m));
}

void pool_session::route_completion(mcp::message m) {
  auto* p = detail::mutable_params_of(m);
  auto* ref_value = p ? p->if_contains("ref") : nullptr;
  auto* ref = ref_value ? ref_value->if_object() : nullptr;
  const auto type = string_param(ref, "type");
  if (type == "ref/prompt") {
    const auto name = string_param(ref, "name");
    const auto r = name ? catalog_->route_prompt(*name) : std::nullopt;
    if (!r) {
      error(m.id(), code_invalid_params, "unknown prompt: " + std::string(name.value_or("")));
      return;
    }
    (*ref)["name"] = r->name;
    dispatch(r->member, std::move(m));
  } else if (type == "ref/resource") {
    const auto uri = string_param(ref, "uri");
    auto r = uri ? catalog_->route_template(*uri) : std::nullopt;
    if (!r && uri) {
      r = catalog_->route_resource(*uri);
    }
    if (!r) {
      error(m.id(), code_invalid_params, "unknown resource template: " + std::string(uri.value_or("")));
      return;
    }
    dispatch(r->member, std::move(m));
  } else {
    error(m.id(), code_invalid_params, "completion/complete needs a ref/prompt or ref/resource ref");
  }
}

void pool_session::fan_out(const mcp::message& m) {
  // Only to the members that announce logging: the others would answer method-not-found.
  std::vector<std::size_t> targets;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].st == status::up && members_[i].capabilities.contains("logging")) {
      targets.push_back(i);
    }
  }
  if (targets.empty()) {
    answer(m.id(), {});
    return;
  }
  if (!open_request(m, true)) {
    return;
  }
  const std::string key = mcp::id_key(m.id());
  for (auto i : targets) {
    send(i, key, m);
  }
}

void pool_session::dispatch(std::size_t member, mcp::message m) {
  if (members_[member].st == status::down) {
    error(m.id(), code_member_gone, member_down_text(member));
    return;
  }
  if (!open_request(m, false)) {
    return;
  }
  const std::string key = mcp::id_key(m.id());
  send(member, key, std::move(m));
}

bool pool_session::open_request(const mcp::message& m, bool fan_out) {
  if (requests_.size() >= opts_.max_in_flight) {
    error(m.id(), code_too_many, "too many requests in flight");
    return false;
  }
  std::string key = mcp::id_key(m.id());
  if (requests_.contains(key)) {
    error(m.id(), code_duplicate_id, "a request with this id is still in flight");
    return false;
  }
  client_request r{.id = m.id(), .progress_token = std::nullopt, .upstream = {}, .fan_out = fan_out};
  if (const auto* token = detail::progress_token(m)) {
    r.progress_token = *token;
  }
  requests_.emplace(std::move(key), std::move(r));
  return true;
}

void pool_session::send(std::size_t member, const std::string& key, mcp::message m) {
  const std::int64_t id = next_upstream_id_++;
  m.body["id"] = id;
  if (auto* token = detail::progress_token(m)) {
    *token = id;  // the member's progress names this request, whatever token the client chose
  }
  upstream_.emplace(id, upstream_request{.member = member, .request = key});
  requests_.at(key).upstream.push_back(id);
  if (members_[member].st == status::up) {
    push({.what = pool_action::kind::to_member, .member = member, .msg = std::move(m)});
  } else {
    members_[member].waiting.emplace_back(id, std::move(m));
  }
}

void pool_session::client_notification(const mcp::message& m) {
  const std::string_view method = m.method();
  if (method == "notifications/cancelled") {
    cancel(m);
  } else if (method == "notifications/roots/list_changed") {
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (members_[i].st == status::up) {
        push({.what = pool_action::kind::to_member, .member = i, .msg = m});
      }
    }
  } else if (method == "notifications/progress") {
    // Progress of a member's request to the client (sampling, elicitation).
    auto body = m.body;
    auto* p = body.if_contains("params");
    auto* token = p && p->is_object() ? p->as_object().if_contains("progressToken") : nullptr;
    const auto it = token && token->is_int64() ? server_requests_.find(token->get_int64()) : server_requests_.end();
    if (it == server_requests_.end() || !it->second.progress_token) {
      ++dropped_client_;
      return;
    }
    *token = *it->second.progress_token;
    push({.what = pool_action::kind::to_member,
          .member = it->second.member,
          .msg = mcp::message{.kind = mcp::message_kind::notification, .body = std::move(body)}});
  }
  // notifications/initialized: the driver initialized each member itself. Others: nobody's.
}

void pool_session::cancel(const mcp::message& m) {
  const auto* p = params_of(m);
  const auto* rid = p ? p->if_contains("requestId") : nullptr;
  const auto it = rid ? requests_.find(mcp::id_key(*rid)) : requests_.end();
  if (it == requests_.end()) {
    return;  // answered already, or one the core answered itself
  }
  for (const auto upstream_id : it->second.upstream) {
    const std::size_t member = upstream_.at(upstream_id).member;
    upstream_.erase(upstream_id);
    retire(upstream_id);
    auto& waiting = members_[member].waiting;
    if (std::erase_if(waiting, [&](const auto& w) { return w.first == upstream_id; }) > 0) {
      continue;  // the member never saw it
    }
    json::object params{{"requestId", upstream_id}};
    if (const auto* reason = p->if_contains("reason")) {
      params["reason"] = *reason;
    }
    push({.what = pool_action::kind::to_member,
          .member = member,
          .msg = mcp::message{
              .kind = mcp::message_kind::notification,
              .body = json::object{
                  {"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", std::move(params)}}}});
  }
  requests_.erase(it);
}

void pool_session::client_response(mcp::message m) {
  const auto it = m.id().is_int64() ? server_requests_.find(m.id().get_int64()) : server_requests_.end();
  if (it == server_requests_.end()) {
    ++dropped_client_;  // an answer to nothing we asked (or to a request of a member gone)
    return;
  }
  const std::size_t member = it->second.member;
  m.body["id"] = it->second.id;
  server_requests_.erase(it);
  if (members_[member].st == status::up) {
    push({.what = pool_action::kind::to_member, .member = member, .msg = std::move(m)});
  }
}

}  // namespace gateway
