#include "pool_view.hpp"

#include <boost/json/value_from.hpp>

#include <algorithm>
#include <map>

#include "api/mcppool.hpp"
#include "api/mcpserver.hpp"
#include "controllers/mcppool_members.hpp"

namespace gw {

namespace json = boost::json;

namespace {

constexpr std::string_view service_name_label = "kubernetes.io/service-name";
constexpr std::string_view mcp_port_name = "mcp";  // the MCPServer Service's port (mcpserver_render)

std::string string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

const json::array* array_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_array() : nullptr;
}

std::string name_of(const json::object& o) {
  const auto* meta = object_at(o, "metadata");
  return meta ? string_at(*meta, "name") : std::string();
}

struct address {
  std::string ip;
  std::string port;
  bool ready = true;
};

// The addresses of the Service `service` with the port named "mcp", in a stable order, each
// with whether it is ready (an address in two slices is ready if either says so).
std::vector<address> service_addresses(const std::vector<const json::object*>& slices, const std::string& service) {
  std::map<std::pair<std::string, std::string>, bool> out;
  for (const auto* slice : slices) {
    if (slice == nullptr) {
      continue;
    }
    const auto* meta = object_at(*slice, "metadata");
    const auto* labels = meta ? object_at(*meta, "labels") : nullptr;
    if (!labels || string_at(*labels, service_name_label) != service) {
      continue;
    }
    std::string port;
    if (const auto* ports = array_at(*slice, "ports")) {
      for (const auto& p : *ports) {
        const auto* po = p.if_object();
        const auto* num = po ? po->if_contains("port") : nullptr;
        if (po && string_at(*po, "name") == mcp_port_name && num && num->is_int64()) {
          port = std::to_string(num->get_int64());
        }
      }
    }
    const auto* endpoints = array_at(*slice, "endpoints");
    if (port.empty() || !endpoints) {
      continue;
    }
    for (const auto& e : *endpoints) {
      const auto* eo = e.if_object();
      if (!eo) {
        continue;
      }
      const auto* cond = object_at(*eo, "conditions");
      const auto* ready_v = cond ? cond->if_contains("ready") : nullptr;
      const bool ready = !(ready_v && ready_v->is_bool() && !ready_v->get_bool());  // absent: ready
      if (const auto* addrs = array_at(*eo, "addresses")) {
        for (const auto& a : *addrs) {
          if (a.is_string()) {
            auto [it, fresh] = out.emplace(std::pair{std::string(a.get_string()), port}, ready);
            if (!fresh) {
              it->second = it->second || ready;
            }
          }
        }
      }
    }
  }
  std::vector<address> list;
  for (const auto& [key, ready] : out) {
    list.push_back({key.first, key.second, ready});
  }
  return list;
}

gateway::member_spec spec_of(const api::pool_member& m) {
  gateway::member_spec s;
  s.name = m.name;
  s.tool_prefix = m.prefix();
  s.include = m.include;
  s.exclude = m.exclude;
  s.enabled = m.enabled;
  return s;
}

void add_endpoint(member_config& mc, const std::string& url, const bridge::http_upstream_config& base,
                  const std::optional<std::string>& token, bool ready = true) {
  std::string error;
  auto cfg = bridge::parse_upstream_url(url, error, "the member's URL");
  if (!cfg) {
    mc.note = error;
    return;
  }
  member_endpoint ep;
  ep.id = bridge::host_port(cfg->host, cfg->port);
  if (std::any_of(mc.endpoints.begin(), mc.endpoints.end(), [&](const member_endpoint& e) { return e.id == ep.id; })) {
    return;
  }
  ep.ready = ready;
  ep.http = base;
  ep.http.host = cfg->host;
  ep.http.port = cfg->port;
  ep.http.target = cfg->target;
  if (token) {
    ep.http.extra_headers.emplace_back("Authorization", "Bearer " + *token);
  }
  mc.endpoints.push_back(std::move(ep));
}

void server_member(member_config& mc, const api::pool_member& m, const pool_inputs& in,
                   const bridge::http_upstream_config& base) {
  mc.server = m.server_name();
  const json::object* server = nullptr;
  for (const auto* s : in.servers) {
    if (s && name_of(*s) == mc.server) {
      server = s;
    }
  }
  if (!server) {
    mc.note = "MCPServer " + mc.server + " not found";
    return;
  }
  auto parsed = api::parse_mcpserver(json::value(*server));
  if (!parsed) {
    mc.note = "MCPServer " + mc.server + " cannot be read: " + parsed.error().message;
    return;
  }
  for (const auto& a : service_addresses(in.endpoint_slices, mc.server)) {
    add_endpoint(mc, "http://" + bridge::host_port(a.ip, a.port) + parsed->spec.path, base, std::nullopt, a.ready);
  }
  const bool any_ready =
      std::any_of(mc.endpoints.begin(), mc.endpoints.end(), [](const member_endpoint& e) { return e.ready; });
  if (!any_ready && mc.note.empty()) {
    mc.note = "MCPServer " + mc.server + " has no ready pod";
  }
}

}  // namespace

boost::system::result<pool_view, std::string> resolve_pool(const pool_inputs& in, const token_reader& tokens,
                                                           const bridge::http_upstream_config& base) {
  if (in.pool == nullptr) {
    return std::string("the MCPPool does not exist");
  }
  auto pool = api::parse_mcppool(json::value(*in.pool));
  if (!pool) {
    return "the MCPPool cannot be read: " + pool.error().message;
  }
  if (auto why = api::validate(*pool); !why.empty()) {
    return "the MCPPool is not valid: " + why;
  }
  auto chosen = controllers::choose_members(*pool, in.servers);
  pool_view view;
  view.generation = pool->generation;
  view.resolution = pool->spec.conflict_resolution == api::conflict_resolution::priority
                        ? gateway::conflict_resolution::priority
                        : gateway::conflict_resolution::prefix;
  for (const auto& m : chosen.members) {
    member_config mc;
    mc.spec = spec_of(m);
    if (m.remote()) {
      mc.url = *m.url;
      std::optional<std::string> token;
      if (m.bearer_token) {
        std::string why;
        token = tokens(m.name, why);
        if (!token) {
          mc.note = "the bearer token of member " + m.name + " cannot be read: " + why;
          view.members.push_back(std::move(mc));
          continue;
        }
      }
      add_endpoint(mc, *m.url, base, token);
    } else {
      server_member(mc, m, in, base);
    }
    view.members.push_back(std::move(mc));
  }
  if (view.members.size() > gateway::record_limits::max_members) {
    return "the MCPPool has " + std::to_string(view.members.size()) + " members; a gateway serves at most " +
           std::to_string(gateway::record_limits::max_members);
  }
  return view;
}

bool same_shape(const pool_view& a, const pool_view& b) {
  if (a.resolution != b.resolution || a.members.size() != b.members.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.members.size(); ++i) {
    const auto& x = a.members[i];
    const auto& y = b.members[i];
    if (x.spec.name != y.spec.name || x.spec.tool_prefix != y.spec.tool_prefix || x.spec.include != y.spec.include ||
        x.spec.exclude != y.spec.exclude || x.spec.enabled != y.spec.enabled || x.server != y.server ||
        x.url != y.url) {
      return false;
    }
  }
  return true;
}

}  // namespace gw
