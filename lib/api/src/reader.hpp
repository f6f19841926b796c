// The field readers of lib/api's parsers: each returns false (and says why, naming the field
// with its path) when a field has the wrong JSON type. A missing or null field is not an error
// and leaves the output as it was (its default).
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/mcpserver.hpp"

namespace api::detail {

namespace json = boost::json;

struct reader {
  const json::object& obj;
  std::string prefix;
  std::string error;

  const json::value* find(std::string_view key) const {
    auto it = obj.find(key);
    return it == obj.end() || it->value().is_null() ? nullptr : &it->value();
  }
  bool fail(std::string_view key, std::string_view want) {
    if (error.empty()) {
      error = prefix + std::string(key) + " must be " + std::string(want);
    }
    return false;
  }
  bool str(std::string_view key, std::string& out) {
    const json::value* v = find(key);
    if (v == nullptr)
      return true;
    if (!v->is_string())
      return fail(key, "a string");
    out = std::string(v->get_string());
    return true;
  }
  bool str(std::string_view key, std::optional<std::string>& out) {
    std::string s;
    if (find(key) == nullptr)
      return true;
    if (!str(key, s))
      return false;
    out = std::move(s);
    return true;
  }
  bool i32(std::string_view key, std::int32_t& out) {
    const json::value* v = find(key);
    if (v == nullptr)
      return true;
    if (!v->is_int64() && !v->is_uint64())
      return fail(key, "an integer");
    auto n = v->to_number<std::int64_t>();
    if (n < INT32_MIN || n > INT32_MAX)
      return fail(key, "a 32-bit integer");
    out = static_cast<std::int32_t>(n);
    return true;
  }
  bool i32(std::string_view key, std::optional<std::int32_t>& out) {
    std::int32_t n = 0;
    if (find(key) == nullptr)
      return true;
    if (!i32(key, n))
      return false;
    out = n;
    return true;
  }
  bool number(std::string_view key, std::optional<double>& out) {
    const json::value* v = find(key);
    if (v == nullptr)
      return true;
    if (!v->is_number())
      return fail(key, "a number");
    out = v->to_number<double>();
    return true;
  }
  bool boolean(std::string_view key, bool& out) {
    const json::value* v = find(key);
    if (v == nullptr)
      return true;
    if (!v->is_bool())
      return fail(key, "true or false");
    out = v->get_bool();
    return true;
  }
  bool strings(std::string_view key, std::vector<std::string>& out) {
    const json::value* v = find(key);
    if (v == nullptr)
      return true;
    if (!v->is_array())
      return fail(key, "a list of strings");
    for (const auto& e : v->get_array()) {
      if (!e.is_string())
        return fail(key, "a list of strings");
      out.emplace_back(e.get_string());
    }
    return true;
  }
  bool object(std::string_view key, json::object& out) {
    const json::value* v = find(key);
    if (v == nullptr)
      return true;
    if (!v->is_object())
      return fail(key, "an object");
    out = v->get_object();
    return true;
  }
  void raw(std::string_view key, json::value& out) const {
    if (const json::value* v = find(key))
      out = *v;
  }
};

// Shared by the kinds: the metadata the operator needs, and how a kind's endpoint is exposed
// (spec.service, spec.ingress, spec.networkPolicy, read from the spec's reader `r`).
bool read_metadata(const json::object& obj, std::string& name, std::string& ns, std::string& uid,
                   std::int64_t& generation, std::string& error);
bool read_exposure(reader& r, service_settings& service, std::optional<ingress_settings>& ingress,
                   std::optional<json::array>& allow_from, std::string& error);
// spec.observability (its tracing), read from the spec's reader `r`.
bool read_observability(reader& r, std::optional<tracing_settings>& tracing, std::string& error);

// spec.auth, read from the spec's reader `r` (mode-specific rules are validate_auth's).
bool read_auth(reader& r, std::optional<auth_settings>& auth, std::string& error);
// The CEL rules of spec.auth, and "an Ingress requires TLS and auth". Empty string: valid.
std::string validate_auth(const std::optional<auth_settings>& auth, const std::optional<ingress_settings>& ingress);

}  // namespace api::detail
