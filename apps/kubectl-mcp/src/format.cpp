#include "format.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <ctime>

namespace kubectl_mcp {

namespace json = boost::json;

std::string render_table(const row& headers, const std::vector<row>& rows) {
  std::vector<std::size_t> width(headers.size(), 0);
  auto measure = [&](const row& r) {
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  };
  measure(headers);
  for (const auto& r : rows)
    measure(r);
  std::string out;
  auto emit = [&](const row& r) {
    std::string line;
    for (std::size_t i = 0; i < width.size(); ++i) {
      const std::string cell = i < r.size() ? r[i] : std::string();
      line += cell;
      if (i + 1 < width.size())
        line.append(width[i] - cell.size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  };
  emit(headers);
  for (const auto& r : rows)
    emit(r);
  return out;
}

std::string human_duration(std::chrono::seconds d) {
  const std::int64_t s = d.count();
  if (s < -1)
    return "<invalid>";
  if (s < 0)
    return "0s";
  const std::int64_t m = s / 60, h = s / 3600, days = s / 86400, years = days / 365;
  auto t = [](std::int64_t n, const char* unit) { return std::to_string(n) + unit; };
  if (s < 120)
    return t(s, "s");
  if (m < 10)
    return s % 60 == 0 ? t(m, "m") : t(m, "m") + t(s % 60, "s");
  if (h < 3)
    return t(m, "m");
  if (h < 8)
    return m % 60 == 0 ? t(h, "h") : t(h, "h") + t(m % 60, "m");
  if (h < 48)
    return t(h, "h");
  if (h < 24 * 8)
    return h % 24 == 0 ? t(days, "d") : t(days, "d") + t(h % 24, "h");
  if (h < 24 * 365 * 2)
    return t(days, "d");
  if (h < 24 * 365 * 8)
    return days % 365 == 0 ? t(years, "y") : t(years, "y") + t(days % 365, "d");
  return t(years, "y");
}

std::int64_t parse_rfc3339(std::string_view ts) {
  std::tm tm{};
  const std::string s(ts);
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr)
    return -1;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string age_of(std::string_view rfc3339, std::int64_t now) {
  const std::int64_t t = parse_rfc3339(rfc3339);
  if (t < 0)
    return "<unknown>";
  return human_duration(std::chrono::seconds(now - t));
}

namespace {

void pretty(std::string& out, const json::value& v, std::string& indent) {
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      indent += "  ";
      bool first = true;
      for (const auto& kv : o) {
        if (!first)
          out += ",\n";
        first = false;
        out += indent + json::serialize(json::string(kv.key())) + ": ";
        pretty(out, kv.value(), indent);
      }
      indent.resize(indent.size() - 2);
      out += "\n" + indent + "}";
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      indent += "  ";
      for (std::size_t i = 0; i < a.size(); ++i) {
        out += indent;
        pretty(out, a[i], indent);
        out += i + 1 < a.size() ? ",\n" : "\n";
      }
      indent.resize(indent.size() - 2);
      out += indent + "]";
      return;
    }
    default:
      out += json::serialize(v);
  }
}

void emit_yaml(YAML::Emitter& e, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object:
      e << YAML::BeginMap;
      for (const auto& kv : v.get_object()) {
        e << YAML::Key << std::string(kv.key()) << YAML::Value;
        emit_yaml(e, kv.value());
      }
      e << YAML::EndMap;
      return;
    case json::kind::array:
      e << YAML::BeginSeq;
      for (const auto& x : v.get_array())
        emit_yaml(e, x);
      e << YAML::EndSeq;
      return;
    case json::kind::string: {
      // Quoted when YAML would read it as something else ("true", "8080", "" or "null");
      // yaml-cpp quotes what would break the syntax itself.
      const std::string s(v.get_string());
      static const char* const words[] = {"true", "false", "yes", "no", "on", "off", "null", "~",
                                          "True", "False", "Yes", "No", "On", "Off", "Null", "NULL"};
      const bool ambiguous = s.empty() || std::find(std::begin(words), std::end(words), s) != std::end(words) ||
                             s.find_first_not_of("0123456789.-+eE_xXoO:") == std::string::npos;
      if (ambiguous)
        e << YAML::DoubleQuoted << s;
      else
        e << s;
      return;
    }
    case json::kind::null:
      e << YAML::Null;
      return;
    case json::kind::bool_:
      e << (v.get_bool() ? "true" : "false");
      return;
    default:
      e << json::serialize(v);
  }
}

}  // namespace

std::string pretty_json(const json::value& v) {
  std::string out, indent;
  pretty(out, v, indent);
  return out + "\n";
}

std::string to_yaml(const json::value& v) {
  YAML::Emitter e;
  try {
    emit_yaml(e, v);
  } catch (const YAML::Exception&) {
    return pretty_json(v);  // JSON is YAML too
  }
  return std::string(e.c_str()) + "\n";
}

std::string one_line(std::string_view s, std::size_t max) {
  std::string out(s.substr(0, s.find('\n')));
  while (!out.empty() && (out.back() == '\r' || out.back() == ' '))
    out.pop_back();
  if (out.size() > max && max > 3)
    out = out.substr(0, max - 3) + "...";
  return out;
}

const boost::json::value* at(const boost::json::object& o, std::initializer_list<std::string_view> path) {
  const boost::json::object* cur = &o;
  const boost::json::value* v = nullptr;
  for (auto key : path) {
    if (cur == nullptr || (v = cur->if_contains(key)) == nullptr)
      return nullptr;
    cur = v->if_object();
  }
  return v;
}

std::string str_of(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace kubectl_mcp
