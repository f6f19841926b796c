#include "controllers/mcppool_status.hpp"

#include "json_path.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>

namespace controllers {

namespace json = boost::json;

namespace {

// Bytes of a member's name or server, and of a URL, taken from the gateway's report.
constexpr std::size_t max_name = 253;
constexpr std::size_t max_url = 2048;

constexpr auto& at = detail::json_path;

std::string str(const json::value* v, std::size_t max) {
  return v != nullptr && v->is_string() ? bounded(v->get_string(), max) : std::string{};
}

std::int64_t int_of(const json::value* v, std::int64_t def = 0) {
  return v != nullptr && v->is_number() ? v->to_number<std::int64_t>() : def;
}

std::int64_t clamp32(std::int64_t v) {
  return std::clamp<std::int64_t>(v, 0, 0x7fffffff);
}

member_state report_member(const json::object& m) {
  member_state s;
  s.name = str(m.if_contains("name"), max_name);
  s.server = str(m.if_contains("server"), max_name);
  s.url = str(m.if_contains("url"), max_url);
  if (const json::value* r = m.if_contains("ready"); r != nullptr && r->is_bool())
    s.ready = r->get_bool();
  if (const json::value* n = m.if_contains("toolCount"); n != nullptr && n->is_number())
    s.tool_count = clamp32(int_of(n));
  s.last_error = str(m.if_contains("lastError"), max_member_error);
  return s;
}

json::object conflict_of(const json::object& c) {
  json::object out{{"name", str(c.if_contains("name"), max_tool_name)}, {"kept", str(c.if_contains("kept"), max_name)}};
  if (std::string kind = str(c.if_contains("kind"), 32); !kind.empty())
    out["kind"] = kind;
  json::array dropped;
  if (const json::value* d = c.if_contains("dropped"); d != nullptr && d->is_array()) {
    for (const auto& x : d->get_array()) {
      if (dropped.size() == max_conflict_dropped)
        break;
      if (x.is_string())
        dropped.emplace_back(bounded(x.get_string(), max_name));
    }
  }
  out["dropped"] = std::move(dropped);
  return out;
}

}  // namespace

std::optional<pool_report> parse_pool_report(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  const json::object& o = v.get_object();
  pool_report r;
  r.generation = int_of(o.if_contains("generation"));
  if (const json::value* ms = o.if_contains("members"); ms != nullptr && ms->is_array()) {
    for (const auto& m : ms->get_array()) {
      if (r.members.size() == 128)  // the CRD's maxItems; the spec allows 64 listed
        break;
      if (m.is_object())
        r.members.push_back(report_member(m.get_object()));
    }
  }
  r.tool_count = clamp32(int_of(o.if_contains("toolCount")));
  if (const json::value* ts = o.if_contains("tools"); ts != nullptr && ts->is_array()) {
    for (const auto& t : ts->get_array()) {
      if (r.tools.size() == max_status_tools)
        break;
      if (t.is_string())
        r.tools.push_back(bounded(t.get_string(), max_tool_name));
    }
  }
  if (const json::value* cs = o.if_contains("conflicts"); cs != nullptr && cs->is_array()) {
    for (const auto& c : cs->get_array()) {
      if (r.conflicts.size() == max_status_conflicts)
        break;
      if (c.is_object())
        r.conflicts.push_back(conflict_of(c.get_object()));
    }
  }
  return r;
}

member_state member_from_server(const api::pool_member& m, const json::object* server) {
  member_state s;
  s.name = m.name;
  if (m.remote()) {
    s.url = *m.url;
    return s;  // only the gateway knows whether it answers
  }
  s.server = m.server_name();
  if (server == nullptr) {
    s.ready = false;
    s.last_error = "MCPServer " + s.server + " not found";
    return s;
  }
  s.url = str(at(*server, {"status", "url"}), max_url);
  const std::string phase = str(at(*server, {"status", "phase"}), 32);
  if (phase == "Running") {
    s.ready = true;
    return s;
  }
  s.ready = false;
  std::string why;
  if (const json::value* conds = at(*server, {"status", "conditions"}); conds != nullptr && conds->is_array()) {
    for (const auto& c : conds->get_array()) {
      const json::object* co = c.if_object();
      if (co == nullptr)
        continue;
      const std::string type = str(co->if_contains("type"), 32);
      // Degraded says why a failing server fails; Ready why another is not ready yet.
      if ((phase == "Degraded" || phase == "Failed") ? type == "Degraded" : type == "Ready")
        why = str(co->if_contains("message"), max_member_error);
    }
  }
  s.last_error = bounded("MCPServer " + s.server + " is " + (phase.empty() ? std::string("Pending") : phase) +
                             (why.empty() ? "" : ": " + why),
                         max_member_error);
  return s;
}

json::object compute_pool_status(const api::mcppool& pool, const pool_render_options& options, const pool_observed& obs,
                                 const json::object& previous, const std::string& now) {
  // The members: the operator's view, overridden member by member by the gateway's.
  std::vector<member_state> members = obs.members;
  if (obs.report) {
    std::map<std::string, const member_state*> seen;
    for (const auto& m : obs.report->members)
      seen.emplace(m.name, &m);
    for (auto& m : members) {
      auto it = seen.find(m.name);
      if (it == seen.end())
        continue;
      const member_state& g = *it->second;
      m.ready = g.ready;
      m.tool_count = g.tool_count;
      m.last_error = g.last_error;
      if (!g.url.empty())
        m.url = g.url;
    }
  }
  json::array status_members;
  std::int64_t ready_members = 0;
  std::string failing;
  for (const auto& m : members) {
    json::object o{{"name", m.name}};
    if (!m.server.empty())
      o["server"] = m.server;
    if (!m.url.empty())
      o["url"] = m.url;
    if (m.ready)
      o["ready"] = *m.ready;
    if (m.tool_count)
      o["toolCount"] = *m.tool_count;
    if (!m.last_error.empty())
      o["lastError"] = bounded(m.last_error, max_member_error);
    status_members.push_back(std::move(o));
    if (m.ready.value_or(false))
      ++ready_members;
    if (m.ready && !*m.ready)
      failing += (failing.empty() ? "" : "; ") + m.name + ": " + (m.last_error.empty() ? "not ready" : m.last_error);
  }

  std::vector<status_condition> conds;
  std::string phase;
  std::int64_t desired = 0, current = 0, ready = 0;
  if (!obs.render_error.empty()) {
    phase = "Failed";
    const std::string why = obs.failure_reason.empty() ? "InvalidSpec" : obs.failure_reason;
    conds = {{"Ready", "False", why, obs.render_error}, {"Degraded", "True", why, obs.render_error}};
  } else {
    bool deadline_exceeded = false;
    bool rolled_out = false;
    if (obs.deployment != nullptr) {
      const json::object& d = *obs.deployment;
      desired = int_of(at(d, {"spec", "replicas"}), 1);
      current = int_of(at(d, {"status", "replicas"}));
      ready = int_of(at(d, {"status", "readyReplicas"}));
      const std::int64_t updated = int_of(at(d, {"status", "updatedReplicas"}));
      const bool observed_latest =
          int_of(at(d, {"status", "observedGeneration"})) >= int_of(at(d, {"metadata", "generation"}));
      rolled_out = observed_latest && updated == desired && current == desired;
      if (const json::value* cs = at(d, {"status", "conditions"}); cs != nullptr && cs->is_array()) {
        for (const auto& c : cs->get_array()) {
          const json::object* co = c.if_object();
          if (co != nullptr && str(co->if_contains("type"), 32) == "Progressing" &&
              str(co->if_contains("reason"), 64) == "ProgressDeadlineExceeded")
            deadline_exceeded = true;
        }
      }
    }
    const std::string counts = std::to_string(ready) + "/" + std::to_string(desired) + " gateway replicas ready";
    const bool gateway_ready = desired > 0 && ready >= desired;
    if (obs.deployment == nullptr)
      conds.push_back({"Ready", "False", "DeploymentMissing", "the gateway's Deployment has not been created yet"});
    else if (gateway_ready)
      conds.push_back({"Ready", "True", "ReplicasReady", counts});
    else
      conds.push_back({"Ready", "False", desired == 0 ? "ScaledToZero" : "ReplicasNotReady", counts});
    if (deadline_exceeded) {
      conds.push_back({"Degraded", "True", "ProgressDeadlineExceeded",
                       "gateway pods not ready after " + std::to_string(options.progress_deadline_seconds) + "s" +
                           (failing.empty() ? "" : "; members failing: " + failing)});
    } else if (!failing.empty()) {
      conds.push_back({"Degraded", "True", "MembersFailing", "members failing: " + failing});
    } else {
      conds.push_back({"Degraded", "False", "AsExpected", ""});
    }
    if (deadline_exceeded || !failing.empty())
      phase = "Degraded";
    else if (ready == 0)
      phase = "Pending";
    else if (!rolled_out)
      phase = "Progressing";
    else
      phase = "Running";
  }
  if (obs.verified) {
    conds.push_back({"Verified", obs.verified->ok ? "True" : "False", obs.verified->reason, obs.verified->message});
  } else if (obs.verification_off) {
    conds.push_back({"Verified", "Unknown", "VerificationOff",
                     "MCP verification is off (the operator runs outside the cluster, or with --verify=off)"});
  } else {
    conds.push_back(
        {"Verified", "Unknown", "NotVerifiedYet", "the operator verifies the pool once its gateway is Ready"});
  }

  json::object st;
  st["phase"] = phase;
  st["conditions"] = merge_conditions(conds, previous, pool.generation, now);
  st["observedGeneration"] = pool.generation;
  st["replicas"] = current;
  st["readyReplicas"] = ready;
  st["ready"] = std::to_string(ready) + "/" + std::to_string(desired);
  st["readyMembers"] = std::to_string(ready_members) + "/" + std::to_string(members.size());
  st["selector"] = pool_selector_string(pool);
  if (obs.render_error.empty())
    st["url"] = pool_url(pool, options);
  st["members"] = std::move(status_members);
  if (obs.report) {
    st["toolCount"] = obs.report->tool_count;
    json::array tools;
    for (const auto& t : obs.report->tools)
      tools.emplace_back(t);
    st["tools"] = std::move(tools);
    st["conflicts"] = obs.report->conflicts;
  } else {
    // Keep what the gateway last reported while it cannot be asked.
    for (auto key : {"toolCount", "tools", "conflicts"}) {
      if (const json::value* v = previous.if_contains(key))
        st[key] = *v;
    }
  }
  return st;
}

}  // namespace controllers
