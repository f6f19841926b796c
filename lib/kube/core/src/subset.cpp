#include "kube/core/subset.hpp"

#include <boost/json.hpp>

namespace kube {

bool contains_subset(const boost::json::object& lo, const boost::json::object& desired) {
  for (const auto& [key, value] : desired) {
    const boost::json::value* lv = lo.if_contains(key);
    if (lv == nullptr) {
      // An absent false/empty value reads the same as the apiserver omitting it.
      if ((value.is_bool() && !value.get_bool()) || (value.is_object() && value.get_object().empty()))
        continue;
      return false;
    }
    if (!contains_subset(*lv, value))
      return false;
  }
  return true;
}

bool contains_subset(const boost::json::value& live, const boost::json::value& desired) {
  if (desired.is_object()) {
    if (!live.is_object())
      return false;
    return contains_subset(live.get_object(), desired.get_object());
  }
  if (desired.is_array()) {
    if (!live.is_array() || live.get_array().size() != desired.get_array().size())
      return false;
    for (std::size_t i = 0; i < desired.get_array().size(); ++i) {
      if (!contains_subset(live.get_array()[i], desired.get_array()[i]))
        return false;
    }
    return true;
  }
  if (desired.is_number() && live.is_number()) {
    return desired.to_number<double>() == live.to_number<double>();
  }
  return live == desired;
}

}  // namespace kube
