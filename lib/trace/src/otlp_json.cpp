#include "trace/otlp_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace trace {

namespace {

namespace json = boost::json;

json::object any_value(const attribute_value& v) {
  return std::visit(
      [](const auto& x) -> json::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return {{"stringValue", x}};
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return {{"intValue", std::to_string(x)}};  // int64 is a string in the JSON mapping
        } else if constexpr (std::is_same_v<T, double>) {
          return {{"doubleValue", x}};
        } else {
          return {{"boolValue", x}};
        }
      },
      v);
}

json::object kv(std::string_view key, const attribute_value& v) {
  return {{"key", key}, {"value", any_value(v)}};
}

json::object encode_span(const span& s) {
  json::object o;
  o["traceId"] = s.context.trace.hex();
  o["spanId"] = s.context.span.hex();
  if (s.parent.valid()) {
    o["parentSpanId"] = s.parent.hex();
  }
  o["flags"] = static_cast<std::uint32_t>(s.context.flags);
  o["name"] = s.name;
  o["kind"] = static_cast<int>(s.kind);
  o["startTimeUnixNano"] = std::to_string(s.start_unix_nano);
  o["endTimeUnixNano"] = std::to_string(s.end_unix_nano);
  json::array attrs;
  attrs.reserve(s.attributes.size());
  for (const auto& a : s.attributes) {
    attrs.push_back(kv(a.key, a.value));
  }
  o["attributes"] = std::move(attrs);
  json::object status;
  if (s.status != status_code::unset) {
    status["code"] = static_cast<int>(s.status);
  }
  if (!s.status_message.empty()) {
    status["message"] = s.status_message;
  }
  o["status"] = std::move(status);
  return o;
}

}  // namespace

std::string encode_otlp_json(const resource& r, std::span<const span> spans) {
  json::array resource_attrs{kv("service.name", r.service_name)};
  if (!r.service_version.empty()) {
    resource_attrs.push_back(kv("service.version", r.service_version));
  }
  json::array encoded;
  encoded.reserve(spans.size());
  for (const auto& s : spans) {
    encoded.push_back(encode_span(s));
  }
  json::object scope_spans{{"scope", json::object{{"name", r.scope_name}}}, {"spans", std::move(encoded)}};
  json::object resource_spans{{"resource", json::object{{"attributes", std::move(resource_attrs)}}},
                              {"scopeSpans", json::array{std::move(scope_spans)}}};
  return json::serialize(json::object{{"resourceSpans", json::array{std::move(resource_spans)}}});
}

}  // namespace trace
