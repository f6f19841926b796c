// Identifies a Kubernetes resource type (group/version/plural + kind + scope) and one object
// of it (namespace/name). Pure values: no discovery, so the caller states the scope and plural
// once per type, as kube-rs's ApiResource does; the predefined core types below cover what the
// operator uses.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <string>

namespace kube {

struct api_resource {
  std::string group;    // "" for the core API
  std::string version;  // "v1"
  std::string plural;   // "configmaps"
  std::string kind;     // "ConfigMap"
  bool namespaced = true;

  // "v1" for the core group, "apps/v1" otherwise: the apiVersion field of objects.
  [[nodiscard]] std::string api_version() const { return group.empty() ? version : group + "/" + version; }

  friend bool operator==(const api_resource&, const api_resource&) = default;
};

namespace resources {
api_resource config_maps();
api_resource secrets();
api_resource service_accounts();
api_resource services();
api_resource pods();
api_resource namespaces();
api_resource deployments();
api_resource replica_sets();
api_resource leases();
api_resource events();  // events.k8s.io/v1
}  // namespace resources

// The key of one object. Cluster-scoped objects have an empty namespace.
struct object_key {
  std::string ns;
  std::string name;

  // "ns/name", or "name" when cluster-scoped: client-go's MetaNamespaceKeyFunc format.
  [[nodiscard]] std::string str() const { return ns.empty() ? name : ns + "/" + name; }

  friend auto operator<=>(const object_key&, const object_key&) = default;
};

struct object_key_hash {
  std::size_t operator()(const object_key& k) const noexcept {
    std::size_t h = std::hash<std::string>{}(k.ns);
    return h ^ (std::hash<std::string>{}(k.name) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }
};

}  // namespace kube
