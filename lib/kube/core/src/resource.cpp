#include "kube/core/resource.hpp"

namespace kube::resources {

api_resource config_maps() {
  return {"", "v1", "configmaps", "ConfigMap", true};
}
api_resource secrets() {
  return {"", "v1", "secrets", "Secret", true};
}
api_resource service_accounts() {
  return {"", "v1", "serviceaccounts", "ServiceAccount", true};
}
api_resource services() {
  return {"", "v1", "services", "Service", true};
}
api_resource pods() {
  return {"", "v1", "pods", "Pod", true};
}
api_resource namespaces() {
  return {"", "v1", "namespaces", "Namespace", false};
}
api_resource deployments() {
  return {"apps", "v1", "deployments", "Deployment", true};
}
api_resource replica_sets() {
  return {"apps", "v1", "replicasets", "ReplicaSet", true};
}
api_resource leases() {
  return {"coordination.k8s.io", "v1", "leases", "Lease", true};
}
api_resource events() {
  return {"events.k8s.io", "v1", "events", "Event", true};
}

}  // namespace kube::resources
