// The OTLP/HTTP JSON encoding of spans: the body of `POST /v1/traces` with
// `Content-Type: application/json` (an ExportTraceServiceRequest in the OTLP JSON mapping:
// lowerCamelCase field names, trace and span ids as lowercase hex strings (not base64),
// 64-bit integers as decimal strings, enums as integers, attributes as AnyValue objects).
// One resource (service.name and the other resource attributes given) and one
// instrumentation scope for all spans.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "trace/span.hpp"

namespace trace {

struct resource {
  std::string service_name;
  std::string service_version;
  std::string scope_name = "mcp-operator";
};

std::string encode_otlp_json(const resource& r, std::span<const span> spans);

}  // namespace trace
