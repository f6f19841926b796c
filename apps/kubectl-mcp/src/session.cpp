#include "session.hpp"

#include <boost/json.hpp>

#include "tools_view.hpp"

namespace kubectl_mcp {

namespace json = boost::json;

namespace {

constexpr std::string_view requested_revision = "2025-06-18";

mcp::streamable_client_options client_options() {
  mcp::streamable_client_options o;
  o.open_get_stream = false;  // one request at a time; the server has nothing to push to a CLI
  o.max_session_id = 8192;    // an MCPPool's sealed session id
  return o;
}

std::string error_text(const json::object& msg) {
  const json::value* e = msg.if_contains("error");
  const json::object* eo = e != nullptr ? e->if_object() : nullptr;
  if (eo == nullptr)
    return "malformed error";
  std::string code = eo->contains("code") ? json::serialize(eo->at("code")) : "null";
  const json::value* m = eo->if_contains("message");
  return "JSON-RPC error " + code + ": " + (m != nullptr && m->is_string() ? std::string(m->get_string()) : "");
}

}  // namespace

mcp_session::mcp_session(std::string client_version, std::optional<call_spec> call)
    : client_(client_options()), client_version_(std::move(client_version)), call_(std::move(call)) {
  request("initialize",
          json::object{{"protocolVersion", requested_revision},
                       {"capabilities", json::object{}},
                       {"clientInfo", json::object{{"name", "kubectl-mcp"}, {"version", client_version_}}}});
}

void mcp_session::request(std::string_view method, json::object params) {
  json::object body{{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", method}, {"params", std::move(params)}};
  auto m = mcp::classify(std::move(body));
  if (m)
    client_.send(std::move(*m));
}

void mcp_session::finish(session_outcome::status st, std::string message) {
  if (finished_)
    return;
  finished_ = true;
  out_.st = st;
  out_.message = std::move(message);
  step_ = step::closing;
  client_.terminate();  // DELETE of the session, best effort
}

void mcp_session::abort(std::string why) {
  if (!finished_) {
    finished_ = true;
    out_.st = session_outcome::status::failed;
    out_.message = std::move(why);
  }
  step_ = step::closing;
  client_.abandon();  // nothing more reaches the server
}

bool mcp_session::next(mcp::client_action& out) {
  mcp::client_action a;
  while (client_.next(a)) {
    switch (a.what) {
      case mcp::client_action::kind::start_exchange:
        out = std::move(a);
        return true;
      case mcp::client_action::kind::deliver:
        if (!finished_)
          on_message(a.msg.body);
        break;
      case mcp::client_action::kind::ended:
        finish(session_outcome::status::failed, "the MCP session ended: " + a.reason);
        break;
      case mcp::client_action::kind::cancel_exchange:
      case mcp::client_action::kind::arm_retry:
        break;
    }
  }
  if (!finished_)  // nothing in flight and nothing owed: an answer never came
    finish(session_outcome::status::failed, "the MCP server stopped answering");
  return false;
}

void mcp_session::head(std::uint64_t id, unsigned status, std::string_view content_type, std::string_view session_id) {
  client_.head(id, status, content_type, session_id);
}
void mcp_session::body(std::uint64_t id, std::string_view bytes) {
  client_.body(id, bytes);
}
void mcp_session::end(std::uint64_t id, std::string_view error) {
  client_.end(id, error);
}

void mcp_session::on_message(const json::object& msg) {
  if (!msg.contains("id") || msg.contains("method"))
    return;  // notifications (progress, logging) and server requests: nothing a CLI answers
  if (msg.contains("error")) {
    const std::string what = step_ == step::initializing ? "initialize"
                             : step_ == step::listing    ? "tools/list"
                                                         : "tools/call";
    // streamable_client makes up -32603 errors naming "the upstream MCP server/session" for
    // HTTP and transport failures: those are not the server's answer.
    std::string text = error_text(msg);
    const bool made_up = text.starts_with("JSON-RPC error -32603: ") && text.find("upstream MCP") != std::string::npos;
    if (made_up) {
      text = text.substr(std::string_view("JSON-RPC error -32603: ").size());
      if (auto at = text.find("upstream "); at != std::string::npos)
        text.erase(at, std::string_view("upstream ").size());
    }
    finish(made_up ? session_outcome::status::failed : session_outcome::status::protocol_error,
           what + " failed: " + text);
    return;
  }
  const json::value* rv = msg.if_contains("result");
  const json::object* result = rv != nullptr ? rv->if_object() : nullptr;
  if (result == nullptr) {
    finish(session_outcome::status::failed, "the MCP server answered without a result object");
    return;
  }
  switch (step_) {
    case step::initializing: {
      json::object none;
      auto n = mcp::classify(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
      if (n)
        client_.send(std::move(*n));
      step_ = step::listing;
      request("tools/list", std::move(none));
      return;
    }
    case step::listing: {
      if (const json::value* t = result->if_contains("tools"); t != nullptr && t->is_array())
        for (const auto& x : t->get_array())
          out_.tools.push_back(x);
      const json::value* cursor = result->if_contains("nextCursor");
      if (cursor != nullptr && cursor->is_string() && !cursor->get_string().empty() && ++pages_ < max_tool_pages) {
        request("tools/list", json::object{{"cursor", cursor->get_string()}});
        return;
      }
      if (!call_) {
        finish(session_outcome::status::ok, {});
        return;
      }
      const json::object* tool = find_tool(out_.tools, call_->tool);
      if (tool == nullptr) {
        std::string names;
        for (const auto& t : out_.tools)
          if (const auto* o = t.if_object(); o != nullptr && o->contains("name") && o->at("name").is_string())
            names += (names.empty() ? "" : ", ") + std::string(o->at("name").get_string());
        finish(session_outcome::status::not_found,
               "tool \"" + call_->tool + "\" not found; the server's tools: " + (names.empty() ? "none" : names));
        return;
      }
      json::object arguments;
      std::string error;
      if (!build_arguments(call_->args, call_->json_args, tool, arguments, error)) {
        finish(session_outcome::status::usage, error);
        return;
      }
      step_ = step::calling;
      called_ = true;
      request("tools/call", json::object{{"name", call_->tool}, {"arguments", std::move(arguments)}});
      return;
    }
    case step::calling: {
      out_.result = *result;
      const json::value* e = result->if_contains("isError");
      out_.is_error = e != nullptr && e->is_bool() && e->get_bool();
      finish(session_outcome::status::ok, {});
      return;
    }
    case step::closing:
      return;
  }
}

}  // namespace kubectl_mcp
