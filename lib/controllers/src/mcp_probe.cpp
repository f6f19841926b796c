#include "controllers/mcp_probe.hpp"

#include <boost/json.hpp>

#include "mcp/sse.hpp"

namespace controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view requested_revision = "2025-06-18";
constexpr std::size_t max_body = 4U << 20U;

std::string str_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
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

// The JSON-RPC response with `id` in a JSON or SSE body. Returns an error text on failure.
std::optional<std::string> mcp_probe::rpc_result(const probe_response& r, int id, std::string& json_out) {
  if (r.status != 200) {
    return "answered HTTP " + std::to_string(r.status);
  }
  if (r.body.size() > max_body) {
    return "response larger than 4 MiB";
  }
  std::vector<std::string> candidates;
  if (r.content_type.starts_with("text/event-stream")) {
    mcp::sse::parser p(max_body);
    p.feed(r.body);
    p.feed("\n\n");  // a body cut right after the last event still dispatches it
    mcp::sse::event ev;
    while (p.next(ev))
      candidates.push_back(ev.data);
  } else {
    candidates.push_back(r.body);
  }
  for (const auto& text : candidates) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object())
      continue;
    const auto& o = v.get_object();
    const json::value* rid = o.if_contains("id");
    if (rid == nullptr || !rid->is_int64() || rid->get_int64() != id)
      continue;
    if (const json::value* err = o.if_contains("error"); err != nullptr && err->is_object()) {
      return "JSON-RPC error " + json::serialize(err->get_object().contains("code") ? err->at("code") : json::value()) +
             ": " + str_at(err->get_object(), "message");
    }
    const json::value* res = o.if_contains("result");
    if (res == nullptr || !res->is_object())
      return "response without a result object";
    json_out = json::serialize(*res);
    return std::nullopt;
  }
  return "no JSON-RPC response with id " + std::to_string(id) + " in the body";
}

void mcp_probe::on_response(const probe_response& r) {
  std::string body;
  switch (step_) {
    case step::initialize: {
      if (auto err = rpc_result(r, next_id_, body)) {
        fail("InitializeFailed", "initialize " + *err);
        return;
      }
      auto res = json::parse(body).as_object();
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
      if (auto err = rpc_result(r, next_id_, body)) {
        fail("ToolsListFailed", "tools/list " + *err);
        return;
      }
      ++next_id_;
      auto res = json::parse(body).as_object();
      if (const json::value* tools = res.if_contains("tools"); tools != nullptr && tools->is_array()) {
        for (const auto& t : tools->get_array()) {
          if (t.is_object())
            result_.tools.push_back(str_at(t.get_object(), "name"));
        }
      }
      cursor_ = str_at(res, "nextCursor");
      if (!cursor_.empty() && ++pages_ < max_tool_pages) {
        return;  // next page
      }
      result_.ok = true;
      result_.reason = "Verified";
      result_.message = "initialize and tools/list succeeded: " + std::to_string(result_.tools.size()) + " tools";
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
