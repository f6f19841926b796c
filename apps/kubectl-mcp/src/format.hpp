// Text output shared by the commands, as kubectl prints it: column tables (upper-case
// headers, columns padded to the widest cell plus three spaces), ages ("5m3s", "2d"), and
// JSON (indented) or YAML documents of API objects. Pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace kubectl_mcp {

using row = std::vector<std::string>;

// Headers and rows as kubectl's tabwriter lays them out; every line ends with '\n'.
std::string render_table(const row& headers, const std::vector<row>& rows);

// kubectl's HumanDuration: "45s", "5m3s", "2h10m", "3d4h", "400d", "2y30d".
std::string human_duration(std::chrono::seconds d);
// The age of an RFC 3339 timestamp at `now` (seconds since the epoch); "<unknown>" if unparseable.
std::string age_of(std::string_view rfc3339, std::int64_t now);
// Seconds since the epoch of an RFC 3339 UTC timestamp ("2026-12-07T21:06:36Z"); -1 if invalid.
std::int64_t parse_rfc3339(std::string_view ts);

// Indented JSON (two spaces), ending in '\n'.
std::string pretty_json(const boost::json::value& v);
// A YAML document of `v` (block style, keys in their order), ending in '\n'.
std::string to_yaml(const boost::json::value& v);

// The first line of `s`, cut to `max` characters with "..." when longer.
std::string one_line(std::string_view s, std::size_t max);

// The value at a path of object keys (e.g. {"status", "url"}); null when a step is missing or
// not an object.
const boost::json::value* at(const boost::json::object& o, std::initializer_list<std::string_view> path);

// The string at `key`, or "" when it is absent or not a string.
std::string str_of(const boost::json::object& o, std::string_view key);

}  // namespace kubectl_mcp
