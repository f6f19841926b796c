#include "mcp/jsonrpc.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

#include "mcp/error.hpp"

namespace mcp {
namespace json = boost::json;

namespace {

const json::value null_value;

bool valid_id(const json::value& id) {
  return id.is_string() || id.is_int64() || id.is_uint64();
}

}  // namespace

const json::value& message::id() const {
  const auto* id = body.if_contains("id");
  return id ? *id : null_value;
}

std::string_view message::method() const {
  const auto* m = body.if_contains("method");
  return (m && m->is_string()) ? std::string_view(m->get_string()) : std::string_view();
}

boost::system::result<message> classify(json::value v) {
  auto* obj = v.if_object();
  if (!obj) {
    return error::invalid_request;
  }
  const auto* version = obj->if_contains("jsonrpc");
  if (!version || !version->is_string() || version->get_string() != "2.0") {
    return error::invalid_request;
  }
  const auto* id = obj->if_contains("id");
  const auto* method = obj->if_contains("method");
  message m;
  if (method) {
    if (!method->is_string() || method->get_string().empty()) {
      return error::invalid_request;
    }
    const auto* params = obj->if_contains("params");
    if (params && !params->is_object() && !params->is_array()) {
      return error::invalid_request;
    }
    if (id && !valid_id(*id)) {
      return error::invalid_request;
    }
    m.kind = id ? message_kind::request : message_kind::notification;
  } else {
    const bool has_result = obj->contains("result");
    const auto* err = obj->if_contains("error");
    if (!id || has_result == (err != nullptr)) {
      return error::invalid_request;
    }
    if (err) {
      const auto* eo = err->if_object();
      if (!eo || !eo->contains("code") || !(*eo).at("code").is_number()) {
        return error::invalid_request;
      }
      // An error answering an unparseable request carries a null id; that is allowed.
      if (!id->is_null() && !valid_id(*id)) {
        return error::invalid_request;
      }
      m.kind = message_kind::error_response;
    } else {
      if (!valid_id(*id)) {
        return error::invalid_request;
      }
      m.kind = message_kind::response;
    }
  }
  m.body = std::move(*obj);
  return m;
}

boost::system::result<parsed_body> parse(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    return error::parse_error;
  }
  parsed_body out;
  if (auto* arr = v.if_array()) {
    if (arr->empty()) {
      return error::empty_batch;
    }
    out.batch = true;
    out.messages.reserve(arr->size());
    for (auto& item : *arr) {
      auto m = classify(std::move(item));
      if (!m) {
        return m.error();
      }
      out.messages.push_back(std::move(*m));
    }
    return out;
  }
  auto m = classify(std::move(v));
  if (!m) {
    return m.error();
  }
  out.messages.push_back(std::move(*m));
  return out;
}

std::string id_key(const json::value& id) {
  if (id.is_string()) {
    std::string key = "s:";
    key += id.get_string();
    return key;
  }
  // Integer ids (the common case) as json::serialize writes them, without its serializer.
  char digits[24];
  char* end = nullptr;
  if (id.is_int64()) {
    end = std::to_chars(digits, digits + sizeof digits, id.get_int64()).ptr;
  } else if (id.is_uint64()) {
    end = std::to_chars(digits, digits + sizeof digits, id.get_uint64()).ptr;
  } else {
    return "n:" + json::serialize(id);
  }
  std::string key = "n:";
  key.append(digits, end);
  return key;
}

std::string error_response(const json::value& id, int code, std::string_view text) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["error"] = json::object{{"code", code}, {"message", text}};
  return json::serialize(o);
}

std::string serialize(const message& m) {
  return json::serialize(m.body);
}

}  // namespace mcp
