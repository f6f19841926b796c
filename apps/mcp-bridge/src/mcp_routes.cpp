#include "mcp_routes.hpp"

#include <boost/beast/http/verb.hpp>

#include "http_server.hpp"
#include "log.hpp"
#include "mcp/error.hpp"
#include "mcp/protocol.hpp"
#include "mcp/sse.hpp"

#include <boost/json/serialize.hpp>

namespace bridge {
namespace http = boost::beast::http;

namespace {

constexpr std::string_view session_header = "Mcp-Session-Id";
constexpr std::string_view version_header = "MCP-Protocol-Version";
constexpr std::string_view last_event_header = "Last-Event-ID";

std::optional<std::string_view> header(const request& req, std::string_view name) {
  auto it = req.find(name);
  if (it == req.end()) {
    return std::nullopt;
  }
  return std::string_view(it->value());
}

bool accepts(const request& req, std::string_view type) {
  auto a = header(req, "Accept");
  return a && (a->find(type) != std::string_view::npos || a->find("*/*") != std::string_view::npos);
}

response_plan from_error(mcp::error e) {
  return rpc_error(mcp::http_status(e), mcp::jsonrpc_code(e), mcp::make_error_code(e).message());
}

response_plan refusal(session_refusal r, const http_context& ctx) {
  response_plan p;
  switch (r) {
    case session_refusal::too_many_sessions:
      p = rpc_error(503, -32000, "Service Unavailable: too many sessions");
      p.headers.emplace_back("Retry-After", "5");
      return p;
    case session_refusal::shutting_down:
      return rpc_error(503, -32000, "Service Unavailable: shutting down");
    case session_refusal::rate_limited:
      p = rpc_error(429, -32000, "Too Many Requests: new sessions are rate-limited");
      p.headers.emplace_back("Retry-After", std::to_string(ctx.sessions.retry_after_rate()));
      return p;
    case session_refusal::starting_busy:
      p.wait_for_start = true;
      return p;
    case session_refusal::child_failed:
      break;
  }
  p = rpc_error(503, -32603, "Service Unavailable: the MCP server could not be started");
  p.headers.emplace_back("Retry-After", "1");
  return p;
}

// Session lookup for every request but initialize: 400 without the header, 404 for an
// unknown or ended session (the client then re-initializes, as the spec says).
std::variant<std::shared_ptr<session>, response_plan> find_session(const request& req, http_context& ctx) {
  auto sid = header(req, session_header);
  if (!sid) {
    return rpc_error(400, -32000, "Bad Request: Mcp-Session-Id header is required");
  }
  auto s = ctx.sessions.find_or_restore(*sid);
  if (!s || s->legacy_sse()) {
    return rpc_error(404, -32001, "Session not found");
  }
  return s;
}

// Priming events arrived with 2025-11-25; older clients would see an unexpected empty event.
bool primes(boost::system::result<mcp::revision> r) {
  return r && *r >= mcp::revision::v2025_11_25;
}

boost::system::result<mcp::revision> requested_revision(const mcp::message& initialize) {
  const auto* params = initialize.body.if_contains("params");
  const auto* v = params && params->is_object() ? params->as_object().if_contains("protocolVersion") : nullptr;
  if (v && v->is_string()) {
    if (auto r = mcp::parse_revision(v->get_string())) {
      return *r;
    }
  }
  return mcp::error::unsupported_version;
}

// The revision that decides how a session's streams look: the negotiated one (clients may
// label single requests with an older MCP-Protocol-Version, the conformance suite does).
boost::system::result<mcp::revision> stream_revision(std::optional<std::string_view> header, const session& s) {
  if (s.revision()) {
    return *s.revision();
  }
  return mcp::request_revision(header, std::nullopt);
}

// The session's id is decided by session_hooks::name once its link can tell it.
boost::asio::awaitable<void> name_session(std::shared_ptr<session> s, session_manager& sessions, response_plan& plan) {
  co_await sessions.name(s);
  plan.headers.emplace_back(std::string(session_header), s->id());
}

response_plan answer_with_stream(std::shared_ptr<session> s, std::shared_ptr<outbound> o, bool batch) {
  response_plan p;
  p.stream = std::move(o);
  p.on_detach = [s = std::move(s)](outbound& out) { s->detach(out); };
  p.batch = batch;
  return p;
}

// A 2026-07-28 request: no session; validated by the revision's ladder, then served by the
// stateless backend. Notifications have nothing to act on without a session: 202.
response_plan stateless_post(const request& req, mcp::parsed_body parsed, bool want_sse, http_context& ctx) {
  if (parsed.batch || parsed.messages.front().is_response()) {
    return rpc_error(400, -32600, "Invalid Request: one JSON-RPC request per POST");
  }
  auto& m = parsed.messages.front();
  if (!m.is_request()) {
    return plain(202, "", "");
  }
  const mcp::stateless_headers h{header(req, version_header), header(req, "Mcp-Method"), header(req, "Mcp-Name")};
  if (auto ok = mcp::check_stateless(h, m); !ok) {
    const auto e = static_cast<mcp::error>(ok.error().value());
    auto p = plain(mcp::http_status(e), "application/json", "");
    boost::json::object err{{"code", mcp::jsonrpc_code(e)}, {"message", ok.error().message()}};
    if (e == mcp::error::unsupported_modern_version) {
      err["data"] = boost::json::object{{"supported", boost::json::array{mcp::to_string(mcp::revision::v2026_07_28)}},
                                        {"requested", *h.protocol_version}};
    }
    p.body = boost::json::serialize(boost::json::object{{"jsonrpc", "2.0"}, {"id", m.id()}, {"error", err}});
    return p;
  }
  // Per-session mode: a child of this request's own, so the isolation promise holds.
  auto chosen = ctx.sessions.stateless_for_request();
  if (auto* r = std::get_if<session_refusal>(&chosen)) {
    return refusal(*r, ctx);
  }
  auto [backend, key] = std::get<std::pair<stateless_backend*, std::uint64_t>>(chosen);
  auto o = std::make_shared<outbound>(ctx.sessions.executor(), 0, !want_sse, ctx.opts.max_stream_buffer);
  o->attached = true;
  backend->submit(std::move(m), o);
  response_plan p;
  p.stream = std::move(o);
  p.on_detach = [backend, key, &sessions = ctx.sessions](outbound& out) {
    if (!out.done) {
      backend->detach(out);
    }
    sessions.release_stateless(key);
  };
  return p;
}

response_plan post(const request& req, http_context& ctx, std::string& label) {
  const bool want_sse = accepts(req, "text/event-stream");
  if (!want_sse && !accepts(req, "application/json")) {
    return rpc_error(406, -32000, "Not Acceptable: accept application/json and text/event-stream");
  }
  auto ct = header(req, "Content-Type");
  if (!ct || ct->find("application/json") == std::string_view::npos) {
    return rpc_error(415, -32000, "Unsupported Media Type: Content-Type must be application/json");
  }
  auto parsed = mcp::parse(req.body());
  if (!parsed) {
    return from_error(static_cast<mcp::error>(parsed.error().value()));
  }
  auto& msgs = parsed->messages;
  label = std::string(msgs.front().is_response() ? "response" : msgs.front().method());
  if (ctx.trace) {
    ctx.trace->begin(msgs);
  }
  const bool initialize = std::any_of(
      msgs.begin(), msgs.end(), [](const mcp::message& m) { return m.is_request() && m.method() == "initialize"; });
  const auto version = header(req, version_header);
  std::shared_ptr<session> s;
  if (initialize) {
    if (msgs.size() > 1) {
      return rpc_error(400, -32600, "Invalid Request: initialize must not be part of a batch");
    }
    if (version && !mcp::parse_revision(*version)) {
      return from_error(mcp::error::unsupported_version);
    }
    auto created = ctx.sessions.create(false);
    if (auto* r = std::get_if<session_refusal>(&created)) {
      return refusal(*r, ctx);
    }
    s = std::get<std::shared_ptr<session>>(created);
    label = "initialize";
  } else {
    if (version && mcp::parse_revision(*version) &&
        mcp::transport_of(*mcp::parse_revision(*version)) == mcp::transport_kind::stateless_http) {
      return stateless_post(req, std::move(*parsed), want_sse, ctx);
    }
    auto found = find_session(req, ctx);
    if (auto* p = std::get_if<response_plan>(&found)) {
      return std::move(*p);
    }
    s = std::get<std::shared_ptr<session>>(found);
    auto rev = mcp::request_revision(version, s->revision());
    if (!rev) {
      return from_error(static_cast<mcp::error>(rev.error().value()));
    }
    if (parsed->batch && !mcp::allows_batches(*rev)) {
      return from_error(mcp::error::batch_not_allowed);
    }
  }
  const bool has_requests = std::any_of(msgs.begin(), msgs.end(), [](const mcp::message& m) { return m.is_request(); });
  std::optional<trace_parent> parent;
  if (ctx.trace) {
    ctx.trace->bind(s);
    parent = ctx.trace->parent();
  }
  if (!has_requests) {
    s->from_client(std::move(msgs), nullptr);
    return plain(202, "", "");
  }
  auto o = s->open_post_stream(!want_sse);
  if (want_sse && primes(initialize ? requested_revision(msgs.front()) : stream_revision(version, *s))) {
    s->prime(*o);
  }
  const bool batch = parsed->batch;
  s->from_client(std::move(msgs), o, std::move(parent));
  auto p = answer_with_stream(s, std::move(o), batch);
  if (initialize && ctx.sessions.names_sessions()) {
    p.before_write = [s, &sessions = ctx.sessions](response_plan& plan) { return name_session(s, sessions, plan); };
  } else if (initialize) {
    p.headers.emplace_back(std::string(session_header), s->id());
  }
  return p;
}

response_plan get(const request& req, http_context& ctx) {
  const auto version = header(req, version_header);
  if (version == mcp::to_string(mcp::revision::v2026_07_28)) {
    auto p = rpc_error(405, -32000, "Method Not Allowed: stateless MCP has no GET stream");
    p.headers.emplace_back("Allow", "POST");
    return p;
  }
  if (!accepts(req, "text/event-stream")) {
    return rpc_error(406, -32000, "Not Acceptable: accept text/event-stream");
  }
  auto found = find_session(req, ctx);
  if (auto* p = std::get_if<response_plan>(&found)) {
    return std::move(*p);
  }
  auto s = std::get<std::shared_ptr<session>>(found);
  if (auto rev = mcp::request_revision(version, s->revision()); !rev) {
    return from_error(static_cast<mcp::error>(rev.error().value()));
  }
  if (auto last = header(req, last_event_header)) {
    auto resumed = s->resume(*last);
    if (!resumed) {
      return from_error(mcp::error::unknown_event_id);
    }
    return answer_with_stream(s, *resumed, false);
  }
  auto o = s->attach_standalone();
  if (!o) {
    return rpc_error(409, -32000, "Conflict: this session already has a GET stream");
  }
  if (primes(stream_revision(version, *s))) {
    s->prime(*o);
  }
  return answer_with_stream(s, std::move(o), false);
}

response_plan del(const request& req, http_context& ctx) {
  if (header(req, version_header) == mcp::to_string(mcp::revision::v2026_07_28)) {
    auto p = rpc_error(405, -32000, "Method Not Allowed: stateless MCP has no sessions");
    p.headers.emplace_back("Allow", "POST");
    return p;
  }
  auto found = find_session(req, ctx);
  if (auto* p = std::get_if<response_plan>(&found)) {
    return std::move(*p);
  }
  auto s = std::get<std::shared_ptr<session>>(found);
  ctx.sessions.remove(s->id());
  return plain(200, "", "");
}

}  // namespace

response_plan streamable_route(const request& req, http_context& ctx, std::string& label) {
  response_plan p;
  switch (req.method()) {
    case http::verb::post:
      p = post(req, ctx, label);
      break;
    case http::verb::get:
      p = get(req, ctx);
      break;
    case http::verb::delete_:
      p = del(req, ctx);
      break;
    default:
      p = rpc_error(405, -32000, "Method Not Allowed");
      p.headers.emplace_back("Allow", "GET, POST, DELETE");
      return p;
  }
  return p;
}

response_plan legacy_route(const request& req, const boost::urls::url_view& url, http_context& ctx,
                           std::string& label) {
  if (url.path() == "/sse") {
    if (req.method() != http::verb::get) {
      return rpc_error(405, -32000, "Method Not Allowed");
    }
    auto created = ctx.sessions.create(true);
    if (auto* r = std::get_if<session_refusal>(&created)) {
      return refusal(*r, ctx);
    }
    auto s = std::get<std::shared_ptr<session>>(created);
    auto o = s->attach_standalone();
    // The first event tells a 2024-11-05 client where to POST its messages.
    o->push_front(mcp::sse::encode("/message?sessionId=" + s->id(), {}, "endpoint"));
    return answer_with_stream(s, std::move(o), false);
  }
  if (req.method() != http::verb::post) {
    return rpc_error(405, -32000, "Method Not Allowed");
  }
  auto it = url.params().find("sessionId");
  std::shared_ptr<session> s;
  if (it != url.params().end()) {
    s = ctx.sessions.find((*it).value);
  }
  if (!s || !s->legacy_sse() || !s->standalone()) {
    return rpc_error(404, -32001, "Session not found");
  }
  auto parsed = mcp::parse(req.body());
  if (!parsed) {
    return from_error(static_cast<mcp::error>(parsed.error().value()));
  }
  label = std::string(parsed->messages.front().is_response() ? "response" : parsed->messages.front().method());
  std::optional<trace_parent> parent;
  if (ctx.trace) {
    ctx.trace->begin(parsed->messages);
    ctx.trace->bind(s);
    parent = ctx.trace->parent();
  }
  s->from_client(std::move(parsed->messages), s->standalone(), std::move(parent));
  return plain(202, "text/plain", "Accepted");
}

}  // namespace bridge
