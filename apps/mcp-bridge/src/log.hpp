// The bridge's logger: one line per event on stderr, JSON or key=value. Not spdlog, because
// the bridge links fully static and spdlog/fmt ship only as shared libraries here. stdout
// is never written: in the operator's pods it may be read by tooling, and the bridge's own
// output must never be mistaken for MCP traffic. Callers never pass secrets as fields.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace bridge::log {

enum class format { json, text };
enum class level { debug, info, warn, error };

void configure(format f, level min);

using field = std::pair<std::string_view, std::string_view>;

void write(level l, std::string_view msg, std::initializer_list<field> fields = {});

// How a session id is logged: as it is when it is the bridge's 32 random hex digits; a longer
// id (the gateway's sealed token, which opens the session for whoever holds it) as "h:" and
// 16 hex digits of a hash, enough to follow one session through the log.
std::string short_id(std::string_view id);

inline void info(std::string_view msg, std::initializer_list<field> f = {}) {
  write(level::info, msg, f);
}
inline void warn(std::string_view msg, std::initializer_list<field> f = {}) {
  write(level::warn, msg, f);
}
inline void error(std::string_view msg, std::initializer_list<field> f = {}) {
  write(level::error, msg, f);
}
inline void debug(std::string_view msg, std::initializer_list<field> f = {}) {
  write(level::debug, msg, f);
}

}  // namespace bridge::log
