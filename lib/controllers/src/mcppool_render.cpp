#include "controllers/mcppool_render.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>

#include "controllers/render_parts.hpp"

namespace controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view port_name = "mcp";

// "token-<member>". A member name is a DNS-1123 label of up to 63 characters, and so must a
// volume name be: a longer one keeps 48 characters of the member's name and adds a hash of the
// whole name, so two long names sharing a prefix still get volumes of their own.
std::string token_volume(const api::pool_member& m) {
  std::string name = "token-" + m.name;
  if (name.size() <= 63)
    return name;
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a 64
  for (unsigned char c : m.name)
    h = (h ^ c) * 1099511628211ULL;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return "token-" + m.name.substr(0, 48) + "-" + std::string(hex, 8);
}

json::object metadata(const api::mcppool& p, std::string_view name) {
  return parts::metadata({api::pool_kind, p.name, p.namespace_, p.uid}, name, pool_common_labels(p));
}

json::object service_account(const api::mcppool& p) {
  auto o = parts::object("v1", "ServiceAccount", metadata(p, gateway_name(p)));
  o["automountServiceAccountToken"] = false;  // only the gateway's pods mount its token
  return o;
}

// What the gateway reads, in the pool's namespace only: its pool, the MCPServers and their
// EndpointSlices. No Secrets: the keyring and the members' tokens are mounted into its pods, so
// a compromised gateway cannot read any Secret through the API, and the operator need not hold
// (nor grant) read rights on Secrets.
json::object role(const api::mcppool& p) {
  const json::array read{"get", "list", "watch"};
  json::array rules{
      json::object{{"apiGroups", json::array{api::group}},
                   {"resources", json::array{api::pool_plural}},
                   {"resourceNames", json::array{p.name}},
                   {"verbs", read}},
      json::object{{"apiGroups", json::array{api::group}}, {"resources", json::array{api::plural}}, {"verbs", read}},
      json::object{{"apiGroups", json::array{"discovery.k8s.io"}},
                   {"resources", json::array{"endpointslices"}},
                   {"verbs", read}}};
  auto o = parts::object("rbac.authorization.k8s.io/v1", "Role", metadata(p, gateway_name(p)));
  o["rules"] = std::move(rules);
  return o;
}

json::object role_binding(const api::mcppool& p) {
  auto o = parts::object("rbac.authorization.k8s.io/v1", "RoleBinding", metadata(p, gateway_name(p)));
  o["roleRef"] = json::object{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", gateway_name(p)}};
  o["subjects"] =
      json::array{json::object{{"kind", "ServiceAccount"}, {"name", gateway_name(p)}, {"namespace", p.namespace_}}};
  return o;
}

json::object http_probe(std::string_view path, std::int64_t period) {
  return json::object{{"periodSeconds", period},
                      {"timeoutSeconds", 2},
                      {"failureThreshold", 3},
                      {"httpGet", json::object{{"path", path}, {"port", port_name}}}};
}

json::object gateway_container(const api::mcppool& p, const pool_render_options& o) {
  json::value resources = p.spec.resources;
  if (resources.is_null()) {
    resources = json::object{{"requests", json::object{{"cpu", "10m"}, {"memory", "16Mi"}}},
                             {"limits", json::object{{"memory", "64Mi"}}}};
  }
  json::array args{"--host",
                   "0.0.0.0",
                   "--port",
                   std::to_string(p.spec.port),
                   "--path",
                   pool_path,
                   "--pool",
                   p.name,
                   "--namespace",
                   p.namespace_,
                   "--keyring-dir",
                   gateway_keyring_dir,
                   "--member-token-dir",
                   gateway_member_token_dir};
  parts::append_tracing_args(args, p.spec.tracing, o.tracing, p.name);
  auto auth = parts::render_auth(p.spec.auth, pool_url(p, o), o.auth);
  for (auto& a : auth.args)
    args.push_back(std::move(a));
  json::array mounts{json::object{{"name", "keyring"}, {"mountPath", gateway_keyring_dir}, {"readOnly", true}}};
  for (auto& m : auth.mounts)
    mounts.push_back(std::move(m));
  for (const auto& m : p.spec.members) {
    if (m.bearer_token) {
      mounts.push_back(json::object{{"name", token_volume(m)},
                                    {"mountPath", std::string(gateway_member_token_dir) + "/" + m.name},
                                    {"readOnly", true}});
    }
  }
  json::object c{
      {"name", "mcp-gateway"},
      {"image", o.gateway_image},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", json::array{"/mcp-gateway"}},
      {"args", std::move(args)},
      {"ports", json::array{json::object{{"name", port_name}, {"containerPort", p.spec.port}, {"protocol", "TCP"}}}},
      {"readinessProbe", http_probe("/readyz", 5)},
      {"livenessProbe", http_probe("/healthz", 10)},
      {"resources", std::move(resources)},
      {"volumeMounts", std::move(mounts)},
      {"securityContext", parts::restricted_container_security()}};
  if (!auth.env.empty())
    c["env"] = std::move(auth.env);
  return c;
}

// The keyring Secret, and one volume per member token holding only its key, as "token". The
// token volumes are optional: a member whose Secret (or key) is missing must not keep the
// whole pool's gateway from starting; the gateway finds no file and reports that member.
json::array gateway_volumes(const api::mcppool& p, const pool_render_options& o) {
  json::array volumes{json::object{{"name", "keyring"}, {"secret", json::object{{"secretName", keyring_name(p)}}}}};
  for (const auto& m : p.spec.members) {
    if (!m.bearer_token)
      continue;
    json::object items{{"key", m.bearer_token->key}, {"path", member_token_file}};
    volumes.push_back(json::object{{"name", token_volume(m)},
                                   {"secret", json::object{{"secretName", m.bearer_token->name},
                                                           {"items", json::array{std::move(items)}},
                                                           {"optional", true}}}});
  }
  for (auto& v : parts::render_auth(p.spec.auth, pool_url(p, o), o.auth).volumes)
    volumes.push_back(std::move(v));
  return volumes;
}

json::object deployment(const api::mcppool& p, const pool_render_options& o) {
  json::object pod{{"serviceAccountName", gateway_name(p)},
                   {"automountServiceAccountToken", true},  // the gateway reads the API itself
                   {"enableServiceLinks", false},
                   {"securityContext", parts::restricted_pod_security()},
                   {"containers", json::array{gateway_container(p, o)}},
                   {"volumes", gateway_volumes(p, o)}};
  json::object tmpl{{"metadata", json::object{{"labels", pool_common_labels(p)}}}, {"spec", std::move(pod)}};
  json::object spec{{"selector", json::object{{"matchLabels", pool_selector_labels(p)}}},
                    {"revisionHistoryLimit", 3},
                    {"progressDeadlineSeconds", o.progress_deadline_seconds},
                    {"template", std::move(tmpl)}};
  if (p.spec.replicas)
    spec["replicas"] = *p.spec.replicas;  // unset: a scaler owns the field
  auto d = parts::object("apps/v1", "Deployment", metadata(p, gateway_name(p)));
  d["spec"] = std::move(spec);
  return d;
}

// No session affinity: any gateway replica serves any session (the session id is sealed).
json::object service(const api::mcppool& p) {
  const auto& svc = p.spec.service;
  auto meta = metadata(p, p.name);
  if (!svc.annotations.empty())
    meta["annotations"] = svc.annotations;
  auto o = parts::object("v1", "Service", std::move(meta));
  o["spec"] = json::object{{"type", svc.type},
                           {"selector", pool_selector_labels(p)},
                           {"sessionAffinity", "None"},
                           {"ports", json::array{json::object{{"name", port_name},
                                                              {"port", p.spec.port},
                                                              {"targetPort", port_name},
                                                              {"protocol", "TCP"},
                                                              {"appProtocol", "http"}}}}};
  return o;
}

}  // namespace

std::string gateway_name(const api::mcppool& p) {
  return p.name + "-gateway";
}
std::string keyring_name(const api::mcppool& p) {
  return p.name + "-keyring";
}

json::object pool_selector_labels(const api::mcppool& p) {
  return json::object{{"app.kubernetes.io/name", "mcp-gateway"}, {"app.kubernetes.io/instance", p.name}};
}

json::object pool_common_labels(const api::mcppool& p) {
  return parts::common_labels(pool_selector_labels(p), "mcp-gateway");
}

std::string pool_selector_string(const api::mcppool& p) {
  return parts::selector_string(pool_selector_labels(p));
}

std::string pool_url(const api::mcppool& p, const pool_render_options& o) {
  return "http://" + p.name + "." + p.namespace_ + ".svc." + o.cluster_domain + ":" + std::to_string(p.spec.port) +
         std::string(pool_path);
}

pool_rendered render(const api::mcppool& p, const pool_render_options& o) {
  pool_rendered out;
  if (std::string why = api::validate(p); !why.empty()) {
    out.error = std::move(why);
    return out;
  }
  if (o.gateway_image.empty()) {
    out.error = "an MCPPool needs the mcp-gateway image, but the operator runs without --gateway-image";
    return out;
  }
  out.objects.push_back(service_account(p));
  out.objects.push_back(role(p));
  out.objects.push_back(role_binding(p));
  out.objects.push_back(deployment(p, o));
  out.objects.push_back(service(p));
  if (p.spec.ingress) {
    out.objects.push_back(parts::ingress(metadata(p, p.name), *p.spec.ingress,
                                         p.spec.ingress->path.value_or(std::string(pool_path)), p.name, port_name));
  }
  if (p.spec.network_policy_allow_from) {
    out.objects.push_back(parts::network_policy(metadata(p, gateway_name(p)), pool_selector_labels(p),
                                                *p.spec.network_policy_allow_from, p.spec.port));
  }
  return out;
}

}  // namespace controllers
