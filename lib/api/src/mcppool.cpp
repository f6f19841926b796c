#include "api/mcppool.hpp"

#include <boost/json.hpp>

#include <regex>
#include <set>

#include "reader.hpp"

namespace api {

namespace json = boost::json;

namespace {

using detail::reader;

bool read_member(const json::value& v, std::size_t i, pool_member& m, std::string& error) {
  const std::string prefix = "spec.members[" + std::to_string(i) + "].";
  if (!v.is_object()) {
    error = prefix.substr(0, prefix.size() - 1) + " must be an object";
    return false;
  }
  reader r{v.get_object(), prefix, {}};
  json::object token;
  bool ok = r.str("name", m.name) && r.str("server", m.server) && r.str("url", m.url) &&
            r.str("toolPrefix", m.tool_prefix) && r.strings("include", m.include) && r.strings("exclude", m.exclude) &&
            r.boolean("enabled", m.enabled) && r.object("bearerTokenSecretRef", token);
  if (ok && !token.empty()) {
    reader t{token, prefix + "bearerTokenSecretRef.", {}};
    secret_key_ref ref;
    ok = t.str("name", ref.name) && t.str("key", ref.key);
    if (!ok) {
      error = t.error;
      return false;
    }
    m.bearer_token = std::move(ref);
  }
  error = r.error;
  return ok;
}

}  // namespace

boost::system::result<mcppool, spec_error> parse_mcppool(const json::value& object) {
  if (!object.is_object()) {
    return spec_error{"object is not a JSON object"};
  }
  const json::object& obj = object.get_object();
  mcppool out;
  if (std::string error; !detail::read_metadata(obj, out.name, out.namespace_, out.uid, out.generation, error)) {
    return spec_error{error};
  }
  const json::value* specv = obj.if_contains("spec");
  if (specv == nullptr || !specv->is_object()) {
    return spec_error{"spec is missing: set spec.selector, spec.members, or both"};
  }
  reader r{specv->get_object(), "spec.", {}};
  mcppool_spec& s = out.spec;
  std::string resolution = "prefix";
  json::object selector;
  bool ok = r.str("conflictResolution", resolution) && r.i32("replicas", s.replicas) && r.i32("port", s.port) &&
            r.object("selector", selector);
  if (!ok) {
    return spec_error{r.error};
  }
  if (resolution != "prefix" && resolution != "priority") {
    return spec_error{"spec.conflictResolution must be prefix or priority, not \"" + resolution + "\""};
  }
  s.conflict_resolution = resolution == "priority" ? conflict_resolution::priority : conflict_resolution::prefix;
  if (r.find("selector") != nullptr) {
    s.selector = std::move(selector);
  }
  if (const json::value* members = r.find("members")) {
    if (!members->is_array()) {
      return spec_error{"spec.members must be a list"};
    }
    for (std::size_t i = 0; i < members->get_array().size(); ++i) {
      pool_member m;
      std::string error;
      if (!read_member(members->get_array()[i], i, m, error)) {
        return spec_error{error};
      }
      s.members.push_back(std::move(m));
    }
  }
  std::string sub_error;
  if (!detail::read_exposure(r, s.service, s.ingress, s.network_policy_allow_from, sub_error))
    return spec_error{sub_error};
  if (!detail::read_observability(r, s.tracing, sub_error))
    return spec_error{sub_error};
  if (!detail::read_auth(r, s.auth, sub_error))
    return spec_error{sub_error};
  r.raw("resources", s.resources);
  return out;
}

std::string validate(const mcppool& pool) {
  static const std::regex dns1035("^[a-z]([-a-z0-9]*[a-z0-9])?$");
  static const std::regex dns1123("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  static const std::regex remote("^https?://[^/?#@]+(/[^?#]*)?$");
  const mcppool_spec& s = pool.spec;
  if (pool.name.size() > 55 || !std::regex_match(pool.name, dns1035)) {
    return "metadata.name must be a DNS-1035 label of at most 55 characters because it names the gateway's Service "
           "and, with a suffix, its keyring Secret";
  }
  if (!s.selector && s.members.empty()) {
    return "a pool needs members: set spec.selector to choose MCPServers by label, list them in spec.members, or both";
  }
  if (s.port < 1 || s.port > 65535) {
    return "spec.port must be between 1 and 65535";
  }
  if (s.replicas && *s.replicas < 0) {
    return "spec.replicas must not be negative";
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < s.members.size(); ++i) {
    const pool_member& m = s.members[i];
    const std::string at = "spec.members[" + std::to_string(i) + "]";
    if (m.name.size() > 63 || !std::regex_match(m.name, dns1123)) {
      return at + ".name must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)";
    }
    if (!names.insert(m.name).second) {
      return at + ".name \"" + m.name + "\" is listed twice; member names must be unique";
    }
    if (m.server && m.url) {
      return at + " is either an MCPServer (server) or a remote endpoint (url), not both; remove one";
    }
    if (m.bearer_token && !m.url) {
      return at + ".bearerTokenSecretRef is sent to remote members only (url)";
    }
    if (m.url && !std::regex_match(*m.url, remote)) {
      return at + ".url must be an http:// or https:// URL without user info, query or fragment";
    }
    if (!m.url && (m.server_name().size() > 63 || !std::regex_match(m.server_name(), dns1035))) {
      return at + " names MCPServer \"" + m.server_name() + "\", which is not a valid MCPServer name";
    }
  }
  return detail::validate_auth(s.auth, s.ingress);
}

const std::vector<std::string_view>& known_pool_spec_fields() {
  static const std::vector<std::string_view> fields = {
      "selector", "members", "conflictResolution", "replicas",      "resources", "port",
      "service",  "ingress", "networkPolicy",      "observability", "auth"};
  return fields;
}

const std::vector<std::string_view>& known_pool_status_fields() {
  static const std::vector<std::string_view> fields = {
      "phase", "conditions", "observedGeneration", "replicas", "readyReplicas", "ready", "readyMembers", "selector",
      "url",   "members",    "toolCount",          "tools",    "conflicts"};
  return fields;
}

std::string_view to_string(conflict_resolution c) {
  return c == conflict_resolution::priority ? "priority" : "prefix";
}

}  // namespace api
