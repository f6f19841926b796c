// The operator's log lines. Code logs `msg="..." key=value key="quoted value"` through spdlog;
// with --log-format=json each line becomes one JSON object on stderr
// ({"ts":..., "level":..., "msg":..., "key":"value"}), the shape log pipelines expect from
// controller-runtime's zap logger; with text the line is kept as written, prefixed by time
// and level. Parsing the key=value payload is pure and unit-tested.
#pragma once

#include <spdlog/formatter.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp_operator {

// Splits `msg="a b" k=v k2="x \"y\""` into ordered pairs; text that is not key=value is
// kept under "msg".
std::vector<std::pair<std::string, std::string>> parse_fields(std::string_view payload);

class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;
};

// Sets up the default logger on stderr: format "json" or "text", level name as spdlog knows it.
// Returns false on an unknown format or level.
bool configure_logging(std::string_view format, std::string_view level);

}  // namespace mcp_operator
