#include "controllers/mcppool_members.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

namespace controllers {

namespace json = boost::json;

namespace {

const json::object* labels_of(const json::object& o) {
  const json::value* m = o.if_contains("metadata");
  const json::value* l = m != nullptr && m->is_object() ? m->get_object().if_contains("labels") : nullptr;
  return l != nullptr ? l->if_object() : nullptr;
}

std::string name_of(const json::object& o) {
  const json::value* m = o.if_contains("metadata");
  const json::value* n = m != nullptr && m->is_object() ? m->get_object().if_contains("name") : nullptr;
  return n != nullptr && n->is_string() ? std::string(n->get_string()) : std::string{};
}

const json::string* label(const json::object& labels, std::string_view key) {
  const json::value* v = labels.if_contains(key);
  return v != nullptr ? v->if_string() : nullptr;
}

bool requirement_holds(const json::object& req, const json::object& labels, std::string& error) {
  const json::value* key = req.if_contains("key");
  const json::value* op = req.if_contains("operator");
  if (key == nullptr || !key->is_string() || op == nullptr || !op->is_string()) {
    error = "spec.selector.matchExpressions[] needs a key and an operator";
    return false;
  }
  std::vector<std::string_view> values;
  if (const json::value* vs = req.if_contains("values"); vs != nullptr && vs->is_array()) {
    for (const auto& v : vs->get_array()) {
      if (v.is_string())
        values.emplace_back(v.get_string());
    }
  }
  const std::string_view o = op->get_string();
  const json::string* have = label(labels, key->get_string());
  if (o == "In" || o == "NotIn") {
    if (values.empty()) {
      error = "spec.selector.matchExpressions[] with operator " + std::string(o) + " needs values";
      return false;
    }
    const bool in = have != nullptr && std::find(values.begin(), values.end(), std::string_view(*have)) != values.end();
    return o == "In" ? in : !in;
  }
  if (o == "Exists" || o == "DoesNotExist") {
    if (!values.empty()) {
      error = "spec.selector.matchExpressions[] with operator " + std::string(o) + " takes no values";
      return false;
    }
    return o == "Exists" ? have != nullptr : have == nullptr;
  }
  error = "spec.selector.matchExpressions[] operator '" + std::string(o) +
          "' is not one of In, NotIn, Exists, DoesNotExist";
  return false;
}

}  // namespace

bool selector_matches(const json::object& selector, const json::object& labels, std::string& error) {
  error.clear();
  bool all = true;
  if (const json::value* ml = selector.if_contains("matchLabels"); ml != nullptr && ml->is_object()) {
    for (const auto& [k, v] : ml->get_object()) {
      const json::string* have = label(labels, k);
      if (!v.is_string() || have == nullptr || *have != v.get_string())
        all = false;
    }
  }
  if (const json::value* me = selector.if_contains("matchExpressions"); me != nullptr && me->is_array()) {
    // Every requirement is checked, also after one fails, so an invalid one is always reported.
    for (const auto& r : me->get_array()) {
      if (!r.is_object()) {
        error = "spec.selector.matchExpressions[] must be objects";
        return false;
      }
      if (!requirement_holds(r.get_object(), labels, error)) {
        if (!error.empty())
          return false;
        all = false;
      }
    }
  }
  return all;
}

pool_members choose_members(const api::mcppool& pool, const std::vector<const json::object*>& servers) {
  pool_members out;
  std::set<std::string, std::less<>> names;   // member names taken
  std::set<std::string, std::less<>> listed;  // MCPServers listed
  for (const auto& m : pool.spec.members) {
    out.members.push_back(m);
    names.insert(m.name);
    if (!m.remote())
      listed.insert(m.server_name());
  }
  if (!pool.spec.selector)
    return out;
  static const json::object no_labels;
  // Checked once on its own, so an invalid selector is reported also in an empty namespace.
  if (std::string error; (void)selector_matches(*pool.spec.selector, no_labels, error), !error.empty()) {
    out.selector_error = std::move(error);
    return out;  // the listed members only
  }
  std::vector<std::string> selected;
  for (const auto* s : servers) {
    if (s == nullptr)
      continue;
    std::string name = name_of(*s);
    if (name.empty() || listed.contains(name) || names.contains(name))
      continue;
    const json::object* labels = labels_of(*s);
    std::string error;
    if (selector_matches(*pool.spec.selector, labels != nullptr ? *labels : no_labels, error))
      selected.push_back(std::move(name));
  }
  std::sort(selected.begin(), selected.end());
  selected.erase(std::unique(selected.begin(), selected.end()), selected.end());
  for (auto& name : selected) {
    api::pool_member m;
    m.name = std::move(name);
    out.members.push_back(std::move(m));
  }
  return out;
}

bool pool_wants(const api::mcppool& pool, const json::object& server) {
  const std::string name = name_of(server);
  for (const auto& m : pool.spec.members) {
    if (!m.remote() && m.server_name() == name)
      return true;
  }
  if (!pool.spec.selector)
    return false;
  static const json::object no_labels;
  const json::object* labels = labels_of(server);
  std::string error;
  return selector_matches(*pool.spec.selector, labels != nullptr ? *labels : no_labels, error);
}

}  // namespace controllers
