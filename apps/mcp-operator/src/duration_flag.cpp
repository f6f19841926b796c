#include "duration_flag.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

namespace mcp_operator {

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text == "0")
    return std::chrono::seconds(0);
  if (text.empty())
    return std::nullopt;
  std::int64_t total = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (p != end) {
    std::int64_t n = 0;
    auto [next, ec] = std::from_chars(p, end, n);
    if (ec != std::errc() || next == end || n < 0)
      return std::nullopt;  // no number, or a number without its unit
    const std::int64_t unit = *next == 'h' ? 3600 : *next == 'm' ? 60 : *next == 's' ? 1 : 0;
    // A year of seconds bounds it: far beyond any sensible period, far below overflow.
    if (unit == 0 || n > 366LL * 86400 / unit)
      return std::nullopt;
    total += n * unit;
    if (total > 366LL * 86400)
      return std::nullopt;
    p = next + 1;
  }
  return std::chrono::seconds(total);
}

}  // namespace mcp_operator
