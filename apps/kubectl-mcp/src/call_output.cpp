#include "call_output.hpp"

#include <boost/json.hpp>

#include "exit_codes.hpp"
#include "format.hpp"

namespace kubectl_mcp {

namespace json = boost::json;

namespace {

// The decoded size of base64 text.
std::size_t base64_bytes(std::string_view b64) {
  while (!b64.empty() && b64.back() == '=')
    b64.remove_suffix(1);
  return b64.size() * 3 / 4;
}

std::string content_line(const json::object& c) {
  const std::string type = str_of(c, "type");
  if (type == "text")
    return str_of(c, "text");
  if (type == "image" || type == "audio")
    return "[" + type + " " + str_of(c, "mimeType") + ", " + std::to_string(base64_bytes(str_of(c, "data"))) +
           " bytes]";
  if (type == "resource_link")
    return "[resource link " + str_of(c, "uri") + "]";
  if (type == "resource") {
    const json::value* r = c.if_contains("resource");
    const json::object* ro = r != nullptr ? r->if_object() : nullptr;
    if (ro == nullptr)
      return "[resource]";
    if (ro->contains("text"))
      return str_of(*ro, "text");
    return "[resource " + str_of(*ro, "uri") + " " + str_of(*ro, "mimeType") + ", " +
           std::to_string(base64_bytes(str_of(*ro, "blob"))) + " bytes]";
  }
  return "[" + (type.empty() ? std::string("content") : type) + "]";
}

}  // namespace

printed render_call_result(const json::object& result, bool is_error, output_format fmt, const std::string& tool) {
  printed p;
  p.exit_code = is_error ? exit_code::tool_error : exit_code::ok;
  if (fmt == output_format::json || fmt == output_format::yaml) {
    p.out = fmt == output_format::json ? pretty_json(result) : to_yaml(result);
    if (is_error)
      p.err = "error: tool \"" + tool + "\" returned an error (isError)\n";
    return p;
  }
  std::string text;
  const json::value* structured = result.if_contains("structuredContent");
  bool structured_shown = false;
  if (const json::value* content = result.if_contains("content"); content != nullptr && content->is_array()) {
    for (const auto& c : content->get_array()) {
      const json::object* co = c.if_object();
      if (co == nullptr)
        continue;
      std::string line = content_line(*co);
      if (structured != nullptr && str_of(*co, "type") == "text") {
        boost::system::error_code ec;
        json::value parsed = json::parse(line, ec);
        if (!ec && parsed == *structured)
          structured_shown = true;
      }
      text += line;
      if (text.empty() || text.back() != '\n')
        text += '\n';
    }
  }
  if (structured != nullptr && !structured_shown && !structured->is_null())
    text += pretty_json(*structured);
  if (is_error) {
    p.err = text + "error: tool \"" + tool + "\" returned an error (isError)\n";
  } else {
    p.out = std::move(text);
  }
  return p;
}

}  // namespace kubectl_mcp
