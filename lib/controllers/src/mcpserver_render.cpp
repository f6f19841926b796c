#include "controllers/mcpserver_render.hpp"

#include <boost/json.hpp>

#include "controllers/render_parts.hpp"

namespace controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view bridge_dir = "/opt/mcp-bridge";
constexpr std::string_view bridge_volume = "mcp-bridge";
constexpr std::string_view tmp_volume = "tmp";
constexpr std::string_view port_name = "mcp";                // the port clients reach (the Service's target)
constexpr std::string_view upstream_port_name = "upstream";  // an http server's own port behind the bridge

json::object metadata(const api::mcpserver& s, std::string_view name) {
  return parts::metadata({api::kind, s.name, s.namespace_, s.uid}, name, common_labels(s));
}

using parts::object;
using parts::restricted_container_security;
using parts::set_if;

// stdio: the bridge serves spec.port and runs the command; in front of an http server
// (bridge.enabled) it serves bridge.port and reaches the server beside it on spec.port.
json::array bridge_args(const api::mcpserver& s, const render_options& o) {
  const auto& b = s.spec.bridge;
  const bool front = api::bridge_fronts_http(s.spec);
  json::array args{"--host",         "0.0.0.0",
                   "--port",         std::to_string(front ? b.port : s.spec.port),
                   "--path",         s.spec.path,
                   "--session-mode", api::to_string(b.mode),
                   "--max-sessions", std::to_string(b.max_sessions),
                   "--idle-timeout", std::to_string(b.idle_timeout_seconds)};
  parts::append_tracing_args(args, s.spec.tracing, o.tracing, s.name);
  for (auto& a : parts::render_auth(s.spec.auth, service_url(s, o), o.auth).args)
    args.push_back(std::move(a));
  if (front) {
    args.emplace_back("--upstream");
    args.emplace_back("http://127.0.0.1:" + std::to_string(s.spec.port) + s.spec.path);
    return args;
  }
  args.emplace_back("--warm-pool");
  args.emplace_back(std::to_string(b.warm_pool_size));
  args.emplace_back("--");
  for (const auto& c : s.spec.command)
    args.emplace_back(c);
  for (const auto& a : s.spec.args)
    args.emplace_back(a);
  return args;
}

// The port the pods take clients' connections on: the bridge's when it fronts an http server.
std::int32_t client_port(const api::mcpserver& s) {
  return api::bridge_fronts_http(s.spec) ? s.spec.bridge.port : s.spec.port;
}

json::object http_probe(std::string_view path, std::int64_t period) {
  return json::object{{"periodSeconds", period},
                      {"timeoutSeconds", 2},
                      {"failureThreshold", 3},
                      {"httpGet", json::object{{"path", path}, {"port", port_name}}}};
}

json::object default_probe(const api::mcpserver& s, std::string_view bridge_path, std::int64_t period) {
  if (s.spec.protocol == api::protocol::stdio) {
    return http_probe(bridge_path, period);
  }
  json::object probe{{"periodSeconds", period}, {"timeoutSeconds", 2}, {"failureThreshold", 3}};
  probe["tcpSocket"] = json::object{{"port", api::bridge_fronts_http(s.spec) ? upstream_port_name : port_name}};
  return probe;
}

json::object server_container(const api::mcpserver& s, const render_options& o) {
  const auto& sp = s.spec;
  json::object c{{"name", "mcp-server"}, {"image", sp.image}};
  if (sp.image_pull_policy)
    c["imagePullPolicy"] = *sp.image_pull_policy;
  if (sp.protocol == api::protocol::stdio) {
    c["command"] = json::array{std::string(bridge_dir) + "/mcp-bridge"};
    c["args"] = bridge_args(s, o);
  } else {
    if (!sp.command.empty())
      c["command"] = json::value_from(sp.command);
    if (!sp.args.empty())
      c["args"] = json::value_from(sp.args);
  }
  c["ports"] = json::array{json::object{{"name", api::bridge_fronts_http(sp) ? upstream_port_name : port_name},
                                        {"containerPort", sp.port},
                                        {"protocol", "TCP"}}};
  // protocol stdio: this container is the bridge, the front that enforces spec.auth.
  const auto auth = sp.protocol == api::protocol::stdio ? parts::render_auth(sp.auth, service_url(s, o), o.auth)
                                                        : parts::auth_rendering{};
  if (!auth.env.empty()) {
    json::array env = sp.env.is_array() ? sp.env.get_array() : json::array{};
    for (const auto& e : auth.env)
      env.push_back(e);
    c["env"] = std::move(env);
  } else {
    set_if(c, "env", sp.env);
  }
  set_if(c, "envFrom", sp.env_from);
  set_if(c, "resources", sp.resources);
  json::array mounts{json::object{{"name", tmp_volume}, {"mountPath", "/tmp"}}};
  if (sp.protocol == api::protocol::stdio) {
    mounts.push_back(json::object{{"name", bridge_volume}, {"mountPath", bridge_dir}, {"readOnly", true}});
  }
  for (const auto& m : auth.mounts)
    mounts.push_back(m);
  if (sp.volume_mounts.is_array()) {
    for (const auto& m : sp.volume_mounts.get_array())
      mounts.push_back(m);
  }
  c["volumeMounts"] = std::move(mounts);
  c["readinessProbe"] = sp.readiness_probe.is_null() ? json::value(default_probe(s, "/readyz", 5)) : sp.readiness_probe;
  c["livenessProbe"] = sp.liveness_probe.is_null() ? json::value(default_probe(s, "/healthz", 10)) : sp.liveness_probe;
  c["securityContext"] = restricted_container_security();
  return c;
}

// In front of an http server: the bridge image itself as a second container (FROM scratch:
// nothing in it but the static binary), reaching the server over the pod's loopback.
json::object bridge_container(const api::mcpserver& s, const render_options& o) {
  auto auth = parts::render_auth(s.spec.auth, service_url(s, o), o.auth);
  json::object c{{"name", "mcp-bridge"},
                 {"image", o.bridge_image},
                 {"imagePullPolicy", "IfNotPresent"},
                 {"command", json::array{"/mcp-bridge"}},
                 {"args", bridge_args(s, o)},
                 {"ports", json::array{json::object{
                               {"name", port_name}, {"containerPort", s.spec.bridge.port}, {"protocol", "TCP"}}}},
                 {"readinessProbe", http_probe("/readyz", 5)},
                 {"livenessProbe", http_probe("/healthz", 10)},
                 {"resources", json::object{{"requests", json::object{{"cpu", "10m"}, {"memory", "16Mi"}}},
                                            {"limits", json::object{{"memory", "64Mi"}}}}},
                 {"securityContext", restricted_container_security()}};
  if (!auth.env.empty())
    c["env"] = std::move(auth.env);
  if (!auth.mounts.empty())
    c["volumeMounts"] = std::move(auth.mounts);
  return c;
}

json::object bridge_init_container(const render_options& o) {
  return json::object{{"name", "install-mcp-bridge"},
                      {"image", o.bridge_image},
                      {"imagePullPolicy", "IfNotPresent"},
                      {"command", json::array{"/mcp-bridge", "--copy-to", std::string(bridge_dir) + "/mcp-bridge"}},
                      {"volumeMounts", json::array{json::object{{"name", bridge_volume}, {"mountPath", bridge_dir}}}},
                      {"resources", json::object{{"requests", json::object{{"cpu", "10m"}, {"memory", "16Mi"}}},
                                                 {"limits", json::object{{"memory", "64Mi"}}}}},
                      {"securityContext", restricted_container_security()}};
}

json::object pod_template(const api::mcpserver& s, const render_options& o) {
  const auto& sp = s.spec;
  json::object labels;
  if (sp.pod_labels.is_object())
    labels = sp.pod_labels.get_object();
  for (const auto& [k, v] : common_labels(s))
    labels[k] = v;  // ours win: they select the pods
  json::object meta{{"labels", std::move(labels)}};
  if (sp.pod_annotations.is_object() && !sp.pod_annotations.get_object().empty()) {
    meta["annotations"] = sp.pod_annotations;
  }
  json::object pod{{"serviceAccountName", sp.service_account_name.value_or(s.name)},
                   {"automountServiceAccountToken", sp.automount_service_account_token},
                   {"enableServiceLinks", false},
                   {"securityContext", parts::restricted_pod_security()}};
  set_if(pod, "imagePullSecrets", sp.image_pull_secrets);
  set_if(pod, "nodeSelector", sp.node_selector);
  set_if(pod, "tolerations", sp.tolerations);
  set_if(pod, "affinity", sp.affinity);
  if (sp.priority_class_name)
    pod["priorityClassName"] = *sp.priority_class_name;
  json::array volumes{json::object{{"name", tmp_volume}, {"emptyDir", json::object{{"sizeLimit", "256Mi"}}}}};
  if (sp.protocol == api::protocol::stdio) {
    pod["initContainers"] = json::array{bridge_init_container(o)};
    volumes.push_back(json::object{{"name", bridge_volume}, {"emptyDir", json::object{{"sizeLimit", "64Mi"}}}});
  }
  if (sp.volumes.is_array()) {
    for (const auto& v : sp.volumes.get_array())
      volumes.push_back(v);
  }
  for (auto& v : parts::render_auth(sp.auth, service_url(s, o), o.auth).volumes)
    volumes.push_back(std::move(v));
  pod["containers"] = json::array{server_container(s, o)};
  if (api::bridge_fronts_http(sp)) {
    pod["containers"].as_array().push_back(bridge_container(s, o));
  }
  pod["volumes"] = std::move(volumes);
  return json::object{{"metadata", std::move(meta)}, {"spec", std::move(pod)}};
}

json::object deployment(const api::mcpserver& s, const render_options& o) {
  json::object spec{{"selector", json::object{{"matchLabels", selector_labels(s)}}},
                    {"revisionHistoryLimit", 3},
                    {"progressDeadlineSeconds", o.progress_deadline_seconds},
                    {"template", pod_template(s, o)}};
  if (s.spec.replicas)
    spec["replicas"] = *s.spec.replicas;  // unset: a scaler owns the field
  auto d = object("apps/v1", "Deployment", metadata(s, s.name));
  d["spec"] = std::move(spec);
  return d;
}

json::object service(const api::mcpserver& s) {
  const auto& svc = s.spec.service;
  std::string affinity = svc.session_affinity.value_or(s.spec.stateless ? "None" : "ClientIP");
  auto meta = metadata(s, s.name);
  if (!svc.annotations.empty())
    meta["annotations"] = svc.annotations;
  auto o = object("v1", "Service", std::move(meta));
  o["spec"] = json::object{{"type", svc.type},
                           {"selector", selector_labels(s)},
                           {"sessionAffinity", affinity},
                           {"ports", json::array{json::object{{"name", port_name},
                                                              {"port", s.spec.port},
                                                              {"targetPort", port_name},
                                                              {"protocol", "TCP"},
                                                              {"appProtocol", "http"}}}}};
  return o;
}

json::object service_account(const api::mcpserver& s) {
  auto o = object("v1", "ServiceAccount", metadata(s, s.name));
  o["automountServiceAccountToken"] = s.spec.automount_service_account_token;
  return o;
}

json::object ingress(const api::mcpserver& s) {
  const auto& in = *s.spec.ingress;
  return parts::ingress(metadata(s, s.name), in, in.path.value_or(s.spec.path), s.name, port_name);
}

json::object network_policy(const api::mcpserver& s) {
  return parts::network_policy(metadata(s, s.name), selector_labels(s), *s.spec.network_policy_allow_from,
                               client_port(s));
}

json::object pod_disruption_budget(const api::mcpserver& s) {
  auto o = object("policy/v1", "PodDisruptionBudget", metadata(s, s.name));
  o["spec"] = json::object{{"maxUnavailable", 1}, {"selector", json::object{{"matchLabels", selector_labels(s)}}}};
  return o;
}

}  // namespace

const std::vector<owned_kind>& owned_kinds() {
  static const std::vector<owned_kind> kinds = {{"v1", "ServiceAccount", "serviceaccounts"},
                                                {"apps/v1", "Deployment", "deployments"},
                                                {"v1", "Service", "services"},
                                                {"networking.k8s.io/v1", "Ingress", "ingresses"},
                                                {"networking.k8s.io/v1", "NetworkPolicy", "networkpolicies"},
                                                {"policy/v1", "PodDisruptionBudget", "poddisruptionbudgets"}};
  return kinds;
}

json::object selector_labels(const api::mcpserver& s) {
  return json::object{{"app.kubernetes.io/name", "mcp-server"}, {"app.kubernetes.io/instance", s.name}};
}

json::object common_labels(const api::mcpserver& s) {
  return parts::common_labels(selector_labels(s), "mcp-server");
}

std::string selector_string(const api::mcpserver& s) {
  return parts::selector_string(selector_labels(s));
}

std::string service_url(const api::mcpserver& s, const render_options& o) {
  return "http://" + s.name + "." + s.namespace_ + ".svc." + o.cluster_domain + ":" + std::to_string(s.spec.port) +
         s.spec.path;
}

rendered render(const api::mcpserver& s, const render_options& o) {
  rendered out;
  if (std::string why = api::validate(s); !why.empty()) {
    out.error = std::move(why);
    return out;
  }
  if (s.spec.protocol == api::protocol::stdio && o.bridge_image.empty()) {
    out.error = "protocol stdio needs the mcp-bridge image, but the operator runs without --bridge-image";
    return out;
  }
  if (api::bridge_fronts_http(s.spec) && o.bridge_image.empty()) {
    out.error = "spec.bridge.enabled needs the mcp-bridge image, but the operator runs without --bridge-image";
    return out;
  }
  if (!s.spec.service_account_name) {
    out.objects.push_back(service_account(s));
  }
  out.objects.push_back(deployment(s, o));
  out.objects.push_back(service(s));
  if (s.spec.ingress)
    out.objects.push_back(ingress(s));
  if (s.spec.network_policy_allow_from)
    out.objects.push_back(network_policy(s));
  if (s.spec.replicas.value_or(1) > 1)
    out.objects.push_back(pod_disruption_budget(s));
  return out;
}

}  // namespace controllers
