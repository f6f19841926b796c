// W3C Trace Context (https://www.w3.org/TR/trace-context/): the ids of a trace and a span,
// and the `traceparent` and `tracestate` values that carry them across HTTP requests and MCP
// `params._meta` (SEP-414). Pure and allocation-free except where a std::string is returned.
// Guarantees: parse_traceparent accepts version 00 exactly as specified (55 characters,
// lowercase hex, non-zero trace and parent ids) and a later version's first four fields
// (its extra fields ignored, as the spec tells a version-00 reader to); "ff" is never valid.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trace {

struct trace_id {
  std::array<std::uint8_t, 16> bytes{};
  [[nodiscard]] bool valid() const;  // not all zero
  [[nodiscard]] std::string hex() const;
  friend bool operator==(const trace_id&, const trace_id&) = default;
};

struct span_id {
  std::array<std::uint8_t, 8> bytes{};
  [[nodiscard]] bool valid() const;  // not all zero
  [[nodiscard]] std::string hex() const;
  friend bool operator==(const span_id&, const span_id&) = default;
};

inline constexpr std::uint8_t flag_sampled = 0x01;

struct span_context {
  trace_id trace;
  span_id span;
  std::uint8_t flags = 0;
  [[nodiscard]] bool valid() const { return trace.valid() && span.valid(); }
  [[nodiscard]] bool sampled() const { return (flags & flag_sampled) != 0; }
};

// The length of a version-00 traceparent: "00-" 32 "-" 16 "-" 2.
inline constexpr std::size_t traceparent_size = 55;

std::optional<span_context> parse_traceparent(std::string_view value);
// Always version 00, lowercase.
std::string format_traceparent(const span_context& c);

// A tracestate is passed on unchanged when it is well-formed: at most 32 list members of
// key=value (keys as the spec's simple or multi-tenant keys, values printable ASCII without
// ',' and '=' and not ending in a space), at most 512 characters. nullopt when it is not: a
// malformed tracestate is dropped, as the spec allows, never repaired.
std::optional<std::string_view> valid_tracestate(std::string_view value);

// Lowercase hex of `n` bytes into `out` (2n characters).
void to_hex(const std::uint8_t* bytes, std::size_t n, char* out);

}  // namespace trace
