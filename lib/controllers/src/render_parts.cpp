#include "controllers/render_parts.hpp"

#include <boost/json.hpp>

#include <cstdio>

namespace controllers::parts {

namespace json = boost::json;

json::object common_labels(json::object selector, std::string_view component) {
  selector["app.kubernetes.io/component"] = component;
  selector["app.kubernetes.io/part-of"] = "mcp-operator";
  selector["app.kubernetes.io/managed-by"] = "mcp-operator";
  return selector;
}

std::string selector_string(const json::object& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty())
      out += ',';
    out += std::string(k) + "=" + std::string(v.get_string());
  }
  return out;
}

json::object metadata(const owner& o, std::string_view name, const json::object& labels) {
  json::object ref{{"apiVersion", api::api_version}, {"kind", o.kind}, {"name", o.name}, {"uid", o.uid},
                   {"controller", true},             {"blockOwnerDeletion", true}};
  return json::object{
      {"name", name}, {"namespace", o.namespace_}, {"labels", labels}, {"ownerReferences", json::array{std::move(ref)}}};
}

json::object object(std::string_view api_version, std::string_view kind, json::object meta) {
  return json::object{{"apiVersion", api_version}, {"kind", kind}, {"metadata", std::move(meta)}};
}

void set_if(json::object& o, std::string_view key, const json::value& v) {
  if (!v.is_null()) {
    o[key] = v;
  }
}

json::object restricted_container_security() {
  return json::object{{"allowPrivilegeEscalation", false},
                      {"readOnlyRootFilesystem", true},
                      {"runAsNonRoot", true},
                      {"capabilities", json::object{{"drop", json::array{"ALL"}}}},
                      {"seccompProfile", json::object{{"type", "RuntimeDefault"}}}};
}

json::object restricted_pod_security() {
  return json::object{{"runAsNonRoot", true},
                      {"runAsUser", pod_uid},
                      {"runAsGroup", pod_uid},
                      {"fsGroup", pod_uid},
                      {"seccompProfile", json::object{{"type", "RuntimeDefault"}}}};
}

json::object ingress(json::object meta, const api::ingress_settings& in, std::string_view path,
                     std::string_view service, std::string_view port_name) {
  if (!in.annotations.empty())
    meta["annotations"] = in.annotations;
  json::object backend{{"service", json::object{{"name", service}, {"port", json::object{{"name", port_name}}}}}};
  json::object p{{"path", path}, {"pathType", "Prefix"}, {"backend", std::move(backend)}};
  json::object rule{{"host", in.host}, {"http", json::object{{"paths", json::array{std::move(p)}}}}};
  json::object spec{{"rules", json::array{std::move(rule)}}};
  if (in.class_name)
    spec["ingressClassName"] = *in.class_name;
  if (in.tls_secret) {
    spec["tls"] = json::array{json::object{{"hosts", json::array{in.host}}, {"secretName", *in.tls_secret}}};
  }
  auto o = object("networking.k8s.io/v1", "Ingress", std::move(meta));
  o["spec"] = std::move(spec);
  return o;
}

json::object network_policy(json::object meta, const json::object& selector, const json::array& allow_from,
                            std::int32_t port) {
  auto o = object("networking.k8s.io/v1", "NetworkPolicy", std::move(meta));
  o["spec"] = json::object{
      {"podSelector", json::object{{"matchLabels", selector}}},
      {"policyTypes", json::array{"Ingress"}},
      {"ingress", json::array{json::object{{"from", allow_from},
                                           {"ports", json::array{json::object{{"port", port}, {"protocol", "TCP"}}}}}}}};
  return o;
}

void append_tracing_args(json::array& args, const std::optional<api::tracing_settings>& spec,
                         const tracing_defaults& defaults, std::string_view service_name) {
  if (spec && !spec->enabled) {
    return;
  }
  const auto& endpoint = spec && spec->endpoint ? spec->endpoint : defaults.endpoint;
  if (!endpoint) {
    return;
  }
  const double ratio = spec && spec->sample_ratio ? *spec->sample_ratio : defaults.sample_ratio;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", ratio);
  args.emplace_back("--otlp-endpoint");
  args.emplace_back(*endpoint);
  args.emplace_back("--trace-sample-ratio");
  args.emplace_back(buf);
  args.emplace_back("--service-name");
  args.emplace_back(service_name);
}

}  // namespace controllers::parts
