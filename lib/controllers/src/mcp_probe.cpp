#include "controllers/mcp_probe.hpp"

#include <boost/json.hpp>

#include "mcp/sse.hpp"

namespace controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view requested_revision = "2025-06-18";
using limits = probe_limits;

// A string member of `o`, cut to `max` bytes.
std::string str_at(const json::object& o, std::string_view key, std::size_t max = limits::max_text) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? bounded(v->get_string(), max) : std::string();
}

}  // namespace

mcp_probe::mcp_probe(std::string client_version, std::string now) : client_version_(std::move(client_version)) {
  result_.time = std::move(now);
}

std::optional<probe_request> mcp_probe::next() const {
  probe_request req;
  req.method = "POST";
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};
  if (!session_id_.empty())
    req.headers.emplace_back("Mcp-Session-Id", session_id_);
  if (!protocol_version_.empty())
    req.headers.emplace_back("MCP-Protocol-Version", protocol_version_);
  switch (step_) {
    case step::initialize:
      req.body = json::serialize(json::object{
          {"jsonrpc", "2.0"},
          {"id", next_id_},
          {"method", "initialize"},
          {"params",
           json::object{{"protocolVersion", requested_revision},
                        {"capabilities", json::object{}},
                        {"clientInfo", json::object{{"name", "mcp-operator"}, {"version", client_version_}}}}}});
      return req;
    case step::initialized:
      req.body = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
      return req;
    case step::list_tools: {
      json::object params;
      if (!cursor_.empty())
        params["cursor"] = cursor_;
      req.body = json::serialize(
          json::object{{"jsonrpc", "2.0"}, {"id", next_id_}, {"method", "tools/list"}, {"params", std::move(params)}});
      return req;
    }
    case step::close:
      req.method = "DELETE";
      req.body.clear();
      return req;
    case step::done:
      break;
  }
  return std::nullopt;
}

void mcp_probe::fail(std::string reason, std::string message) {
  result_.ok = false;
  result_.reason = std::move(reason);
  result_.message = std::move(message);
  step_ = session_id_.empty() ? step::done : step::close;
}

void mcp_probe::on_transport_error(const std::string& what) {
  if (step_ == step::close) {
    step_ = step::done;  // the session is abandoned; the server's idle timeout ends it
    return;
  }
  result_.ok = false;
  result_.reason = "Unreachable";
  result_.message = "MCP endpoint unreachable: " + what;
  step_ = step::done;
}

void mcp_probe::on_deadline(const std::string& what) {
  if (step_ == step::close) {
    step_ = step::done;
    return;
  }
  result_.ok = false;
  result_.reason = "Timeout";
  result_.message = what;
  step_ = step::done;  // no time left to close the session either
}

// The JSON-RPC result with `id` in a JSON or SSE body. Returns an error text on failure.
std::optional<std::string> mcp_probe::rpc_result(const probe_response& r, int id, json::object& out) {
  if (r.status != 200) {
    return "answered HTTP " + std::to_string(r.status);
  }
  // The result, or the error text of the response with `id`; nullopt: not that response.
  auto match = [&](std::string_view text) -> std::optional<std::optional<std::string>> {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object())
      return std::nullopt;
    auto& o = v.get_object();
    const json::value* rid = o.if_contains("id");
    if (rid == nullptr || !rid->is_int64() || rid->get_int64() != id)
      return std::nullopt;
    if (const json::value* err = o.if_contains("error"); err != nullptr && err->is_object()) {
      const json::value* code = err->get_object().if_contains("code");
      return std::optional<std::string>(
          "JSON-RPC error " + (code != nullptr && code->is_number() ? json::serialize(*code) : std::string("null")) +
          ": " + str_at(err->get_object(), "message"));
    }
    json::value* res = o.if_contains("result");
    if (res == nullptr || !res->is_object())
      return std::optional<std::string>("response without a result object");
    out = std::move(res->get_object());
    return std::optional<std::string>();
  };
  if (r.content_type.starts_with("text/event-stream")) {
    // One event at a time is parsed and dropped; the parser caps the id and the queue.
    mcp::sse::parser p(limits::max_body, limits::max_sse_id, limits::max_sse_events);
    p.feed(r.body);
    p.feed("\n\n");  // a body cut right after the last event still dispatches it
    if (p.overflowed() > 0)
      return "sent more than " + std::to_string(limits::max_sse_events) + " SSE events in one response";
    mcp::sse::event ev;
    while (p.next(ev)) {
      if (auto m = match(ev.data))
        return *m;
    }
  } else if (auto m = match(r.body)) {
    return *m;
  }
  return "no JSON-RPC response with id " + std::to_string(id) + " in the body";
}

void mcp_probe::on_tools_page(const json::object& res) {
  if (const json::value* tools = res.if_contains("tools"); tools != nullptr && tools->is_array()) {
    for (const auto& t : tools->get_array()) {
      if (!t.is_object())
        continue;
      ++tools_listed_;
      if (result_.tools.size() < limits::max_tool_names)
        result_.tools.push_back(str_at(t.get_object(), "name", max_tool_name));
    }
  }
  result_.tool_count = tools_listed_;
}

void mcp_probe::on_auth_challenge(const probe_response& r) {
  const std::string& h = r.www_authenticate;
  const bool bearer = h.size() >= 6 && (h.compare(0, 6, "Bearer") == 0 || h.compare(0, 6, "bearer") == 0);
  const std::string want = "resource_metadata=\"" + auth_metadata_url_ + "\"";
  if (!bearer || (!auth_metadata_url_.empty() && h.find(want) == std::string::npos)) {
    fail("AuthChallengeMismatch", "initialize answered HTTP 401 without the expected challenge (want Bearer " +
                                      (auth_metadata_url_.empty() ? std::string() : want) +
                                      ", got: " + bounded(h, limits::max_text) + ")");
    return;
  }
  result_.ok = true;
  result_.reason = "AuthRequired";
  result_.message =
      "the endpoint is up and requires a bearer token (spec.auth): initialize answered 401 with " +
      (auth_metadata_url_.empty() ? std::string("a Bearer challenge") : "resource_metadata " + auth_metadata_url_) +
      "; tools are not listed without a token";
  step_ = step::done;
}

void mcp_probe::on_response(const probe_response& r) {
  if ((r.too_large || r.body.size() > limits::max_body) && step_ != step::close && step_ != step::done) {
    static constexpr std::string_view what[] = {"initialize", "notifications/initialized", "tools/list"};
    fail(step_ == step::list_tools ? "ToolsListFailed" : "InitializeFailed",
         std::string(what[static_cast<int>(step_)]) + " response larger than " + std::to_string(limits::max_body) +
             " bytes");
    return;
  }
  json::object res;
  switch (step_) {
    case step::initialize: {
      if (r.status == 401 && expect_auth_) {
        on_auth_challenge(r);
        return;
      }
      if (auto err = rpc_result(r, next_id_, res)) {
        fail("InitializeFailed", "initialize " + *err);
        return;
      }
      protocol_version_ = str_at(res, "protocolVersion");
      if (protocol_version_.empty()) {
        fail("InvalidResponse", "initialize result has no protocolVersion");
        return;
      }
      if (const json::value* info = res.if_contains("serverInfo"); info != nullptr && info->is_object()) {
        result_.server_name = str_at(info->get_object(), "name");
        result_.server_version = str_at(info->get_object(), "version");
      }
      result_.protocol_version = protocol_version_;
      if (r.session_id.size() > limits::max_session_id) {
        fail("InvalidResponse",
             "initialize answered an Mcp-Session-Id longer than " + std::to_string(limits::max_session_id) + " bytes");
        return;
      }
      session_id_ = r.session_id;
      ++next_id_;
      step_ = step::initialized;
      return;
    }
    case step::initialized:
      if (r.status != 202 && r.status != 200 && r.status != 204) {
        fail("InitializeFailed", "notifications/initialized answered HTTP " + std::to_string(r.status));
        return;
      }
      step_ = step::list_tools;
      return;
    case step::list_tools: {
      if (auto err = rpc_result(r, next_id_, res)) {
        fail("ToolsListFailed", "tools/list " + *err);
        return;
      }
      ++next_id_;
      on_tools_page(res);
      const json::value* cursor = res.if_contains("nextCursor");
      cursor_ = cursor != nullptr && cursor->is_string() ? std::string(cursor->get_string()) : std::string();
      if (cursor_.size() > limits::max_text) {
        fail("ToolsListFailed",
             "tools/list answered a nextCursor longer than " + std::to_string(limits::max_text) + " bytes");
        return;
      }
      if (!cursor_.empty() && ++pages_ < max_tool_pages) {
        return;  // next page
      }
      result_.ok = true;
      result_.reason = "Verified";
      result_.message = "initialize and tools/list succeeded: " + std::to_string(tools_listed_) + " tools";
      step_ = session_id_.empty() ? step::done : step::close;
      return;
    }
    case step::close:
    case step::done:
      step_ = step::done;
      return;
  }
}

}  // namespace controllers
