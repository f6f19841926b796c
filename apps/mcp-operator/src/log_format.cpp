#include "log_format.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cctype>
#include <chrono>

namespace mcp_operator {

namespace {

// Whether the quote at s[i] ends a value: end of line, or a space and then `key=`.
bool closes_value(std::string_view s, std::size_t i) {
  if (i + 1 == s.size())
    return true;
  if (s[i + 1] != ' ')
    return false;
  std::size_t j = i + 2;
  const std::size_t start = j;
  while (j < s.size() &&
         (std::isalnum(static_cast<unsigned char>(s[j])) != 0 || s[j] == '_' || s[j] == '-' || s[j] == '.')) {
    ++j;
  }
  return j > start && j < s.size() && s[j] == '=';
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_fields(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string loose;  // words that are not key=value
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ')
      ++i;
    std::size_t key_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ' ')
      ++i;
    if (i >= s.size() || s[i] != '=' || i == key_start) {
      if (!loose.empty())
        loose += ' ';
      loose += std::string(s.substr(key_start, i - key_start));
      continue;
    }
    std::string key(s.substr(key_start, i - key_start));
    ++i;  // '='
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      // Values are not always escaped (an apiserver message may quote a name), so a quote
      // closes the value only where the line ends or the next key=value starts.
      while (i < s.size() && !(s[i] == '"' && closes_value(s, i))) {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '"')
          ++i;
        value += s[i++];
      }
      ++i;  // closing quote
    } else {
      while (i < s.size() && s[i] != ' ')
        value += s[i++];
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  if (!loose.empty())
    out.insert(out.begin(), {"msg", loose});
  return out;
}

void json_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  auto secs = std::chrono::duration<double>(msg.time.time_since_epoch()).count();
  std::string line =
      "{\"ts\":" + std::to_string(secs) + ",\"level\":\"" +
      std::string(spdlog::level::to_string_view(msg.level).data(), spdlog::level::to_string_view(msg.level).size()) +
      "\"";
  for (const auto& [k, v] : parse_fields(std::string_view(msg.payload.data(), msg.payload.size()))) {
    line += "," + boost::json::serialize(boost::json::string(k)) + ":" + boost::json::serialize(boost::json::string(v));
  }
  line += "}\n";
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> json_formatter::clone() const {
  return std::make_unique<json_formatter>();
}

bool configure_logging(std::string_view format, std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off")
    return false;
  if (format != "json" && format != "text")
    return false;
  auto logger = std::make_shared<spdlog::logger>("mcp-operator", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == "json") {
    logger->set_formatter(std::make_unique<json_formatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return true;
}

}  // namespace mcp_operator
