// Read access to the metadata of a Kubernetes object held as JSON. Objects are kept as
// boost::json::object so the library serves any resource (built-in or custom) without
// generated types; cached objects are shared immutably as object_ptr.
#pragma once

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kube/core/resource.hpp"

namespace kube {

using object = boost::json::object;
using object_ptr = std::shared_ptr<const boost::json::object>;

struct owner_reference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

// Each returns "" (or nullopt) when the field is absent or not a string.
std::string_view name_of(const object& o);
std::string_view namespace_of(const object& o);
std::string_view uid_of(const object& o);
std::string_view resource_version_of(const object& o);
object_key key_of(const object& o);
std::optional<std::int64_t> generation_of(const object& o);
// The ownerReference with controller=true, if any (at most one by apiserver validation).
std::optional<owner_reference> controller_of(const object& o);

// How an object stands to `owner`, the object that means to control it.
enum class control {
  owner,  // its controller reference names owner's UID
  // Its controller reference names an earlier incarnation of owner: the same API group and kind,
  // the same name, another UID. Names are unique per kind and namespace and owner holds that
  // name now, so the UID named no longer exists: the object outlived its owner (a garbage
  // collection that missed it) and may be adopted. The version is not compared: an owner
  // written as v1beta1 and read as v1 is the same object.
  earlier_incarnation,
  other,  // no controller reference, or one naming any other object: never taken over
};
control control_of(const object& o, const object& owner);

// "apps" of "apps/v1", "" of "v1" (the core group).
std::string_view group_of(std::string_view api_version);

// Drops what a cache never needs and what makes up half of a typical object's size:
// metadata.managedFields (server-side apply bookkeeping) and kubectl's last-applied-configuration
// annotation, as controller-runtime's TransformStripManagedFields does. Every object a
// reflector caches (list items and watch events) goes through it; read an object from the
// apiserver when you need those fields.
void trim_for_cache(object& o);

}  // namespace kube
