// Durations given on the operator's command line, as Go's flag package users write them for
// controller-runtime operators: a sequence of <number><unit> with units h, m and s ("24h",
// "1h30m", "90s"), or "0" for none. Whole seconds only; anything else is refused with a
// message, so a typo fails at start instead of meaning "never".
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace mcp_operator {

std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace mcp_operator
