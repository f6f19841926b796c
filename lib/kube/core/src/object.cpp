#include "kube/core/object.hpp"

namespace kube {

namespace {

const object* metadata(const object& o) {
  const auto* m = o.if_contains("metadata");
  return m ? m->if_object() : nullptr;
}

std::string_view string_field(const object* o, std::string_view key) {
  if (!o) {
    return {};
  }
  const auto* v = o->if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

}  // namespace

std::string_view name_of(const object& o) {
  return string_field(metadata(o), "name");
}
std::string_view namespace_of(const object& o) {
  return string_field(metadata(o), "namespace");
}
std::string_view uid_of(const object& o) {
  return string_field(metadata(o), "uid");
}
std::string_view resource_version_of(const object& o) {
  return string_field(metadata(o), "resourceVersion");
}

object_key key_of(const object& o) {
  return {std::string(namespace_of(o)), std::string(name_of(o))};
}

std::optional<std::int64_t> generation_of(const object& o) {
  const auto* m = metadata(o);
  const auto* g = m ? m->if_contains("generation") : nullptr;
  if (g && g->is_int64()) {
    return g->get_int64();
  }
  return std::nullopt;
}

std::optional<owner_reference> controller_of(const object& o) {
  const auto* m = metadata(o);
  const auto* refs = m ? m->if_contains("ownerReferences") : nullptr;
  if (!refs || !refs->is_array()) {
    return std::nullopt;
  }
  for (const auto& r : refs->get_array()) {
    const auto* ro = r.if_object();
    if (!ro) {
      continue;
    }
    const auto* c = ro->if_contains("controller");
    if (c && c->is_bool() && c->get_bool()) {
      return owner_reference{std::string(string_field(ro, "apiVersion")), std::string(string_field(ro, "kind")),
                             std::string(string_field(ro, "name")), std::string(string_field(ro, "uid")), true};
    }
  }
  return std::nullopt;
}

std::string_view group_of(std::string_view api_version) {
  const auto slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view{} : api_version.substr(0, slash);
}

control control_of(const object& o, const object& owner) {
  const auto ref = controller_of(o);
  if (!ref)
    return control::other;
  const std::string_view uid = uid_of(owner);
  if (!uid.empty() && ref->uid == uid)
    return control::owner;
  const auto* kind = owner.if_contains("kind");
  const auto* api_version = owner.if_contains("apiVersion");
  if (uid.empty() || ref->uid.empty() || kind == nullptr || !kind->is_string() || api_version == nullptr ||
      !api_version->is_string())
    return control::other;
  if (ref->kind == std::string_view(kind->get_string()) &&
      group_of(ref->api_version) == group_of(api_version->get_string()) && ref->name == name_of(owner))
    return control::earlier_incarnation;
  return control::other;
}

void trim_for_cache(object& o) {
  auto* meta = o.if_contains("metadata");
  if (meta == nullptr || !meta->is_object())
    return;
  auto& m = meta->get_object();
  m.erase("managedFields");
  if (auto* ann = m.if_contains("annotations"); ann != nullptr && ann->is_object()) {
    ann->get_object().erase("kubectl.kubernetes.io/last-applied-configuration");
  }
}

}  // namespace kube
