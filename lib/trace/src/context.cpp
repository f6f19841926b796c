#include "trace/context.hpp"

#include <algorithm>

namespace trace {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;  // uppercase is not allowed by the spec's HEXDIGLC
}

template <std::size_t N>
bool parse_hex(std::string_view s, std::array<std::uint8_t, N>& out) {
  if (s.size() != 2 * N) {
    return false;
  }
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = hex_value(s[2 * i]);
    const int lo = hex_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return false;
    }
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& a) {
  return std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; });
}

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' || c == '/';
}

bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > 256) {
    return false;
  }
  const auto at = k.find('@');
  const std::string_view tenant = at == std::string_view::npos ? k : k.substr(0, at);
  const std::string_view system = at == std::string_view::npos ? std::string_view{} : k.substr(at + 1);
  if (tenant.empty() ||
      (at != std::string_view::npos && (system.empty() || system.size() > 14 || tenant.size() > 241))) {
    return false;
  }
  if (at == std::string_view::npos && !(tenant[0] >= 'a' && tenant[0] <= 'z')) {
    return false;
  }
  const auto ok = [](std::string_view s) { return std::all_of(s.begin(), s.end(), key_char); };
  return ok(tenant) && ok(system) && (system.empty() || (system[0] >= 'a' && system[0] <= 'z'));
}

bool valid_value(std::string_view v) {
  if (v.empty() || v.size() > 256 || v.back() == ' ') {
    return false;
  }
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c <= 0x7e && c != ',' && c != '='; });
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

void to_hex(const std::uint8_t* bytes, std::size_t n, char* out) {
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0f];
  }
}

bool trace_id::valid() const {
  return !all_zero(bytes);
}
bool span_id::valid() const {
  return !all_zero(bytes);
}

std::string trace_id::hex() const {
  std::string s(32, '0');
  to_hex(bytes.data(), bytes.size(), s.data());
  return s;
}

std::string span_id::hex() const {
  std::string s(16, '0');
  to_hex(bytes.data(), bytes.size(), s.data());
  return s;
}

std::optional<span_context> parse_traceparent(std::string_view v) {
  v = trim_ows(v);
  if (v.size() < traceparent_size || v[2] != '-' || v[35] != '-' || v[52] != '-') {
    return std::nullopt;
  }
  std::array<std::uint8_t, 1> version{};
  if (!parse_hex(v.substr(0, 2), version) || version[0] == 0xff) {
    return std::nullopt;
  }
  // Version 00 is exactly 55 characters; a later version may append "-..." fields.
  if (v.size() > traceparent_size && (version[0] == 0 || v[traceparent_size] != '-')) {
    return std::nullopt;
  }
  span_context c;
  std::array<std::uint8_t, 1> flags{};
  if (!parse_hex(v.substr(3, 32), c.trace.bytes) || !parse_hex(v.substr(36, 16), c.span.bytes) ||
      !parse_hex(v.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (!c.valid()) {
    return std::nullopt;
  }
  // Only the sampled bit means anything to us; other bits of a version 00 value are kept as
  // the spec says a receiver must not rely on them, and are not passed on.
  c.flags = flags[0] & flag_sampled;
  return c;
}

std::string format_traceparent(const span_context& c) {
  std::string s(traceparent_size, '-');
  s[0] = '0';
  s[1] = '0';
  to_hex(c.trace.bytes.data(), c.trace.bytes.size(), s.data() + 3);
  to_hex(c.span.bytes.data(), c.span.bytes.size(), s.data() + 36);
  to_hex(&c.flags, 1, s.data() + 53);
  return s;
}

std::optional<std::string_view> valid_tracestate(std::string_view value) {
  const std::string_view all = trim_ows(value);
  if (all.size() > 512) {
    return std::nullopt;
  }
  std::size_t members = 0;
  std::string_view rest = all;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view member = trim_ows(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (member.empty()) {
      continue;  // empty list members are allowed
    }
    const auto eq = member.find('=');
    if (eq == std::string_view::npos || !valid_key(member.substr(0, eq)) || !valid_value(member.substr(eq + 1))) {
      return std::nullopt;
    }
    if (++members > 32) {
      return std::nullopt;
    }
  }
  if (members == 0) {
    return std::nullopt;
  }
  return all;
}

}  // namespace trace
