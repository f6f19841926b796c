// One span as OTLP models it: a name, a kind, start and end in Unix nanoseconds, attributes,
// and a status. Attribute keys must outlive the span (they are string literals: the
// semantic-convention names), values are owned. What the bridge puts in attributes is
// decided where spans are made; this model carries anything, so the callers keep arguments
// and tokens out (docs/observability.md, "Traces").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "trace/context.hpp"

namespace trace {

enum class span_kind : int { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };
enum class status_code : int { unset = 0, ok = 1, error = 2 };

using attribute_value = std::variant<std::string, std::int64_t, double, bool>;

struct attribute {
  std::string_view key;
  attribute_value value;
};

struct span {
  span_context context;  // this span's trace and id; flags say whether it is sampled
  span_id parent;        // all zero for a root span
  std::string name;
  span_kind kind = span_kind::internal;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  std::vector<attribute> attributes;
  status_code status = status_code::unset;
  std::string status_message;

  void set(std::string_view key, std::string value) { attributes.push_back({key, std::move(value)}); }
  void set(std::string_view key, std::int64_t value) { attributes.push_back({key, value}); }
  void set(std::string_view key, bool value) { attributes.push_back({key, value}); }
  void error(std::string message) {
    status = status_code::error;
    status_message = std::move(message);
  }
};

// Unix time now in nanoseconds (the system clock, as OTLP wants).
std::uint64_t now_unix_nano();

}  // namespace trace
