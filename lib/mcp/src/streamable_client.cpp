#include "mcp/streamable_client.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace mcp {

namespace {

constexpr std::size_t max_error_body = 64 * 1024;
constexpr std::size_t max_quoted = 256;        // of the server's own error text
constexpr std::size_t max_version_bytes = 64;  // a revision is a date

bool success(unsigned status) {
  return status >= 200 && status < 300;
}

bool is_event_stream(std::string_view content_type) {
  std::string lower(content_type.substr(0, 64));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("text/event-stream") != std::string::npos;
}

message error_message(const boost::json::value& id, std::string_view why) {
  message m;
  m.kind = message_kind::error_response;
  m.body["jsonrpc"] = "2.0";
  m.body["id"] = id;
  boost::json::object err;
  err["code"] = code_upstream_http;
  err["message"] = why;
  m.body["error"] = std::move(err);
  return m;
}

// The message text of a JSON-RPC error body, if the body is one.
std::optional<std::string> jsonrpc_error_text(std::string_view body) {
  auto parsed = parse(body);
  if (!parsed || parsed->messages.empty() || parsed->messages.front().kind != message_kind::error_response)
    return std::nullopt;
  const auto* err = parsed->messages.front().body.if_contains("error");
  const auto* text = err && err->is_object() ? err->get_object().if_contains("message") : nullptr;
  if (!text || !text->is_string())
    return std::nullopt;
  std::string out(text->get_string().subview().substr(0, max_quoted));
  return out;
}

}  // namespace

void streamable_client::send(message m) {
  if (terminated_)
    return;
  if (ended_) {
    if (m.is_request())
      push({.what = client_action::kind::deliver, .msg = error_message(m.id(), "the upstream MCP session has ended")});
    return;
  }
  switch (phase_) {
    case phase::fresh:
      if (m.is_request() && m.method() == "initialize") {
        phase_ = phase::initializing;
        init_key_ = id_key(m.id());
      }
      post(std::move(m));
      return;
    case phase::initializing:
      if (waiting_.size() >= opts_.max_queued) {
        if (m.is_request())
          push({.what = client_action::kind::deliver,
                .msg = error_message(m.id(), "too many messages wait for the upstream MCP server to initialize")});
        return;
      }
      waiting_.push_back(std::move(m));
      return;
    case phase::ready:
      post(std::move(m));
      return;
  }
}

void streamable_client::post(message m) {
  exchange e;
  e.method = exchange_method::post;
  if (posts_ >= opts_.max_exchanges) {
    if (m.is_request()) {
      push({.what = client_action::kind::deliver,
            .msg = error_message(m.id(), "too many requests in flight to the upstream MCP server")});
    } else {
      ++dropped_;  // a notification or an answer to the server: nothing to tell the client
    }
    return;
  }
  if (m.is_request()) {
    const std::string key = id_key(m.id());
    e.initialize = phase_ == phase::initializing && key == init_key_ && m.method() == "initialize";
    e.owed.emplace(key, m.id());
  } else if (m.kind == message_kind::notification && m.method() == "notifications/initialized") {
    e.initialized_notification = true;
  }
  start(exchange_method::post, serialize(m), std::move(e));
}

std::vector<std::pair<std::string, std::string>> streamable_client::session_headers() const {
  std::vector<std::pair<std::string, std::string>> h;
  if (!session_id_.empty())
    h.emplace_back("Mcp-Session-Id", session_id_);
  if (!protocol_version_.empty())
    h.emplace_back("MCP-Protocol-Version", protocol_version_);
  return h;
}

std::uint64_t streamable_client::start(exchange_method method, std::string body, exchange e) {
  const std::uint64_t id = next_exchange_++;
  exchange_request r;
  r.id = id;
  r.method = method;
  r.headers = session_headers();
  switch (method) {
    case exchange_method::post:
      r.headers.emplace_back("Content-Type", "application/json");
      r.headers.emplace_back("Accept", "application/json, text/event-stream");
      break;
    case exchange_method::get:
      r.headers.emplace_back("Accept", "text/event-stream");
      if (!last_event_id_.empty())
        r.headers.emplace_back("Last-Event-ID", last_event_id_);
      break;
    case exchange_method::del:
      break;
  }
  r.body = std::move(body);
  e.method = method;
  if (method == exchange_method::post)
    ++posts_;
  exchanges_.emplace(id, std::move(e));
  push({.what = client_action::kind::start_exchange, .request = std::move(r)});
  return id;
}

void streamable_client::head(std::uint64_t id, unsigned status, std::string_view content_type,
                             std::string_view session_id) {
  auto it = exchanges_.find(id);
  if (it == exchanges_.end() || ended_)
    return;
  exchange& e = it->second;
  e.status = status;
  switch (e.method) {
    case exchange_method::get:
      if (status == 405) {
        get_supported_ = false;  // the server sends nothing of its own
      } else if (status == 404 && !session_id_.empty()) {
        end_session("the upstream MCP server ended the session (HTTP 404 on its GET stream)");
      } else if (success(status) && is_event_stream(content_type)) {
        e.sse = true;
        e.parser = std::make_unique<sse::parser>(opts_.max_message);
      }
      return;
    case exchange_method::post:
      if (status == 404 && !session_id_.empty() && !e.initialize) {
        end_session("the upstream MCP server ended the session (HTTP 404)");
        return;
      }
      if (e.initialize && success(status) && !session_id.empty())
        session_id_ = std::string(session_id.substr(0, opts_.max_session_id));
      if (success(status) && is_event_stream(content_type)) {
        e.sse = true;
        e.parser = std::make_unique<sse::parser>(opts_.max_message);
      }
      return;
    case exchange_method::del:
      return;
  }
}

void streamable_client::body(std::uint64_t id, std::string_view bytes) {
  auto it = exchanges_.find(id);
  if (it == exchanges_.end() || ended_)
    return;
  exchange& e = it->second;
  if (e.method == exchange_method::del)
    return;
  if (e.sse) {
    e.parser->feed(bytes);
    sse::event ev;
    while (e.parser->next(ev)) {
      if (!ev.data.empty())
        from_server(ev.data, e, id);
      if (ended_ || !exchanges_.contains(id))
        return;
    }
    if (e.method == exchange_method::get)
      last_event_id_ = e.parser->last_event_id();
    return;
  }
  const std::size_t limit = success(e.status) ? opts_.max_message : max_error_body;
  if (e.buffer.size() + bytes.size() > limit) {
    e.too_large = true;
    return;
  }
  if (!e.too_large)
    e.buffer.append(bytes);
}

void streamable_client::from_server(std::string_view text, exchange& e, std::uint64_t id) {
  auto parsed = parse(text);
  if (!parsed) {
    ++malformed_;
    return;
  }
  for (auto& m : parsed->messages) {
    from_server_message(std::move(m), e, id);
    if (ended_)
      return;
  }
}

void streamable_client::from_server_message(message m, exchange& e, std::uint64_t) {
  if (!m.is_response()) {
    push({.what = client_action::kind::deliver, .msg = std::move(m)});
    return;
  }
  const std::string key = id_key(m.id());
  // Only an answer some exchange still owes goes on: a server's duplicate, late or made-up
  // answers never reach the client.
  if (e.owed.erase(key) == 0) {
    auto owner =
        std::find_if(exchanges_.begin(), exchanges_.end(), [&](const auto& x) { return x.second.owed.contains(key); });
    if (owner == exchanges_.end()) {
      ++unmatched_;
      return;
    }
    owner->second.owed.erase(key);
  }
  const bool init_answer = e.initialize && key == init_key_ && phase_ == phase::initializing;
  const bool ok = m.kind == message_kind::response;
  if (init_answer && ok) {
    const auto* result = m.body.if_contains("result");
    const auto* v = result && result->is_object() ? result->get_object().if_contains("protocolVersion") : nullptr;
    if (v && v->is_string() && v->get_string().size() <= max_version_bytes)
      protocol_version_ = std::string(v->get_string());
  }
  push({.what = client_action::kind::deliver, .msg = std::move(m)});
  if (init_answer)
    initialize_done(ok ? std::string() : std::string("the upstream MCP server refused initialize"));
}

void streamable_client::initialize_done(const std::string& failure) {
  if (failure.empty()) {
    phase_ = phase::ready;
    std::deque<message> queued;
    queued.swap(waiting_);
    for (auto& m : queued) {
      if (ended_)
        return;
      post(std::move(m));
    }
    return;
  }
  // No session: what waited for one fails, and the next initialize starts afresh.
  phase_ = phase::fresh;
  session_id_.clear();
  protocol_version_.clear();
  std::deque<message> queued;
  queued.swap(waiting_);
  for (auto& m : queued) {
    if (m.is_request())
      push({.what = client_action::kind::deliver, .msg = error_message(m.id(), failure)});
  }
}

void streamable_client::forget(std::map<std::uint64_t, exchange>::iterator it) {
  if (it->second.method == exchange_method::post)
    --posts_;
  exchanges_.erase(it);
}

void streamable_client::fail_owed(exchange& e, const std::string& why) {
  for (auto& [key, id] : e.owed)
    push({.what = client_action::kind::deliver, .msg = error_message(id, why)});
  e.owed.clear();
}

void streamable_client::end(std::uint64_t id, std::string_view error) {
  auto it = exchanges_.find(id);
  if (it == exchanges_.end())
    return;
  exchange e = std::move(it->second);
  forget(it);
  if (ended_)
    return;  // cancelled with the session, or the DELETE of terminate()
  finish_exchange(id, e, error);
}

void streamable_client::finish_exchange(std::uint64_t id, exchange& e, std::string_view error) {
  switch (e.method) {
    case exchange_method::del:
      return;
    case exchange_method::get:
      if (id == get_exchange_)
        get_exchange_ = 0;
      if (e.parser)
        last_event_id_ = e.parser->last_event_id();
      if (ended_ || terminated_ || !get_supported_ || !opts_.open_get_stream)
        return;
      if (!retry_armed_) {
        retry_armed_ = true;
        push({.what = client_action::kind::arm_retry, .delay = opts_.get_retry});
      }
      return;
    case exchange_method::post:
      break;
  }
  if (error.empty() && success(e.status) && !e.sse && !e.too_large && !e.buffer.empty())
    from_server(e.buffer, e, id);  // a JSON body: one message or a batch
  if (ended_)
    return;
  std::string why;
  if (!error.empty()) {
    why = (e.status == 0 ? "cannot reach the upstream MCP server: " : "the upstream MCP server's answer broke off: ") +
          std::string(error.substr(0, max_quoted));
  } else if (!success(e.status)) {
    // The server's own JSON-RPC error for one of these requests goes to it as it is.
    if (auto parsed = parse(e.buffer); parsed && !e.too_large) {
      for (auto& m : parsed->messages) {
        if (m.kind == message_kind::error_response && e.owed.contains(id_key(m.id())))
          from_server_message(std::move(m), e, id);
      }
    }
    why = "the upstream MCP server answered HTTP " + std::to_string(e.status);
    if (auto text = jsonrpc_error_text(e.buffer))
      why += ": " + *text;
  } else if (e.too_large) {
    why = "the upstream MCP server's answer is over " + std::to_string(opts_.max_message) + " bytes";
  } else if (e.parser && e.parser->dropped() > 0) {
    why = "an event of the upstream MCP server's stream is over " + std::to_string(opts_.max_message) + " bytes";
  } else {
    why = "the upstream MCP server ended its answer without answering this request";
  }
  const bool init_failed = e.initialize && phase_ == phase::initializing;
  fail_owed(e, why);
  if (init_failed)
    initialize_done(why);
  if (e.initialized_notification && error.empty() && success(e.status)) {
    get_wanted_ = true;
    open_get();
  }
}

void streamable_client::retry() {
  retry_armed_ = false;
  if (!ended_ && !terminated_ && get_wanted_ && get_exchange_ == 0)
    open_get();
}

void streamable_client::open_get() {
  if (!opts_.open_get_stream || !get_supported_ || get_exchange_ != 0 || ended_ || terminated_)
    return;
  get_exchange_ = start(exchange_method::get, {}, exchange{});
}

void streamable_client::cancel_all() {
  for (auto& [id, e] : exchanges_)
    push({.what = client_action::kind::cancel_exchange, .exchange = id});
  exchanges_.clear();
  posts_ = 0;
  get_exchange_ = 0;
  waiting_.clear();
}

void streamable_client::end_session(std::string reason) {
  if (ended_)
    return;
  ended_ = true;
  cancel_all();
  push({.what = client_action::kind::ended, .reason = std::move(reason)});
}

void streamable_client::terminate() {
  if (terminated_)
    return;
  terminated_ = true;
  cancel_all();
  const bool had_session = !ended_ && !session_id_.empty();
  ended_ = true;
  if (had_session)
    start(exchange_method::del, {}, exchange{});
}

bool streamable_client::resume(std::string session_id, std::string protocol_version) {
  if (phase_ != phase::fresh || ended_ || terminated_ || !exchanges_.empty() || session_id.empty() ||
      protocol_version.empty())
    return false;
  session_id_ = std::move(session_id);
  protocol_version_ = std::move(protocol_version);
  phase_ = phase::ready;
  get_wanted_ = true;
  open_get();
  return true;
}

void streamable_client::abandon() {
  if (terminated_)
    return;
  terminated_ = true;
  cancel_all();
  ended_ = true;
}

bool streamable_client::next(client_action& out) {
  if (actions_.empty())
    return false;
  out = std::move(actions_.front());
  actions_.pop_front();
  return true;
}

}  // namespace mcp
