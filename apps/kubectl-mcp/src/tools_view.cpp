#include "tools_view.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "format.hpp"

namespace kubectl_mcp {

namespace json = boost::json;

namespace {

// A property's type: "string", "integer", ...; a list of types without "null" gives its
// first; enum/anyOf/oneOf without a type are "any".
std::string type_of(const json::object& prop) {
  const json::value* t = prop.if_contains("type");
  if (t != nullptr && t->is_string())
    return std::string(t->get_string());
  if (t != nullptr && t->is_array())
    for (const auto& x : t->get_array())
      if (x.is_string() && x.get_string() != "null")
        return std::string(x.get_string());
  if (prop.contains("enum"))
    return "enum";
  return "any";
}

std::vector<std::string> required_of(const json::object& schema) {
  std::vector<std::string> out;
  if (const json::value* r = schema.if_contains("required"); r != nullptr && r->is_array())
    for (const auto& x : r->get_array())
      if (x.is_string())
        out.emplace_back(x.get_string());
  return out;
}

const json::object* properties_of(const json::object& schema) {
  const json::value* p = schema.if_contains("properties");
  return p != nullptr ? p->if_object() : nullptr;
}

}  // namespace

std::string schema_summary(const json::object& input_schema) {
  const json::object* props = properties_of(input_schema);
  if (props == nullptr || props->empty())
    return "<none>";
  const auto required = required_of(input_schema);
  auto is_required = [&](std::string_view k) {
    return std::find(required.begin(), required.end(), k) != required.end();
  };
  std::string out;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& kv : *props) {
      if (is_required(kv.key()) != (pass == 0))
        continue;
      if (!out.empty())
        out += ", ";
      const json::object* prop = kv.value().if_object();
      out += std::string(kv.key()) + (pass == 0 ? "*" : "") + ":" + (prop != nullptr ? type_of(*prop) : "any");
    }
  }
  return out;
}

std::string render_tools(const json::array& tools, output_format fmt) {
  const std::size_t max_description = fmt == output_format::wide ? 4096 : 60;
  std::vector<row> rows;
  for (const auto& t : tools) {
    const json::object* o = t.if_object();
    if (o == nullptr)
      continue;
    const json::value* schema = o->if_contains("inputSchema");
    const json::object* so = schema != nullptr ? schema->if_object() : nullptr;
    std::string description = one_line(str_of(*o, "description"), max_description);
    rows.push_back({str_of(*o, "name"), description.empty() ? "<none>" : description,
                    so != nullptr ? schema_summary(*so) : "<none>"});
  }
  return render_table({"NAME", "DESCRIPTION", "ARGUMENTS"}, rows);
}

const json::object* find_tool(const json::array& tools, std::string_view name) {
  for (const auto& t : tools)
    if (const json::object* o = t.if_object(); o != nullptr && str_of(*o, "name") == name)
      return o;
  return nullptr;
}

bool build_arguments(const std::vector<std::pair<std::string, std::string>>& args,
                     const std::optional<std::string>& json_args, const json::object* tool, json::object& out,
                     std::string& error) {
  out.clear();
  if (json_args) {
    boost::system::error_code ec;
    json::value v = json::parse(*json_args, ec);
    if (ec || !v.is_object()) {
      error = "--json is not a JSON object: " + (ec ? ec.message() : std::string("got ") + json::serialize(v));
      return false;
    }
    out = std::move(v.get_object());
    return true;
  }
  const json::object* props = nullptr;
  if (tool != nullptr)
    if (const json::value* s = tool->if_contains("inputSchema"); s != nullptr && s->is_object())
      props = properties_of(s->get_object());
  for (const auto& [key, text] : args) {
    const json::value* pv = props != nullptr ? props->if_contains(key) : nullptr;
    const std::string type = pv != nullptr && pv->is_object() ? type_of(pv->get_object()) : "string";
    if (type == "string" || type == "enum" || type == "any") {
      out[key] = text;
      continue;
    }
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    const bool fits =
        !ec && ((type == "integer" && (v.is_int64() || v.is_uint64())) || (type == "number" && v.is_number()) ||
                (type == "boolean" && v.is_bool()) || (type == "object" && v.is_object()) ||
                (type == "array" && v.is_array()) || (type == "null" && v.is_null()));
    if (!fits) {
      error = "--arg " + key + "='" + text + "': the tool's schema wants " + (type == "integer" ? "an " : "a ") + type +
              " (write objects and arrays as JSON)";
      return false;
    }
    out[key] = std::move(v);
  }
  return true;
}

}  // namespace kubectl_mcp
