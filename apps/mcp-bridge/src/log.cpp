#include "log.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace bridge::log {

std::string short_id(std::string_view id) {
  if (id.size() <= 32) {
    return std::string(id);
  }
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a: a label, not a secret
  for (unsigned char c : id) {
    h = (h ^ c) * 1099511628211ULL;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "h:";
  for (int shift = 60; shift >= 0; shift -= 4) {
    out.push_back(hex[(h >> shift) & 0xf]);
  }
  return out;
}
namespace {

// Set once in main before any I/O starts; read-only afterwards.
format g_format = format::text;
level g_min = level::info;

std::string_view name(level l) {
  switch (l) {
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
  }
  return "info";
}

void json_escape(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void text_value(std::string& out, std::string_view s) {
  const bool quote = s.empty() || s.find_first_of(" \"=\t\n\r") != std::string_view::npos;
  if (quote) {
    json_escape(out, s);  // JSON string quoting is unambiguous and greppable
  } else {
    out += s;
  }
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];  // generous: the compiler cannot prove the tm fields' ranges
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

void configure(format f, level min) {
  g_format = f;
  g_min = min;
}

void write(level l, std::string_view msg, std::initializer_list<field> fields) {
  if (l < g_min) {
    return;
  }
  std::string line;
  line.reserve(128);
  if (g_format == format::json) {
    line += "{\"ts\":\"" + timestamp() + "\",\"level\":\"";
    line += name(l);
    line += "\",\"msg\":";
    json_escape(line, msg);
    for (const auto& [k, v] : fields) {
      line.push_back(',');
      json_escape(line, k);
      line.push_back(':');
      json_escape(line, v);
    }
    line += "}\n";
  } else {
    line += "ts=" + timestamp() + " level=";
    line += name(l);
    line += " msg=";
    text_value(line, msg);
    for (const auto& [k, v] : fields) {
      line.push_back(' ');
      line += k;
      line.push_back('=');
      text_value(line, v);
    }
    line.push_back('\n');
  }
  // One write(2) per line keeps lines whole when several processes share the stderr pipe.
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) {
      return;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace bridge::log
