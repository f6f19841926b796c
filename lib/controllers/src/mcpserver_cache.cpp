#include "controllers/mcpserver_cache.hpp"

#include <boost/json.hpp>

#include "controllers/mcpserver_status.hpp"

namespace controllers {

namespace json = boost::json;

// The controller's pod cache holds what status needs of a Pod and nothing else: its spec (most
// of a Pod's size) and annotations are dropped.
void project_pod(kube::object& pod) {
  json::object meta;
  if (auto* m = pod.if_contains("metadata"); m != nullptr && m->is_object()) {
    for (const char* k : {"name", "namespace", "uid", "resourceVersion", "labels", "ownerReferences",
                          "deletionTimestamp", "creationTimestamp"}) {
      if (auto* v = m->get_object().if_contains(k))
        meta[k] = std::move(*v);
    }
  }
  json::object st;
  if (auto* s = pod.if_contains("status"); s != nullptr && s->is_object()) {
    for (const char* k : {"phase", "conditions", "containerStatuses", "initContainerStatuses"}) {
      if (auto* v = s->get_object().if_contains(k))
        st[k] = std::move(*v);
    }
  }
  json::object out{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(meta)}, {"status", std::move(st)}};
  pod = std::move(out);
}

// Of a ReplicaSet, what tells the current revision's Pods apart: its owner, its revision and
// its pod-template-hash label.
void project_replica_set(kube::object& rs) {
  json::object meta;
  if (auto* m = rs.if_contains("metadata"); m != nullptr && m->is_object()) {
    for (const char* k : {"name", "namespace", "uid", "resourceVersion", "labels", "ownerReferences"}) {
      if (auto* v = m->get_object().if_contains(k))
        meta[k] = std::move(*v);
    }
    if (auto* a = m->get_object().if_contains("annotations"); a != nullptr && a->is_object()) {
      if (auto* rev = a->get_object().if_contains(deployment_revision_annotation))
        meta["annotations"] = json::object{{deployment_revision_annotation, std::move(*rev)}};
    }
  }
  json::object out{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"metadata", std::move(meta)}};
  rs = std::move(out);
}

std::optional<std::string> instance_label(const kube::object& o) {
  const json::value* m = o.if_contains("metadata");
  const json::value* labels = m != nullptr && m->is_object() ? m->get_object().if_contains("labels") : nullptr;
  if (labels == nullptr || !labels->is_object())
    return std::nullopt;
  const json::value* instance = labels->get_object().if_contains("app.kubernetes.io/instance");
  if (instance == nullptr || !instance->is_string())
    return std::nullopt;
  return std::string(instance->get_string());
}

}  // namespace controllers
