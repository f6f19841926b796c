#include "describe.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "format.hpp"

namespace kubectl_mcp {

namespace json = boost::json;

namespace {

std::string scalar(const json::value* v) {
  if (v == nullptr || v->is_null())
    return {};
  if (v->is_string())
    return std::string(v->get_string());
  if (v->is_object())
    return std::to_string(v->get_object().size()) + " keys";
  if (v->is_array())
    return std::to_string(v->get_array().size()) + " items";
  return json::serialize(*v);
}

std::string str(const json::object& o, std::initializer_list<std::string_view> path) {
  return scalar(at(o, path));
}

std::string field(std::string_view label, std::string_view value, std::size_t width = 16) {
  std::string out(label);
  out += ":";
  out.append(out.size() < width ? width - out.size() : 1, ' ');
  return out + std::string(value.empty() ? "<none>" : value) + "\n";
}

std::string indented(const std::string& table) {
  std::string out;
  std::size_t start = 0;
  while (start < table.size()) {
    auto nl = table.find('\n', start);
    out += "  " + table.substr(start, nl - start + 1);
    start = nl == std::string::npos ? table.size() : nl + 1;
  }
  return out;
}

std::string event_time(const json::object& e) {
  for (auto key : {"lastTimestamp", "eventTime", "firstTimestamp"})
    if (auto t = str(e, {key}); !t.empty())
      return t;
  return str(e, {"metadata", "creationTimestamp"});
}

}  // namespace

std::vector<std::string> pod_row(const json::object& pod, std::int64_t now) {
  std::size_t total = 0, ready = 0;
  std::int64_t restarts = 0;
  if (const json::value* cs = at(pod, {"status", "containerStatuses"}); cs != nullptr && cs->is_array()) {
    for (const auto& c : cs->get_array()) {
      const auto* co = c.if_object();
      if (co == nullptr)
        continue;
      ++total;
      if (const auto* r = co->if_contains("ready"); r != nullptr && r->is_bool() && r->get_bool())
        ++ready;
      if (const auto* n = co->if_contains("restartCount"); n != nullptr && n->is_int64())
        restarts += n->get_int64();
    }
  }
  if (total == 0)
    if (const json::value* cs = at(pod, {"spec", "containers"}); cs != nullptr && cs->is_array())
      total = cs->get_array().size();
  return {str(pod, {"metadata", "name"}),
          std::to_string(ready) + "/" + std::to_string(total),
          str(pod, {"status", "phase"}),
          std::to_string(restarts),
          age_of(str(pod, {"metadata", "creationTimestamp"}), now),
          str(pod, {"spec", "nodeName"})};
}

std::string render_describe(const resource_ref& r, const std::vector<json::object>& pods,
                            std::vector<json::object> events, std::int64_t now) {
  const auto& o = r.obj;
  std::string out;
  out += field("Name", str(o, {"metadata", "name"}));
  out += field("Namespace", str(o, {"metadata", "namespace"}));
  out += field("Kind", r.k == kind::server ? "MCPServer" : "MCPPool");
  const std::string created = str(o, {"metadata", "creationTimestamp"});
  out += field("Created", created.empty() ? "" : created + " (" + age_of(created, now) + " ago)");
  if (const json::value* spec = at(o, {"spec"}); spec != nullptr && spec->is_object()) {
    out += "Spec:\n";
    for (const auto& kv : spec->get_object())
      out += field("  " + std::string(kv.key()), scalar(&kv.value()), 24);
  }
  out += "Status:\n";
  out += field("  Phase", str(o, {"status", "phase"}), 24);
  out += field("  Ready", str(o, {"status", "ready"}), 24);
  if (r.k == kind::pool)
    out += field("  Ready members", str(o, {"status", "readyMembers"}), 24);
  out += field("  URL", str(o, {"status", "url"}), 24);
  std::string server = str(o, {"status", "serverInfo", "name"});
  if (!server.empty())
    server += " " + str(o, {"status", "serverInfo", "version"}) + " (protocol " +
              str(o, {"status", "serverInfo", "protocolVersion"}) + ")";
  if (r.k == kind::server)
    out += field("  Server", server, 24);
  std::string tools;
  if (const json::value* t = at(o, {"status", "tools"}); t != nullptr && t->is_array())
    for (const auto& x : t->get_array())
      tools += (tools.empty() ? "" : ", ") + scalar(&x);
  const std::string count = str(o, {"status", "toolCount"});
  out += field("  Tools", count.empty() ? tools : count + (tools.empty() ? "" : ": " + tools), 24);
  if (r.k == kind::server)
    out += field("  Last verified", str(o, {"status", "lastVerifiedTime"}), 24);
  if (const json::value* conds = at(o, {"status", "conditions"}); conds != nullptr && conds->is_array()) {
    std::vector<row> rows;
    for (const auto& c : conds->get_array())
      if (const auto* co = c.if_object())
        rows.push_back({str(*co, {"type"}), str(*co, {"status"}), str(*co, {"reason"}),
                        age_of(str(*co, {"lastTransitionTime"}), now), one_line(str(*co, {"message"}), 200)});
    out += "Conditions:\n" + indented(render_table({"TYPE", "STATUS", "REASON", "AGE", "MESSAGE"}, rows));
  }
  if (r.k == kind::pool) {
    std::vector<row> rows;
    if (const json::value* ms = at(o, {"status", "members"}); ms != nullptr && ms->is_array())
      for (const auto& m : ms->get_array())
        if (const auto* mo = m.if_object())
          rows.push_back({str(*mo, {"name"}), str(*mo, {"server"}), str(*mo, {"ready"}), str(*mo, {"toolCount"}),
                          str(*mo, {"url"}), one_line(str(*mo, {"lastError"}), 120)});
    out += rows.empty()
               ? "Members:          <none>\n"
               : "Members:\n" + indented(render_table({"NAME", "SERVER", "READY", "TOOLS", "URL", "LAST ERROR"}, rows));
    if (const json::value* cs = at(o, {"status", "conflicts"});
        cs != nullptr && cs->is_array() && !cs->get_array().empty())
      out += field("Conflicts", std::to_string(cs->get_array().size()) + " (see -o yaml: status.conflicts)");
  }
  if (pods.empty()) {
    out += "Pods:             <none>\n";
  } else {
    std::vector<row> rows;
    for (const auto& p : pods)
      rows.push_back(pod_row(p, now));
    out += "Pods:\n" + indented(render_table({"NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE"}, rows));
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const json::object& a, const json::object& b) { return event_time(a) < event_time(b); });
  if (events.size() > max_events)
    events.erase(events.begin(), events.end() - static_cast<std::ptrdiff_t>(max_events));
  if (events.empty()) {
    out += "Events:           <none>\n";
  } else {
    std::vector<row> rows;
    for (const auto& e : events) {
      std::string from = str(e, {"reportingComponent"});
      if (from.empty())
        from = str(e, {"source", "component"});
      rows.push_back(
          {str(e, {"type"}), str(e, {"reason"}), age_of(event_time(e), now), from, one_line(str(e, {"message"}), 200)});
    }
    out += "Events:\n" + indented(render_table({"TYPE", "REASON", "AGE", "FROM", "MESSAGE"}, rows));
  }
  return out;
}

}  // namespace kubectl_mcp
