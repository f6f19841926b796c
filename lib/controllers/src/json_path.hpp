// One lookup the status code of every kind needs: the value at a path of object keys inside a
// JSON object (status.conditions, spec.template.metadata, ...), or null when any step is
// missing or is not an object. Private to lib/controllers.
#pragma once

#include <boost/json/object.hpp>

#include <initializer_list>
#include <string_view>

namespace controllers::detail {

inline const boost::json::value* json_path(const boost::json::object& o, std::initializer_list<std::string_view> keys) {
  const boost::json::value* v = nullptr;
  const boost::json::object* cur = &o;
  for (auto k : keys) {
    if (cur == nullptr)
      return nullptr;
    v = cur->if_contains(k);
    if (v == nullptr)
      return nullptr;
    cur = v->if_object();
  }
  return v;
}

}  // namespace controllers::detail
