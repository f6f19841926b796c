// Small readers of JSON-RPC params shared by pool_session's two halves. Each tolerates any
// shape: a missing or mistyped field reads as absent.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

#include "mcp/jsonrpc.hpp"

namespace gateway::detail {

inline const boost::json::object* params_of(const mcp::message& m) {
  const auto* p = m.body.if_contains("params");
  return p ? p->if_object() : nullptr;
}

inline boost::json::object* mutable_params_of(mcp::message& m) {
  auto* p = m.body.if_contains("params");
  return p ? p->if_object() : nullptr;
}

inline std::optional<std::string_view> string_param(const boost::json::object* o, std::string_view key) {
  const auto* v = o ? o->if_contains(key) : nullptr;
  if (!v || !v->is_string()) {
    return std::nullopt;
  }
  return std::string_view(v->get_string());
}

// params._meta.progressToken, if the message carries one.
inline boost::json::value* progress_token(mcp::message& m) {
  auto* p = mutable_params_of(m);
  auto* meta = p ? p->if_contains("_meta") : nullptr;
  auto* o = meta ? meta->if_object() : nullptr;
  return o ? o->if_contains("progressToken") : nullptr;
}

inline const boost::json::value* progress_token(const mcp::message& m) {
  const auto* p = params_of(m);
  const auto* meta = p ? p->if_contains("_meta") : nullptr;
  const auto* o = meta ? meta->if_object() : nullptr;
  return o ? o->if_contains("progressToken") : nullptr;
}

inline mcp::message error_message(const boost::json::value& id, int code, std::string_view text) {
  mcp::message m;
  m.kind = mcp::message_kind::error_response;
  m.body = boost::json::object{
      {"jsonrpc", "2.0"}, {"id", id}, {"error", boost::json::object{{"code", code}, {"message", text}}}};
  return m;
}

inline mcp::message notification(std::string_view method, boost::json::object params) {
  mcp::message m;
  m.kind = mcp::message_kind::notification;
  m.body = boost::json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
  return m;
}

}  // namespace gateway::detail
