#include "resources.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "api/mcppool.hpp"
#include "api/mcpserver.hpp"
#include "format.hpp"

namespace kubectl_mcp {

namespace json = boost::json;

namespace {

std::string str(const json::object& o, std::initializer_list<std::string_view> path) {
  const json::value* v = at(o, path);
  if (v == nullptr)
    return {};
  if (v->is_string())
    return std::string(v->get_string());
  if (v->is_int64() || v->is_uint64() || v->is_bool())
    return json::serialize(*v);
  return {};
}

std::string or_none(std::string s) {
  return s.empty() ? "<none>" : s;
}

}  // namespace

std::string kind_word(kind k) {
  return k == kind::server ? "mcpserver" : "mcppool";
}

const json::object* condition(const json::object& obj, std::string_view type) {
  const json::value* conds = at(obj, {"status", "conditions"});
  if (conds == nullptr || !conds->is_array())
    return nullptr;
  for (const auto& c : conds->get_array()) {
    const auto* co = c.if_object();
    if (co != nullptr && str(*co, {"type"}) == type)
      return co;
  }
  return nullptr;
}

std::string condition_status(const json::object& obj, std::string_view type) {
  const auto* c = condition(obj, type);
  return c == nullptr ? std::string() : str(*c, {"status"});
}

std::string render_get_table(const std::vector<resource_ref>& items, output_format fmt, bool all_namespaces,
                             std::int64_t now) {
  const bool wide = fmt == output_format::wide;
  row headers;
  if (all_namespaces)
    headers.emplace_back("NAMESPACE");
  for (const char* h : {"KIND", "NAME", "PHASE", "READY", "TOOLS", "VERIFIED", "URL", "AGE"})
    headers.emplace_back(h);
  if (wide)
    for (const char* h : {"PROTOCOL", "SERVER", "MEMBERS"})
      headers.emplace_back(h);
  std::vector<row> rows;
  for (const auto& r : items) {
    const auto& o = r.obj;
    row cells;
    if (all_namespaces)
      cells.push_back(str(o, {"metadata", "namespace"}));
    cells.push_back(r.k == kind::server ? "MCPServer" : "MCPPool");
    cells.push_back(str(o, {"metadata", "name"}));
    cells.push_back(or_none(str(o, {"status", "phase"})));
    cells.push_back(or_none(str(o, {"status", "ready"})));
    cells.push_back(or_none(str(o, {"status", "toolCount"})));
    cells.push_back(or_none(condition_status(o, "Verified")));
    cells.push_back(or_none(str(o, {"status", "url"})));
    cells.push_back(age_of(str(o, {"metadata", "creationTimestamp"}), now));
    if (wide) {
      cells.push_back(r.k == kind::server ? or_none(str(o, {"spec", "protocol"})) : "<none>");
      std::string server = str(o, {"status", "serverInfo", "name"});
      if (auto v = str(o, {"status", "serverInfo", "version"}); !server.empty() && !v.empty())
        server += "/" + v;
      cells.push_back(or_none(server));
      cells.push_back(r.k == kind::pool ? or_none(str(o, {"status", "readyMembers"})) : "<none>");
    }
    rows.push_back(std::move(cells));
  }
  return render_table(headers, rows);
}

std::string render_get_names(const std::vector<resource_ref>& items) {
  std::string out;
  for (const auto& r : items)
    out += kind_word(r.k) + "." + std::string(api::group) + "/" + str(r.obj, {"metadata", "name"}) + "\n";
  return out;
}

json::value get_document(const std::vector<resource_ref>& items, bool single) {
  if (single && items.size() == 1)
    return items.front().obj;
  json::array list;
  for (const auto& r : items)
    list.push_back(r.obj);
  return json::object{
      {"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(list)}, {"metadata", {{"resourceVersion", ""}}}};
}

std::string not_ready_reason(const resource_ref& r) {
  const auto& o = r.obj;
  const std::string available = condition_status(o, "Available");
  const std::string ready = condition_status(o, "Ready");
  bool serving = false;
  if (!available.empty())
    serving = available == "True";
  else if (!ready.empty())
    serving = ready == "True";
  else if (const json::value* n = at(o, {"status", "readyReplicas"}); n != nullptr && n->is_int64())
    serving = n->get_int64() > 0;
  if (serving)
    return {};
  std::string why = kind_word(r.k) + " \"" + str(o, {"metadata", "name"}) + "\" is not Ready (phase " +
                    or_none(str(o, {"status", "phase"})) + ", ready " + or_none(str(o, {"status", "ready"})) + ")";
  const json::object* c = condition(o, "Ready");
  if (c == nullptr)
    c = condition(o, "Available");
  if (c != nullptr)
    if (auto msg = str(*c, {"message"}); !msg.empty())
      why += ": " + msg;
  return why;
}

boost::system::result<std::string> proxy_path(const resource_ref& r, std::string& why) {
  const std::string name = str(r.obj, {"metadata", "name"});
  const std::string url = str(r.obj, {"status", "url"});
  if (url.empty()) {
    why = kind_word(r.k) + " \"" + name + "\" has no status.url yet (the operator has not reported its endpoint)";
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  }
  auto u = boost::urls::parse_absolute_uri(url);
  const std::string host = u ? std::string(u->host()) : std::string();
  const auto dot = host.find('.');
  const auto dot2 = dot == std::string::npos ? dot : host.find('.', dot + 1);
  if (!u || u->scheme() != "http" || dot2 == std::string::npos || host.compare(dot2, 5, ".svc.") != 0) {
    why = kind_word(r.k) + " \"" + name + "\" has a status.url that is not a Service URL: " + url;
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  }
  const std::string service = host.substr(0, dot);
  const std::string ns = host.substr(dot + 1, dot2 - dot - 1);
  const std::string port = u->has_port() ? std::string(u->port()) : "80";
  std::string path(u->encoded_path());
  if (path.empty())
    path = "/";
  return "/api/v1/namespaces/" + ns + "/services/" + service + ":" + port + "/proxy" + path;
}

}  // namespace kubectl_mcp
